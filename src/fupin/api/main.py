"""The JSON API at /api/v1 (django-ninja). OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Each domain app keeps its router in `<app>/api.py`; they are mounted here, in dependency order."""

from ninja import NinjaAPI

from fupin.certification.api import router as certification_router
from fupin.ledger.api import router as ledger_router
from fupin.ledger.reserved_share.api import router as reserved_share_router
from fupin.linkage.api import router as linkage_router
from fupin.registry.api import router as registry_router
from fupin.supervision.api import router as supervision_router

from . import errors, responses
from .auth import AUTH, bind_scopes
from .system import router as system_router

api = NinjaAPI(
    title="Fupin API",
    version="1",
    description="The open platform for consumption poverty alleviation (消费扶贫) and consumption assistance (消费帮扶).",
    auth=AUTH,
    urls_namespace="api",
)
errors.install(api)

api.add_router("/", system_router)
api.add_router("/", registry_router)
api.add_router("/", "fupin.registry.api_history.router")
api.add_router("/", linkage_router)
api.add_router("/", certification_router)
api.add_router("/", "fupin.certification.api_history.router")
api.add_router("/", ledger_router)
api.add_router("/", reserved_share_router)
api.add_router("/", supervision_router)
api.add_router("/", "fupin.supervision.api_cycle.router")
api.add_router("/", "fupin.leadership.api.router")
api.add_router("/", "fupin.incentives.api.router")
api.add_router("/", "fupin.public.api.router")
api.add_router("/", "fupin.detection.api.router")
api.add_router("/", "fupin.api.users.router")
api.add_router("/", "fupin.api.tokens.router")
bind_scopes(api)  # after every router: each operation's bearer check knows the token scope it needs
responses.document(api)  # after every router: each operation lists the error statuses it can give
