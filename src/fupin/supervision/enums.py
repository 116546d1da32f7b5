"""Supervision's choices: what a target measures, the states of plans, approvals and problems, progress statuses
and assessment grades. Values are stable codes (API, files, audit); labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """What a target measures. Money in fen, counts as whole numbers, shares in basis points (10000 = 100%)."""

    DIRECT_PURCHASE = "direct_purchase", _("Amount directly purchased")
    HELPED_SALE = "helped_sale", _("Amount helped to sell")
    CERTIFIED_PRODUCTS = "certified_products", _("Certified products")
    HOUSEHOLDS_LINKED = "households_linked", _("Poor households linked")
    BENEFITS_PAID = "benefits_paid", _("Benefits paid")
    RESERVED_SHARE = "reserved_share", _("Reserved-share compliance")


MONEY_METRICS = (Metric.DIRECT_PURCHASE, Metric.HELPED_SALE, Metric.BENEFITS_PAID)
LEDGER_METRICS = (Metric.DIRECT_PURCHASE, Metric.HELPED_SALE)
SHARE_METRICS = (Metric.RESERVED_SHARE,)


class Unit(models.TextChoices):
    FEN = "fen", _("fen")
    COUNT = "count", _("count")
    BASIS_POINTS = "bp", _("basis points")


class Scheme(models.TextChoices):
    """The three assessment schemes (the ledger's attribution schemes), or none: the body's own account."""

    DESIGNATED_ASSISTANCE = "designated_assistance", _("Designated assistance")
    EAST_WEST = "east_west", _("East–west cooperation")
    COUNTERPART_SUPPORT = "counterpart_support", _("Counterpart support")


SCHEMES = tuple(Scheme.values)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class ApprovalStatus(models.TextChoices):
    """A reporting period of a body: submitted, accepted level by level (the first acceptance freezes the figures
    and locks the period), approved at the top; returned for correction; unlocked after approval (with reason)."""

    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted (moving up)")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")
    UNLOCKED = "unlocked", _("Unlocked")


class ProgressStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")
    FAR_BEHIND = "far_behind", _("Far behind")


class Grade(models.TextChoices):
    GOOD = "good", _("Good (好)")
    FAIRLY_GOOD = "fairly_good", _("Fairly good (较好)")
    AVERAGE = "average", _("Average (一般)")
    POOR = "poor", _("Poor (较差)")


class IndicatorKind(models.TextChoices):
    RATIO_TO_TARGET = "ratio_to_target", _("Ratio to target")
    GROWTH = "growth", _("Growth on last year")
    POVERTY_SHARE = "poverty_share", _("Share of purchases from poverty or key counties")
    LINKAGE_BENEFITS = "linkage_benefits", _("Linkage benefits")
    RESERVED_SHARE = "reserved_share", _("Reserved-share compliance")
    QUALITATIVE = "qualitative", _("Qualitative score by the assessors")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class ProblemCategory(models.TextChoices):
    SUPPLY = "supply", _("Supply and quality")
    SALES = "sales", _("Sales and market access")
    LOGISTICS = "logistics", _("Logistics and cold chain")
    CERTIFICATION = "certification", _("Certification")
    LINKAGE = "linkage", _("Interest linkage")
    FUNDING = "funding", _("Funding and policy support")
    DATA = "data", _("Data and statistics")
    OTHER = "other", _("Other")


class EvaluationStatus(models.TextChoices):
    """The year-end assessment cycle of one body and scheme."""

    SELF_EVALUATED = "self_evaluated", _("Self-evaluated")
    PARTNER_COMMENTED = "partner_commented", _("Partner commented")
    CROSS_CHECKED = "cross_checked", _("Cross-checked")
    REPORTED = "reported", _("Final report")
