"""The consumption account's pages: statistics dashboard, buyer / seller / county pages, entries with their
detail and reversal, purchase imports with progress, period locks, and the reserved share of canteen food.

Views only read the request, call `fupin.ledger` selectors and services with the signed-in user, and render;
every figure links to the entries behind it (DESIGN rule 8)."""
