"""The consumption account's pages (names join the `portal:` namespace)."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from .views.ledger import entries, imports, locks, reserved_share, statistics

urlpatterns = [
    path("ledger/", login_required(RedirectView.as_view(pattern_name="portal:ledger_dashboard")), name="ledger_home"),
    path("ledger/statistics/", statistics.dashboard, name="ledger_dashboard"),
    path("ledger/buyers/<int:pk>/", statistics.buyer, name="ledger_buyer"),
    path("ledger/sellers/<int:pk>/", statistics.seller, name="ledger_seller"),
    path("ledger/counties/<str:code>/", statistics.county, name="ledger_county"),
    path("ledger/entries/", entries.entry_list, name="ledger_entries"),
    path("ledger/entries/<int:pk>/", entries.entry_detail, name="ledger_entry"),
    path("ledger/entries/<int:pk>/reverse/", entries.entry_reverse, name="ledger_entry_reverse"),
    path("ledger/imports/", imports.import_list, name="ledger_imports"),
    path("ledger/imports/<int:pk>/", imports.import_detail, name="ledger_import"),
    path("ledger/imports/<int:pk>/rejected/", imports.import_rejected, name="ledger_import_rejected"),
    path("ledger/locks/", locks.lock_list, name="ledger_locks"),
    path("ledger/locks/<int:pk>/unlock/", locks.lock_unlock, name="ledger_lock_unlock"),
    path("ledger/reserved-share/", reserved_share.share_list, name="ledger_reserved_share"),
    path("ledger/reserved-share/declare/", reserved_share.declare, name="ledger_reserved_share_declare"),
    path("ledger/reserved-share/import/", reserved_share.declaration_import, name="ledger_reserved_share_import"),
    path("ledger/reserved-share/import/<int:pk>/rejected/", reserved_share.declaration_rejected,
         name="ledger_reserved_share_rejected"),
]
