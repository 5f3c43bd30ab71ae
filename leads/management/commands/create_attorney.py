import getpass
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.crypto import get_random_string

ATTORNEYS_GROUP = "Attorneys"


class Command(BaseCommand):
    help = (
        "Create an attorney account: a staff user (not a superuser) in the Attorneys group. "
        "The password is prompted for on a terminal; otherwise one is generated and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The attorney's email address, also their username.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Never prompt: generate a password and print it.",
        )

    def handle(self, email, first_name, last_name, no_input, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid email address.") from None
        User = get_user_model()
        if User.objects.filter(username__iexact=email).exists():
            raise CommandError(f"An account for {email} already exists.")

        user = User(username=email, email=email, first_name=first_name, last_name=last_name)
        user.is_staff = True
        if no_input or not sys.stdin.isatty():
            password = get_random_string(20)
            generated = True
        else:
            password = self._prompt_password(user)
            generated = False
        user.set_password(password)
        with transaction.atomic():
            user.save()
            user.groups.add(Group.objects.get(name=ATTORNEYS_GROUP))

        self.stdout.write(self.style.SUCCESS(f"Attorney account created for {email}."))
        if generated:
            self.stdout.write(f"Password (shown only this once): {password}")

    def _prompt_password(self, user):
        while True:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords do not match.")
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            return password
