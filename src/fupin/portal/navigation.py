"""The navigation menu: each entry names the URL and the roles that see it (empty = every signed-in user).
Areas of the portal add their entries here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.certification import selectors as certification

INBOX_URL_NAME = "portal:inbox"


@dataclass(frozen=True)
class NavItem:
    label: object
    url_name: str
    roles: tuple[str, ...] = ()
    section: object = ""
    shown: Callable[[Any], bool] | None = None  # a selector's answer for the user (what its role and state allow)


NAV: list[NavItem] = [
    NavItem(_("Home"), "portal:home"),
    NavItem(_("Inbox"), INBOX_URL_NAME),  # its label carries the count of items waiting (context.py)
    NavItem(_("Regions"), "portal:region_list", section=_("Registry")),
    NavItem(_("Organisations"), "portal:organisation_list", section=_("Registry")),
    NavItem(_("Market entities"), "portal:entity_list", section=_("Registry")),
    NavItem(_("Households"), "portal:household_list", section=_("Registry")),
    NavItem(_("Assistance relations"), "portal:relation_list", section=_("Registry")),
    NavItem(_("Imports"), "portal:import_list", ("clerk", "administrator", "auditor"), section=_("Registry")),
    NavItem(_("Indicators"), "portal:linkage_home", section=_("Interest linkage")),
    NavItem(_("Contracts"), "portal:linkage_contracts", section=_("Interest linkage")),
    NavItem(_("Benefit payments"), "portal:linkage_payments", section=_("Interest linkage")),
    NavItem(_("Flags"), "portal:linkage_flags", section=_("Interest linkage")),
    NavItem(_("Verification"), "portal:linkage_rounds", section=_("Interest linkage")),
    NavItem(_("Catalogue"), "portal:cert_catalogue", section=_("Certification")),
    NavItem(_("My products"), "portal:cert_supplier", section=_("Certification"),
            shown=lambda u: certification.offers_supplier_pages(viewer=u)),
    NavItem(_("Applications"), "portal:cert_applications", section=_("Certification")),
    NavItem(_("Review queue"), "portal:cert_queue", ("reviewer", "approver"), section=_("Certification"),
            shown=lambda u: certification.offers_review_queue(viewer=u)),
    NavItem(_("Objections"), "portal:cert_objections", ("reviewer", "approver"), section=_("Certification")),
    NavItem(_("Publish a batch"), "portal:cert_batch_new", ("reviewer", "approver"), section=_("Certification")),
    NavItem(_("Certified products"), "portal:cert_products", section=_("Certification")),
    NavItem(_("Spot checks"), "portal:cert_spot_checks", ("reviewer", "approver", "auditor"),
            section=_("Certification")),
    NavItem(_("Linkage shortfalls"), "portal:cert_shortfalls", ("reviewer", "approver", "auditor"),
            section=_("Certification")),
    NavItem(_("Verify a certificate"), "portal:cert_verify", section=_("Certification")),
    NavItem(_("Statistics"), "portal:ledger_dashboard", section=_("Consumption account")),
    NavItem(_("Purchase entries"), "portal:ledger_entries", section=_("Consumption account")),
    NavItem(_("Reserved share"), "portal:ledger_reserved_share", section=_("Consumption account")),
    NavItem(_("Upload purchases"), "portal:ledger_imports", ("clerk", "administrator", "auditor"),
            section=_("Consumption account")),
    NavItem(_("Period locks"), "portal:ledger_locks", ("approver", "administrator", "auditor"),
            section=_("Consumption account")),
    NavItem(_("Early warning"), "portal:supervision_home", section=_("Supervision")),
    NavItem(_("Work plans"), "portal:supervision_plans", section=_("Supervision")),
    NavItem(_("Period approvals"), "portal:supervision_approvals", section=_("Supervision")),
    NavItem(_("Problem register"), "portal:supervision_problems", section=_("Supervision")),
    NavItem(_("Scorecards"), "portal:supervision_scorecards", section=_("Supervision")),
    NavItem(_("Implementation plans"), "portal:leadership_plans", section=_("Leadership")),
    NavItem(_("My responsibilities"), "portal:leadership_department_mine", section=_("Leadership")),
    NavItem(_("Case library"), "portal:leadership_cases", section=_("Leadership")),
    NavItem(_("Inflation flags"), "portal:detection_flags", ("reviewer", "approver", "auditor", "administrator"),
            section=_("Oversight")),
    NavItem(_("Audit log"), "portal:audit_log", ("auditor", "administrator"), section=_("Oversight")),
    NavItem(_("Security log"), "portal:security_log", ("auditor", "administrator"), section=_("Oversight")),
    NavItem(_("Users"), "portal:access_users", ("administrator",), section=_("Oversight")),
    NavItem(_("Administration"), "admin:index", ("administrator",), section=_("Oversight")),
]
