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
    """A household's status on a date. Until 2020: registered poor (建档立卡贫困户), lifted out (脱贫户). From 2021 the
    monitored households (防止返贫监测对象) come in three kinds, and a monitored household whose risk is eliminated
    (风险已消除) leaves monitoring on that date. `monitored` is the kind-less status of records before 2021."""

    REGISTERED_POOR = "registered_poor", _("Registered poor")
    LIFTED_OUT = "lifted_out", _("Lifted out of poverty")
    MONITORED = "monitored", _("Monitored (at risk of returning to poverty)")
    MONITORED_UNSTABLE = "monitored_unstable", _("Monitored: lifted out but unstable")
    MONITORED_MARGINAL = "monitored_marginal", _("Monitored: marginal, prone to poverty")
    MONITORED_SUDDEN = "monitored_sudden", _("Monitored: sudden serious hardship")
    RISK_ELIMINATED = "risk_eliminated", _("Risk eliminated")


MONITORED_STATUSES = frozenset({HouseholdStatus.MONITORED, HouseholdStatus.MONITORED_UNSTABLE,
                                HouseholdStatus.MONITORED_MARGINAL, HouseholdStatus.MONITORED_SUDDEN})


class StatusSource(models.TextChoices):
    """Where a dated status period comes from."""

    RECORDED = "recorded", _("Recorded (a status change with its effective date)")
    INFERRED = "inferred", _("Inferred from the year lifted out (records without a history)")
    HISTORICAL = "historical", _("Historical import")


class RelationKind(models.TextChoices):
    DESIGNATED_ASSISTANCE = "designated_assistance", _("Designated assistance")
    EAST_WEST = "east_west", _("East–west cooperation")
    COUNTERPART_SUPPORT = "counterpart_support", _("Counterpart support")
    LOCAL_PAIRING = "local_pairing", _("Local pairing")
    ENTERPRISE_VILLAGE = "enterprise_village", _("Enterprise helps village")


class RegionSet(models.TextChoices):
    """Dated sets of regions that the policy names (a region is in a set from a date to a date)."""

    POVERTY_COUNTY = "poverty_county", _("National poverty county (贫困县, the 832 list) until its exit")
    LIFTED_COUNTY = "lifted_county", _("County lifted out of poverty (脱贫县), from the year after its exit")
    KEY_COUNTY = "key_county", _("National key county for rural revitalisation (国家乡村振兴重点帮扶县)")
    PROVINCIAL_KEY_COUNTY = "provincial_key_county", _("Provincial key county for rural revitalisation")
    POOR_VILLAGE = "poor_village", _("Poor village (贫困村)")
    LIFTED_VILLAGE = "lifted_village", _("Village lifted out of poverty (脱贫村)")
