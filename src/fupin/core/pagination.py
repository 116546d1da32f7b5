"""Lists are paginated as {"count": N, "items": [...]} with `limit` (≤ 500) and `offset`."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase


class Page(PaginationBase):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0)

    class Output(Schema):
        count: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        count = queryset.count() if hasattr(queryset, "count") and not isinstance(queryset, list) else len(queryset)
        return {"count": count, "items": list(queryset[pagination.offset : pagination.offset + pagination.limit])}
