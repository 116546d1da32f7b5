"""Lists are paginated as {"count": N, "items": [...]} with `limit` (1 … 500) and `offset` (0 … 2^31 − 1)."""

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import PaginationBase

from .api_types import Limit, Offset


class Page(PaginationBase):
    class Input(Schema):
        limit: Limit = 50
        offset: Offset = 0

    class Output(Schema):
        count: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any) -> dict[str, Any]:
        count = queryset.count() if hasattr(queryset, "count") and not isinstance(queryset, list) else len(queryset)
        return {"count": count, "items": list(queryset[pagination.offset : pagination.offset + pagination.limit])}
