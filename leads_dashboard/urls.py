from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from leads.health import health
from lib.auth_forms import EmailAdminAuthenticationForm, EmailAuthenticationForm

admin.site.site_header = "Leads Dashboard"
admin.site.site_title = "Leads Dashboard"
admin.site.index_title = "Back office"
# Django's navigation sidebar would take a quarter of a laptop's screen on every page, for two
# models that the index and the breadcrumbs reach as well: the lead list needs the width.
admin.site.enable_nav_sidebar = False
# Staff sign in with their email address, there as on /accounts/login/.
admin.site.login_form = EmailAdminAuthenticationForm

# The one inline <style> of drf-spectacular's Swagger UI page, allowed by its hash (test_csp.py
# recomputes it, so an upgrade that changes the style says so).
SWAGGER_UI_STYLE = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # For load balancers and uptime checks; leads.health.HealthCheckMiddleware answers it first.
    path("healthz", health, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # A page, not an endpoint: GET only (drf-spectacular's OPTIONS answer needs a template
    # that the Swagger view does not have, a 500). The Split view serves Swagger UI's start-up
    # script as a file (api/docs/?script), not inline, so the site's Content-Security-Policy
    # holds; this page adds only its <style> and the data: icons of Swagger UI's stylesheet.
    path(
        "api/docs/",
        csp_update({"style-src": ["'self'", SWAGGER_UI_STYLE], "img-src": ["'self'", "data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api_schema", http_method_names=["get", "head"]
            )
        ),
        name="api_docs",
    ),
    path("", include("api.urls")),
    path("", include("intake.urls")),
    path("", include("attorneys.urls")),
]
