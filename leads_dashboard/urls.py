from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "Leads Dashboard"
admin.site.site_title = "Leads Dashboard"
admin.site.index_title = "Back office"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # A page, not an endpoint: GET only (drf-spectacular's OPTIONS answer needs a template
    # that the Swagger view does not have, a 500).
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api_schema", http_method_names=["get", "head"]),
        name="api_docs",
    ),
    path("", include("leads.api_urls")),
    path("", include("leads.urls")),
]
