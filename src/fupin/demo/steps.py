"""The ordered list of demo steps, one per domain app (DESIGN's dependency order)."""

from fupin.certification import demo as certification_demo
from fupin.detection import demo as detection_demo
from fupin.ledger import demo as ledger_demo
from fupin.ledger.reserved_share import demo as reserved_share_demo
from fupin.linkage import demo as linkage_demo
from fupin.registry import demo as registry_demo
from fupin.supervision import demo as supervision_demo

from . import leadership as leadership_demo

STEPS = [
    ("registry", registry_demo.build),
    ("linkage", linkage_demo.build),
    ("certification", certification_demo.build),
    ("ledger", ledger_demo.build),
    ("reserved_share", reserved_share_demo.build),
    ("detection", detection_demo.build),  # plants its cases before supervision approves (locks) the last year
    ("supervision", supervision_demo.build),
    ("leadership", leadership_demo.build),
]
