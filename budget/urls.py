from django.urls import path

from budget import views

app_name = "budget"

urlpatterns = [
    path("", views.budget_overview, name="overview"),
    path("what-if/", views.budget_what_if, name="what_if"),
    path("settings/", views.budget_settings, name="settings"),
    path("payments/", views.payment_create, name="payment_create"),
    path("needs/<int:pk>/costs/new/", views.need_cost_create, name="need_cost_create"),
    path("costs/<int:pk>/", views.need_cost_edit, name="need_cost_edit"),
    path("needs/<int:pk>/procurement/", views.procurement_plan_edit, name="procurement_plan_edit"),
    path("reports/<int:year>/", views.report_year, name="report_year"),
    path("reports/<int:year>/<slug:slug>/", views.report_detail, name="report_detail"),
    path("reports/<int:year>/<slug:slug>/approve/", views.report_approve, name="report_approve"),
    path("reports/<int:year>/<slug:slug>/return/", views.report_return, name="report_return"),
    path("reports/<int:year>/<slug:slug>.xlsx", views.report_xlsx, name="report_xlsx"),
    path("reports/<int:year>/<slug:slug>.pdf", views.report_pdf, name="report_pdf"),
]
