from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "fupin.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        # linkage's poverty-reduction effect compares benefits with the entities' sales, which the account holds:
        # the ledger (above linkage in the dependency order) supplies them
        from fupin.linkage.effect import services as effect_services

        from . import benefits

        effect_services.sales_source_register(benefits.entity_sales)
