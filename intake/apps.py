from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """The public intake form (no models: the leads are the `leads` app's)."""

    name = "intake"
