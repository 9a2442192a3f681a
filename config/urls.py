from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from budget.api import router as budget_api
from frontend import views as frontend_views
from needs_registry.api import api as open_data_api
from steering.api import router as steering_api

handler400 = "frontend.views.bad_request"
handler403 = "frontend.views.permission_denied"
handler404 = "frontend.views.page_not_found"
handler500 = "frontend.views.server_error"

TO_SIGN_IN = RedirectView.as_view(pattern_name="sign_in", query_string=True)

# The budget's and the steering group's parts of the open-data API, beside the needs.
open_data_api.add_router("/", budget_api)
open_data_api.add_router("/", steering_api)

urlpatterns = [
    path("healthz", frontend_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", frontend_views.javascript_catalog, name="javascript-catalog"),
    path("sign-in/", account_views.sign_in, name="sign_in"),
    path("sign-out/", account_views.sign_out, name="sign_out"),
    path("accounts/oidc/<str:provider_id>/login/", account_views.iam_login, name="iam_login"),
    path(
        "accounts/oidc/backchannel-logout/",
        account_views.backchannel_logout,
        name="backchannel_logout",
    ),
    path("accounts/logout/", account_views.sign_out),
    # Each member is one IAM account: allauth's page for connecting more is not offered.
    path("accounts/3rdparty/", account_views.social_connections),
    path("accounts/", include("allauth.urls")),
    *(
        # Wagtail's password sign-in page sends people to the IAM sign-in. Django
        # admin keeps its own for the break-glass superuser (created on the server
        # with createsuperuser) who repairs the platform while the IAM is down.
        [path("admin/login/", TO_SIGN_IN)] if settings.SOCIALACCOUNT_ONLY else []
    ),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accessibility/", frontend_views.accessibility_statement, name="accessibility_statement"),
    path("search/", include("search.urls")),
    path("api/", open_data_api.urls),
    path("", include("accounts.urls")),
    path("forum/", include("forum.urls")),
    path("notifications/", include("notifications.urls")),
    path("needs/", include("needs_registry.urls")),
    path("budget/", include("budget.urls")),
    path("steering/", include("steering.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Only Wagtail's image renditions, which are public page content; attachments
    # and everything else under MEDIA_ROOT go out through their download views.
    urlpatterns += static(
        f"{settings.MEDIA_URL}images/", document_root=settings.MEDIA_ROOT / "images"
    )

urlpatterns += [path("", include(wagtail_urls))]
