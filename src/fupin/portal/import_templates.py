"""Every import's downloadable .xlsx template (issue #14), by key, for the import pages (the API lists the same
in `fupin.api.import_templates`; the two cannot import each other)."""

from fupin.certification.import_templates import TEMPLATES as CERTIFICATION
from fupin.core.xlsx import Template
from fupin.ledger.import_templates import TEMPLATES as LEDGER
from fupin.linkage.import_templates import TEMPLATES as LINKAGE
from fupin.registry.import_templates import TEMPLATES as REGISTRY
from fupin.supervision.import_templates import TEMPLATES as SUPERVISION

TEMPLATES: dict[str, Template] = {**REGISTRY, **LINKAGE, **CERTIFICATION, **LEDGER, **SUPERVISION}
