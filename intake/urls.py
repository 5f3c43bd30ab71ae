from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("", views.intake, name="form"),
    path("thanks/", views.thanks, name="thanks"),
]
