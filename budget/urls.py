from django.urls import path

from budget import views

app_name = "budget"

urlpatterns = [
    path("", views.budget_overview, name="overview"),
    path("what-if/", views.budget_what_if, name="what_if"),
    path("payments/", views.payment_create, name="payment_create"),
    path("needs/<int:pk>/costs/new/", views.need_cost_create, name="need_cost_create"),
    path("costs/<int:pk>/", views.need_cost_edit, name="need_cost_edit"),
    path("needs/<int:pk>/procurement/", views.procurement_plan_edit, name="procurement_plan_edit"),
]
