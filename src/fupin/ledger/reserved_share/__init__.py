"""The reserved share of canteen food procurement (预留份额): budget units' declarations and their verdicts.

`models` (CanteenDeclaration, registered in the ledger app: `app_label = "ledger"`, table
`ledger_canteendeclaration`), `enums`, `rules` (pure: no django.db), `services` (writes), `selectors` (reads,
from the ledger's account), `api` (routes under /api/v1/ledger/reserved-share), `demo` (the demo world's
declarations). Domain: docs/domain/ledger.md.
"""
