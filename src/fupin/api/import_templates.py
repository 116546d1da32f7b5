"""Every import's downloadable .xlsx template (issue #14), by key — served by `system.import_template`."""

from fupin.certification.import_templates import TEMPLATES as CERTIFICATION
from fupin.core.xlsx import Template
from fupin.ledger.import_templates import TEMPLATES as LEDGER
from fupin.linkage.import_templates import TEMPLATES as LINKAGE
from fupin.registry.import_templates import TEMPLATES as REGISTRY
from fupin.supervision.import_templates import TEMPLATES as SUPERVISION

TEMPLATES: dict[str, Template] = {**REGISTRY, **LINKAGE, **CERTIFICATION, **LEDGER, **SUPERVISION}
