"""The JSON API's routes, at the site root as in the original design. Each works with and
without a trailing slash; only the form without one is in the OpenAPI schema."""

from django.urls import path

from lib.middleware import checks_its_own_input

from . import views

app_name = "api"


def route(pattern, view, name):
    """The route with and without a trailing slash. Its view answers malformed requests in the
    API's JSON error shape, so the pages' middleware checks leave it alone."""
    view = checks_its_own_input(view)
    return [path(pattern, view, name=name), path(f"{pattern}/", view)]


urlpatterns = [
    *route("create", views.LeadCreateView.as_view(), "lead_create"),
    *route("get", views.LeadListView.as_view(), "lead_list"),
    *route("get/<str:pk>", views.LeadDetailView.as_view(), "lead_detail"),
    *route("update/<str:pk>", views.LeadUpdateView.as_view(), "lead_update"),
]
