"""The ledger's vocabularies. Import files may use the value or the Chinese label (see `rules.ALIASES`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """National reporting keeps direct purchases and helped sales apart."""

    DIRECT_PURCHASE = "direct_purchase", _("Direct purchase")
    HELPED_SALE = "helped_sale", _("Helped sale")


class Channel(models.TextChoices):
    PLATFORM_832 = "platform_832", _("832 platform")
    SPECIAL_COUNTER = "special_counter", _("Special counter")
    SPECIAL_SHOP = "special_shop", _("Special shop")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    ECOMMERCE = "ecommerce", _("E-commerce")
    CANTEEN_DIRECT = "canteen_direct", _("Canteen direct supply")
    UNION_PURCHASE = "union_purchase", _("Trade union purchase")
    TRADE_FAIR = "trade_fair", _("Trade fair")
    TOURISM = "tourism", _("Rural tourism spending")
    OTHER = "other", _("Other")


class EntryStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    PENDING = "pending", _("Pending")
    CANCELLED = "cancelled", _("Cancelled")


class Basis(models.TextChoices):
    """Why an entry counts, in priority order (the first that holds is recorded as the entry's basis)."""

    CERTIFIED_PRODUCT = "certified_product", _("Certified poverty-alleviation product")
    POOR_HOUSEHOLD = "poor_household", _("Seller is a registered poor household")
    POOR_VILLAGE = "poor_village", _("Origin is a poor village")
    POVERTY_REDUCTION_EFFECT = "poverty_reduction_effect", _("Seller has an outstanding poverty-reduction effect")
    POVERTY_COUNTY = "poverty_county", _("Seller registered in a poverty county")


class NotCounted(models.TextChoices):
    """Why an entry does not count toward the account."""

    STATUS = "status_not_counted", _("Its status does not count")
    NOT_EVALUATED = "not_evaluated", _("The buyer has not evaluated the order")
    NO_BASIS = "no_basis", _("No counting basis held on the purchase date")
    NO_RULES = "no_rules", _("No counting rules were in force on the purchase date")
    DUPLICATE_OF_OTHER_SOURCE = "duplicate_of_other_source", _("The same order is in the ledger from another source")


class Scheme(models.TextChoices):
    """The assessment schemes an entry may be attributed to (at most once each)."""

    DESIGNATED_ASSISTANCE = "designated_assistance", _("Designated assistance")
    EAST_WEST = "east_west", _("East–west cooperation")
    COUNTERPART_SUPPORT = "counterpart_support", _("Counterpart support")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LockStatus(models.TextChoices):
    LOCKED = "locked", _("Locked")
    UNLOCKED = "unlocked", _("Unlocked")


class RightStatus(models.TextChoices):
    """A reporting right is in force until an administrator revokes it (audited, with a reason)."""

    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class MatchDecision(models.TextChoices):
    """A reviewer's decision on a cross-source duplicate match (`DuplicateReview`)."""

    CONFIRMED = "confirmed", _("Confirmed: the same order")
    RELEASED = "released", _("Released: a different order")


# Buyer category of an entry without a buyer (members of the public); other categories are organisation kinds.
PUBLIC = "public"
