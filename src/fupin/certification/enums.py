"""Choices of the certification app: product categories, licence kinds, the two lifecycles
(application review and product certification), objections, revocation reasons, spot checks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductCategory(models.TextChoices):
    GRAIN_OIL = "grain_oil", _("Grain and oil")
    MEAT_EGG_DAIRY = "meat_egg_dairy", _("Meat, eggs and dairy")
    FRUIT_VEGETABLE = "fruit_vegetable", _("Fruit and vegetables")
    TEA = "tea", _("Tea")
    AQUATIC = "aquatic", _("Aquatic products")
    PROCESSED_FOOD = "processed_food", _("Processed food")
    HANDICRAFT = "handicraft", _("Handicraft")
    LABOUR_SERVICE = "labour_service", _("Labour service")
    LEISURE_AGRICULTURE = "leisure_agriculture", _("Leisure agriculture")
    RURAL_TOURISM = "rural_tourism", _("Rural tourism")
    OTHER = "other", _("Other")


# Categories that are food: they need a food production licence (食品生产许可证).
FOOD_CATEGORIES = frozenset({
    ProductCategory.GRAIN_OIL, ProductCategory.MEAT_EGG_DAIRY, ProductCategory.FRUIT_VEGETABLE, ProductCategory.TEA,
    ProductCategory.AQUATIC, ProductCategory.PROCESSED_FOOD,
})


class LicenceKind(models.TextChoices):
    BUSINESS = "business", _("Business licence")
    FOOD_PRODUCTION = "food_production", _("Food production licence")
    QUALITY = "quality", _("Quality certificate")


class ProductStatus(models.TextChoices):
    """The product's place in the catalogue."""

    REGISTERED = "registered", _("Registered (not certified)")
    CERTIFIED = "certified", _("Certified")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class ApplicationKind(models.TextChoices):
    NEW = "new", _("New certification")
    RENEWAL = "renewal", _("Renewal")


class ApplicationStatus(models.TextChoices):
    """The review pipeline: county → notice → prefecture → province → national filing → national notice → batch."""

    SUBMITTED = "submitted", _("Awaiting county certification")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    COUNTY_NOTICE = "county_notice", _("County public notice")
    PREFECTURE_REVIEW = "prefecture_review", _("Prefecture review")
    PROVINCE_REVIEW = "province_review", _("Province re-check")
    NATIONAL_FILING = "national_filing", _("National filing")
    NATIONAL_NOTICE = "national_notice", _("National public notice")
    CERTIFIED = "certified", _("Listed in the catalogue")


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    RESUBMIT = "resubmit", _("Resubmit")
    WITHDRAW = "withdraw", _("Withdraw")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for changes")
    CLOSE_NOTICE = "close_notice", _("Close the public notice")
    OBJECTION_UPHELD = "objection_upheld", _("Objection upheld")
    LIST = "list", _("List in a catalogue batch")


class ReviewLevel(models.TextChoices):
    COUNTY = "county", _("County")
    PREFECTURE = "prefecture", _("Prefecture")
    PROVINCE = "province", _("Province")
    NATION = "nation", _("Nation")


class ObjectionKind(models.TextChoices):
    COUNTY_NOTICE = "county_notice", _("Objection during the county notice")
    NATIONAL_NOTICE = "national_notice", _("Objection during the national notice")
    COMPLAINT = "complaint", _("Complaint about a certified product")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class RevocationReason(models.TextChoices):
    QUALITY_INCIDENT = "quality_incident", _("Quality incident")
    UPHELD_COMPLAINT = "upheld_complaint", _("Upheld complaint")
    LINKAGE_BROKEN = "linkage_broken", _("Linkage with poor households broken")
    FRAUD = "fraud", _("Fraud")


class SuspensionReason(models.TextChoices):
    SPOT_CHECK_FAILED = "spot_check_failed", _("Spot check failed")
    UPHELD_COMPLAINT = "upheld_complaint", _("Upheld complaint")
    ANNUAL_REVIEW_FAILED = "annual_review_failed", _("Annual review failed")
    OTHER = "other", _("Other")


class SpotCheckResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
