from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


class Zone(models.TextChoices):
    """The three great regions used by the poverty work (东部 / 中部 / 西部)."""

    EAST = "east", _("East")
    CENTRAL = "central", _("Central")
    WEST = "west", _("West")


class OrganisationKind(models.TextChoices):
    GOVERNMENT_DEPARTMENT = "government_department", _("Government department")
    PROVINCIAL_GOVERNMENT = "provincial_government", _("Provincial government")
    LOCAL_GOVERNMENT = "local_government", _("Local government")
    CENTRAL_UNIT = "central_unit", _("Central unit")
    BUDGET_UNIT = "budget_unit", _("Budget unit")
    STATE_OWNED_ENTERPRISE = "state_owned_enterprise", _("State-owned enterprise")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Private enterprise")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
    TRADE_UNION = "trade_union", _("Trade union")
    FINANCIAL_INSTITUTION = "financial_institution", _("Financial institution")
    UNIVERSITY = "university", _("University")
    HOSPITAL = "hospital", _("Hospital")
    ARMY = "army", _("Army unit")
    OTHER = "other", _("Other")


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    COOPERATIVE = "cooperative", _("Farmer cooperative")
    FAMILY_FARM = "family_farm", _("Family farm")
    VILLAGE_COLLECTIVE = "village_collective", _("Village collective economic organisation")
    RICH_LEADER = "rich_leader", _("Rich leader")
    POOR_HOUSEHOLD = "poor_household", _("Poor household")


# Kinds that are legal persons and carry a unified social credit code.
LEGAL_PERSON_KINDS = {EntityKind.ENTERPRISE, EntityKind.COOPERATIVE, EntityKind.FAMILY_FARM, EntityKind.VILLAGE_COLLECTIVE}


class Sector(models.TextChoices):
    PROCESSING = "processing", _("Farm-product processing")
    WAREHOUSING_LOGISTICS = "warehousing_logistics", _("Warehousing and logistics")
    LEISURE_AGRICULTURE = "leisure_agriculture", _("Leisure agriculture")
    RURAL_TOURISM = "rural_tourism", _("Rural tourism")
    ECOMMERCE = "ecommerce", _("E-commerce")
    OTHER = "other", _("Other")


class HouseholdStatus(models.TextChoices):
    REGISTERED_POOR = "registered_poor", _("Registered poor")
    LIFTED_OUT = "lifted_out", _("Lifted out of poverty")
    MONITORED = "monitored", _("Monitored (at risk of returning to poverty)")


class RelationKind(models.TextChoices):
    DESIGNATED_ASSISTANCE = "designated_assistance", _("Designated assistance")
    EAST_WEST = "east_west", _("East–west cooperation")
    COUNTERPART_SUPPORT = "counterpart_support", _("Counterpart support")
    LOCAL_PAIRING = "local_pairing", _("Local pairing")
    ENTERPRISE_VILLAGE = "enterprise_village", _("Enterprise helps village")
