"""Incentives' choices: policies and their kinds, the bodies that grant them, decisions, recognition and
demonstration states, supply-chain projects. Values are stable codes (API, files, audit); labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyKind(models.TextChoices):
    """What a policy gives (seed measure 3: preferential finance and land policies, and demonstration criteria)."""

    LOAN_INTEREST_SUBSIDY = "loan_interest_subsidy", _("Loan interest subsidy")
    CREDIT_GUARANTEE = "credit_guarantee", _("Credit guarantee")
    LAND_QUOTA = "land_quota", _("Priority land quota")
    FEE_REDUCTION = "fee_reduction", _("Reduced fees")
    TOURISM_SUPPORT = "tourism_support", _("Rural tourism support")
    DEMONSTRATION = "demonstration", _("Demonstration criteria")
    OTHER = "other", _("Other")


class GrantingBody(models.TextChoices):
    """The kind of body that grants the benefit (who a shortlist is for)."""

    FINANCE = "finance", _("Finance department")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources department")
    BANKING = "banking", _("Banks and the People's Bank")
    CULTURE_TOURISM = "culture_tourism", _("Culture and tourism department")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs department")
    POVERTY_OFFICE = "poverty_office", _("Poverty alleviation office (rural revitalisation)")
    OTHER = "other", _("Other")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    RETIRED = "retired", _("Retired")


class Outcome(models.TextChoices):
    """A decision: every condition met, one not met, or undetermined because a fact it needs is missing."""

    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    UNDETERMINED = "undetermined", _("Undetermined: facts missing")


class RunStatus(models.TextChoices):
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ChangeKind(models.TextChoices):
    """How an entity's decision changed between two evaluation runs."""

    NEWLY_ELIGIBLE = "newly_eligible", _("Newly eligible")
    NO_LONGER_ELIGIBLE = "no_longer_eligible", _("No longer eligible")
    CHANGED = "changed", _("Changed (still not eligible)")
    NEW_IN_SCOPE = "new_in_scope", _("Evaluated for the first time")
    LEFT_SCOPE = "left_scope", _("No longer evaluated")


class RecognitionSubject(models.TextChoices):
    """Who a recognition round ranks."""

    BUYERS = "buyers", _("Buyers, by counted purchases")
    SELLERS = "sellers", _("Sellers, by benefits paid to poor households")


class BuyerGroup(models.TextChoices):
    """The groups buyers are ranked in (the seed: enterprises, social organisations, units and individuals)."""

    ENTERPRISE = "enterprise", _("Enterprises")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisations")
    UNIT = "unit", _("Units (government bodies, budget and central units, institutions)")
    SELLER = "seller", _("Market entities (sellers)")


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DemonstrationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    UNDER_REVIEW = "under_review", _("Under review")
    DESIGNATED = "designated", _("Designated")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class ProjectKind(models.TextChoices):
    """Supply-chain capital projects of seed measure 3."""

    COLD_STORAGE = "cold_storage", _("Cold storage")
    WAREHOUSE = "warehouse", _("Warehouse")
    LOGISTICS_CENTRE = "logistics_centre", _("Logistics centre")
    PROCESSING_PLANT = "processing_plant", _("Processing plant")
    ECOMMERCE_STATION = "ecommerce_station", _("E-commerce service station")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    OPERATING = "operating", _("Operating")
    CLOSED = "closed", _("Closed")


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("Central government funds")
    LOCAL = "local", _("Local government funds")
    ENTERPRISE = "enterprise", _("Enterprise funds")
    CREDIT = "credit", _("Bank credit")


class CapacityUnit(models.TextChoices):
    TONNES = "tonnes", _("tonnes")
    CUBIC_METRES = "cubic_metres", _("cubic metres")
    TONNES_PER_DAY = "tonnes_per_day", _("tonnes a day")
    PARCELS_PER_DAY = "parcels_per_day", _("parcels a day")
    SQUARE_METRES = "square_metres", _("square metres")


class Coverage(models.TextChoices):
    """The services whose absence in a poverty or key county is a coverage gap."""

    COLD_CHAIN = "cold_chain", _("Cold storage")
    LOGISTICS = "logistics", _("Logistics service")
