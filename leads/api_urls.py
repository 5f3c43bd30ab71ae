"""The JSON API's routes, at the site root as in the original design. Each works with and
without a trailing slash; only the form without one is in the OpenAPI schema."""

from django.urls import path

from . import api

app_name = "api"


def route(pattern, view, name):
    return [path(pattern, view, name=name), path(f"{pattern}/", view)]


urlpatterns = [
    *route("create", api.LeadCreateView.as_view(), "lead_create"),
    *route("get", api.LeadListView.as_view(), "lead_list"),
    *route("get/<str:pk>", api.LeadDetailView.as_view(), "lead_detail"),
    *route("update/<str:pk>", api.LeadUpdateView.as_view(), "lead_update"),
]
