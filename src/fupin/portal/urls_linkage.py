"""Interest linkage pages (names join the `portal:` namespace)."""

from django.urls import path

from .views import linkage

urlpatterns = [
    path("linkage/", linkage.linkage_home, name="linkage_home"),
    path("linkage/entities/<int:pk>/", linkage.linkage_entity, name="linkage_entity"),
    path("linkage/contracts/", linkage.contract_list, name="linkage_contracts"),
    path("linkage/contracts/new/", linkage.contract_new, name="linkage_contract_new"),
    path("linkage/contracts/<int:pk>/", linkage.contract_detail, name="linkage_contract"),
    path("linkage/contracts/<int:pk>/transition/", linkage.contract_transition, name="linkage_contract_transition"),
    path("linkage/contracts/<int:pk>/documents/", linkage.contract_document, name="linkage_contract_document"),
    path("linkage/payments/", linkage.payment_list, name="linkage_payments"),
    path("linkage/payments/new/", linkage.payment_new, name="linkage_payment_new"),
    path("linkage/payments/<int:pk>/reverse/", linkage.payment_reverse, name="linkage_payment_reverse"),
    path("linkage/flags/", linkage.flag_list, name="linkage_flags"),
    path("linkage/import/", linkage.import_page, name="linkage_import"),
    path("linkage/verification/", linkage.round_list, name="linkage_rounds"),
    path("linkage/verification/<int:pk>/", linkage.round_detail, name="linkage_round"),
    path("linkage/verification/<int:pk>/complete/", linkage.round_complete, name="linkage_round_complete"),
    path("linkage/verification/<int:pk>/outcomes/import/", linkage.round_outcome_import,
         name="linkage_round_outcome_import"),
    path("linkage/verification/items/<int:pk>/outcome/", linkage.item_outcome, name="linkage_item_outcome"),
    path("households/<int:pk>/linkage/", linkage.household_linkage, name="household_linkage"),
]
