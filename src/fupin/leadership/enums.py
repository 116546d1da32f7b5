"""Leadership's enumerations: plan orientations and objectives, the platform figures a task can name, and the
states of plans, tasks and cases."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Orientation(models.TextChoices):
    """Whom a plan is written for: a producing area (产地), a consuming place (销地), or a national department."""

    PRODUCING_AREA = "producing_area", _("Producing area")
    CONSUMING_PLACE = "consuming_place", _("Consuming place")
    DEPARTMENT = "department", _("National department")


class ObjectiveKind(models.TextChoices):
    SUPPLY_CAPACITY = "supply_capacity", _("Supply capacity")
    CERTIFICATION = "certification", _("Certification of products")
    LINKAGE = "linkage", _("Interest linkage with poor households")
    SUPPLY_CHAIN_PROJECTS = "supply_chain_projects", _("Supply-chain projects")
    PURCHASES = "purchases", _("Purchases")
    HELPED_SALES = "helped_sales", _("Helped sales")
    PAIRING = "pairing", _("Pairing")
    COUNTERS_SHOPS = "counters_shops", _("Counters and shops")


class Figure(models.TextChoices):
    """A figure the platform itself holds, read live for a plan's region and year."""

    CERTIFIED_PRODUCTS = "certified_products", _("Certified products (number)")
    BENEFITS_PAID = "benefits_paid", _("Benefits paid to households (yuan)")
    PROJECTS = "projects", _("Supply-chain projects (number)")
    DIRECT_PURCHASE = "direct_purchase", _("Direct purchases counted (yuan)")
    HELPED_SALE = "helped_sale", _("Helped sales counted (yuan)")
    RELATIONS = "relations", _("Pairing relations in force (number)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CaseKind(models.TextChoices):
    EXPERIENCE = "experience", _("Experience")
    PRACTICE = "practice", _("Practice")
    ADVANCED_MODEL = "advanced_model", _("Advanced model")


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
