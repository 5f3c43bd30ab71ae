"""Authentication of the JSON API (settings.REST_FRAMEWORK names it, so this module must not
import the API's views)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication (`Authorization: Token <key>`), reading the token's user in
    one query of the user's columns alone: DRF's own query joins the token's columns in too, and
    building it was a sixth of a token-authenticated GET /get/<id>. The same answers: a key that
    is no token, or a deactivated user, is a 401. The request's `auth` is the key."""

    def authenticate_credentials(self, key):
        try:
            user = get_user_model().objects.get(auth_token__key=key)
        except get_user_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, key)
