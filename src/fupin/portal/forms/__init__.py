"""Portal forms: list filters (GET) and small input forms. Validation of input shape only; no business rules."""
