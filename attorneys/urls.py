from django.urls import path

from . import views

app_name = "attorneys"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/export.csv", views.lead_export, name="lead_export"),
    path("leads/bulk/", views.lead_bulk, name="lead_bulk"),
    path("leads/bulk/undo/", views.lead_bulk_undo, name="lead_bulk_undo"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/state/", views.lead_set_state, name="lead_set_state"),
    path("leads/<int:pk>/notes/", views.lead_add_note, name="lead_add_note"),
    path("leads/<int:pk>/cv/", views.lead_cv, name="lead_cv"),
    path("leads/<int:pk>/export.json", views.lead_export_person, name="lead_export_person"),
    path("leads/<int:pk>/erase/", views.lead_erase, name="lead_erase"),
    path(
        "leads/<int:pk>/resubmissions/<int:resubmission_pk>/cv/",
        views.resubmission_cv,
        name="resubmission_cv",
    ),
]
