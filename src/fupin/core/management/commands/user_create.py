"""`fupin user_create USERNAME --organisation CODE --roles clerk,reviewer --scope REGION_CODE`: create a user."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fupin.core.errors import FupinError
from fupin.core.services import user_create

from ._users import add_access_arguments, refused


class Command(BaseCommand):
    help = ("Create a user acting for an organisation (credit code or id) with roles and a region scope, validated "
            "like every other way of creating users; audited as `user_create`. Without --password-from-stdin the "
            "password is unusable until one is set (`fupin changepassword`).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        add_access_arguments(parser, required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password-from-stdin", action="store_true",
                            help="read the password from the first line of standard input")

    def handle(self, *args, username, roles, scope, scope_level, organisation, email, password_from_stdin, **opts):
        password = sys.stdin.readline().rstrip("\r\n") if password_from_stdin else None
        try:
            user = user_create(username=username, password=password, organisation=organisation, roles=roles,
                               scope_code=scope or "", scope_level=scope_level, email=email, actor="user_create")
        except FupinError as exc:
            raise refused(exc) from None
        self.stdout.write(_("user %(name)s (#%(id)s) created: %(roles)s for %(org)s, scope %(level)s %(code)s")
                          % {"name": user.username, "id": user.pk, "roles": user.roles,
                             "org": user.organisation.name if user.organisation else _("no organisation"),
                             "level": user.scope_level, "code": user.scope_code or _("(nation)")}
                          + ("" if password else _("; password not set")))
