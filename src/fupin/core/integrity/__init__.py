"""Tamper evidence: hash chains over the append-only records (purchase ledger, benefit payments, certification
decisions, audit log), signed anchors of their heads, and their verification.

- `chain.link_rows` / `chain.link_objects`: called by the write paths in the writes' own transaction;
- `verify.verify_integrity`: recompute everything, report the first broken link per chain (`fupin verify_integrity`);
- `anchors.anchor_create` / `anchors.export_*`: signed heads for auditors (`fupin anchor_integrity`).

Core is the bottom layer: every app may call it; the chained kinds name their models by label (`kinds`).
"""
