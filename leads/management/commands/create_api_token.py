from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Print the API token of a user (found by username or email), creating it if needed. "
        "Clients send it as `Authorization: Token <key>`. Attorneys' tokens can read and update "
        "leads; any token makes POST /create exempt from the intake rate limit."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", metavar="EMAIL", help="The user's email address or username.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Replace the user's token with a new one; the old one stops working.",
        )

    def handle(self, user, reset, **options):
        User = get_user_model()
        try:
            account = User.objects.get(Q(username__iexact=user) | Q(email__iexact=user))
        except User.DoesNotExist:
            raise CommandError(f"No user {user!r}.") from None
        except User.MultipleObjectsReturned:
            raise CommandError(f"Several users match {user!r}: give the username.") from None
        if not account.is_active:
            raise CommandError(f"The account {account.username} is inactive.")

        if reset:
            Token.objects.filter(user=account).delete()
        token, _ = Token.objects.get_or_create(user=account)
        if not account.has_perm("leads.view_lead"):
            self.stderr.write(
                f"Note: {account.username} is not an attorney; the token can only submit leads."
            )
        self.stdout.write(token.key)
