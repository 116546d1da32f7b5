"""Choices of the linkage app: mechanisms, contract states, payment schedules, verification outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mechanism(models.TextChoices):
    """How a market entity brings poor households (or a village collective) along, by the income it brings."""

    EMPLOYMENT = "employment", _("Employment (wage income)")
    ORDER_PURCHASE = "order_purchase", _("Order purchase / contract farming")
    DIVIDEND = "dividend", _("Dividend on shares or pooled assets")
    LAND_LEASE = "land_lease", _("Land lease (rent)")
    TOURISM = "tourism", _("Leisure agriculture and rural tourism services")
    COLLECTIVE_INCOME = "collective_income", _("Village collective income")


class IncomeKind(models.TextChoices):
    WAGE = "wage", _("Wage income")
    OPERATING = "operating", _("Operating income")
    ASSET = "asset", _("Asset income")
    SERVICE = "service", _("Service income")
    COLLECTIVE = "collective", _("Collective income")


class PartyKind(models.TextChoices):
    HOUSEHOLDS = "households", _("Poor households")
    COLLECTIVE = "collective", _("Village collective")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class Schedule(models.TextChoices):
    """When the money falls due: the expected amount accrues by month and is due at the end of each instalment."""

    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class WageBasis(models.TextChoices):
    DAY = "day", _("per day")
    MONTH = "month", _("per month")


class DividendBasis(models.TextChoices):
    PROFIT_PERCENT = "profit_percent", _("per cent of profit")
    PER_SHARE = "per_share", _("fixed yuan per share")


class FlagKind(models.TextChoices):
    NO_PAYMENT = "no_payment", _("No payment in M months")
    BELOW_TERMS = "below_terms", _("Payments below the contract's terms")
    MANY_ENTITIES = "many_entities", _("Household claimed by many entities")
    PRICE_BELOW_PROTECTED = "price_below_protected", _("Purchase price below the protected price")
    VERIFICATION_DISCREPANCY = "verification_discrepancy", _("High discrepancy rate in verification")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open (in the field)")
    COMPLETED = "completed", _("Completed")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Not yet verified")
    CONFIRMED = "confirmed", _("Confirmed")
    NOT_RECEIVED = "not_received", _("Not received")
    AMOUNT_DIFFERS = "amount_differs", _("Amount differs")
    NOT_FOUND = "not_found", _("Household not found")


DISCREPANT_OUTCOMES = (Outcome.NOT_RECEIVED, Outcome.AMOUNT_DIFFERS, Outcome.NOT_FOUND)
