from django.core.management.base import BaseCommand, CommandError

from fupin.core.models import User
from fupin.core.services import token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it alone on the last line (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **opts):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        key = token_create(user=user, name=name, actor="cli")
        self.stdout.write(key)
