"""Leadership test data: the supervision world (governments up both hierarchies, departments, sellers in a
poverty county, relations and users; `tests.supervision.factories`), real image bytes built by hand, plans and
cases through the services."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from fupin.leadership import services
from tests.supervision import factories as sf

world = sf.world
COUNTY, OTHER_COUNTY, PROVINCE = sf.COUNTY, sf.OTHER_COUNTY, sf.PROVINCE


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int = 2, height: int = 2, padding: int = 0) -> bytes:
    """A valid PNG of `width` × `height` grey pixels; `padding` bytes of an ancillary chunk make it larger."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    body = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if padding:
        body += _chunk(b"tEXt", b"c\x00" + b"x" * padding)
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


def jpeg(width: int = 3, height: int = 2) -> bytes:
    """The structure of a baseline JPEG (SOI, a frame header with the size, EOI)."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xda\x00\x02" + b"\x00" * 4 + b"\xff\xd9"


def producing_plan(w: Any, *, year: int = 2024, actor: Any = None) -> Any:
    return services.plan_create(body_id=w.guizhou.pk, year=year, title="贵州省消费帮扶实施方案",
                                actor=actor or w.users["guizhou"])


def complete_plan(w: Any, *, year: int = 2024, target: int = 1_000_00) -> Any:
    """A Guizhou plan with an objective measured by direct purchases and one task, as the province's clerk."""
    u = w.users["guizhou"]
    plan = producing_plan(w, year=year)
    obj = services.objective_add(plan=plan, kind="supply_capacity", figure="direct_purchase", target=target,
                                 description="more supply to the eastern buyers", actor=u)
    services.task_add(plan=plan, title="organise three trade fairs", owner_id=w.qdn.pk, deadline=f"{year}-06-30",
                      measure=1, figure="direct_purchase", target=target, objective_id=obj.pk, actor=u)
    return plan


def case(w: Any, *, actor: str = "tianzhu", **fields: Any) -> Any:
    data = {"region_code": COUNTY, "kind": "practice", "title": "天柱县“订单农业”带贫做法",
            "text": "合作社与脱贫户签订订单……", "tags": "订单, 合作社", **fields}
    return services.case_submit(actor=w.users[actor], **data)
