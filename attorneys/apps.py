from django.apps import AppConfig


class AttorneysConfig(AppConfig):
    """The attorneys' pages: dashboard, list, lead pages (no models: the `leads` app's)."""

    name = "attorneys"
