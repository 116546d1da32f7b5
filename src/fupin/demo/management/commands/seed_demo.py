from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fupin.demo.steps import STEPS
from fupin.demo.world import SCALES, World


class Command(BaseCommand):
    help = "Build the deterministic demo world through the services (run after migrate and load_reference)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")

    def handle(self, *args, seed, scale, **opts):
        from fupin.core.models import User

        if User.objects.filter(username="admin").exists():
            self.stdout.write("The demo world is already there (user 'admin' exists); nothing to do.")
            return
        world = World(seed=seed, scale=scale)
        try:
            with transaction.atomic():
                for name, build in STEPS:
                    self.stdout.write(f"demo: {name} …")
                    build(world)
        except Exception as exc:  # report which step broke, roll everything back
            raise CommandError(f"demo step failed: {exc}") from exc
        for note in world.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write("")
        self.stdout.write("Demo logins (user / password / what it can do):")
        for username, password, what in world.logins:
            self.stdout.write(f"  {username:<22} {password:<18} {what}")
