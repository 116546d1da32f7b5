"""Tamper evidence: hash chains over the append-only records, signed anchors, verification."""
