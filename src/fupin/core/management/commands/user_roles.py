"""`fupin user_roles USERNAME [--roles ...] [--scope ...] [--organisation ...] [--deactivate|--activate]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.core.errors import FupinError
from fupin.core.models import User
from fupin.core.services import UNCHANGED, user_roles_set

from ._users import add_access_arguments, refused


class Command(BaseCommand):
    help = ("Show or change what a user may do: roles, region scope, organisation, active or not (what is not given "
            "stays). Validated like the admin and the API; audited before → after as `user_roles`.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        add_access_arguments(parser, required=False)
        active = parser.add_mutually_exclusive_group()
        active.add_argument("--deactivate", action="store_true", help="the user can no longer sign in or act")
        active.add_argument("--activate", action="store_true")
        parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def handle(self, *args, username, roles, scope, scope_level, organisation, deactivate, activate, reason, **opts):
        user = User.objects.select_related("organisation").filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": username}, returncode=2)
        if any(v is not None for v in (roles, scope, scope_level, organisation)) or deactivate or activate:
            try:
                user = user_roles_set(
                    user=user, actor="user_roles", roles=roles, scope_code=scope, scope_level=scope_level,
                    organisation=UNCHANGED if organisation is None else organisation,
                    is_active=False if deactivate else True if activate else None, reason=reason)
            except FupinError as exc:
                raise refused(exc) from None
        self.stdout.write(_("%(name)s: roles %(roles)s; scope %(level)s %(code)s; organisation %(org)s; %(active)s")
                          % {"name": user.username, "roles": ",".join(user.role_list), "level": user.scope_level,
                             "code": user.scope_code or _("(nation)"),
                             "org": user.organisation.name if user.organisation else _("no organisation"),
                             "active": _("active") if user.is_active else _("inactive")})
