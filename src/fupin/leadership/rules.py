"""Pure leadership rules (no ORM, no I/O): which objectives an orientation has, which figure measures each, the
checks of a plan's objectives and tasks, the transitions of plans, tasks and cases, case text and tags, and the
recognition of an uploaded photo by its bytes (never by its name or declared type)."""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fupin.core.rules import OFFICE_KINDS
from fupin.registry.rules import PRODUCING_PROVINCES

from .enums import CaseKind, CaseStatus, Figure, ObjectiveKind, Orientation, PlanStatus, TaskStatus


@dataclass(frozen=True)
class RuleError:
    """A refusal naming the bad part: `field`, a stable `code`, and a translated `message`."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


FIRST_YEAR = 2018  # the seed opinions (国办发〔2018〕129号) date from December 2018

# -- orientation and objectives --------------------------------------------------------------------------------
OBJECTIVES: dict[str, tuple[str, ...]] = {
    Orientation.PRODUCING_AREA: (ObjectiveKind.SUPPLY_CAPACITY, ObjectiveKind.CERTIFICATION, ObjectiveKind.LINKAGE,
                                 ObjectiveKind.SUPPLY_CHAIN_PROJECTS),
    Orientation.CONSUMING_PLACE: (ObjectiveKind.PURCHASES, ObjectiveKind.HELPED_SALES, ObjectiveKind.PAIRING,
                                  ObjectiveKind.COUNTERS_SHOPS),
    Orientation.DEPARTMENT: tuple(ObjectiveKind.values),
}

# The figures that may measure each objective (an objective without a figure is followed by its tasks).
FIGURES: dict[str, tuple[str, ...]] = {
    ObjectiveKind.SUPPLY_CAPACITY: (Figure.CERTIFIED_PRODUCTS, Figure.DIRECT_PURCHASE, Figure.HELPED_SALE),
    ObjectiveKind.CERTIFICATION: (Figure.CERTIFIED_PRODUCTS,),
    ObjectiveKind.LINKAGE: (Figure.BENEFITS_PAID,),
    ObjectiveKind.SUPPLY_CHAIN_PROJECTS: (Figure.PROJECTS,),
    ObjectiveKind.PURCHASES: (Figure.DIRECT_PURCHASE,),
    ObjectiveKind.HELPED_SALES: (Figure.HELPED_SALE,),
    ObjectiveKind.PAIRING: (Figure.RELATIONS,),
    ObjectiveKind.COUNTERS_SHOPS: (),
}
MONEY_FIGURES = (Figure.BENEFITS_PAID, Figure.DIRECT_PURCHASE, Figure.HELPED_SALE)

PLAN_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((PlanStatus.DRAFT,), PlanStatus.SUBMITTED),
    "approve": ((PlanStatus.SUBMITTED,), PlanStatus.APPROVED),
    "return": ((PlanStatus.SUBMITTED, PlanStatus.APPROVED), PlanStatus.DRAFT),
}
EDITABLE_PLAN = (PlanStatus.DRAFT,)
TASK_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "complete": ((TaskStatus.OPEN,), TaskStatus.DONE),
    "reopen": ((TaskStatus.DONE,), TaskStatus.OPEN),
}
CASE_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": ((CaseStatus.SUBMITTED,), CaseStatus.PUBLISHED),
    "reject": ((CaseStatus.SUBMITTED,), CaseStatus.REJECTED),
    "withdraw": ((CaseStatus.SUBMITTED, CaseStatus.PUBLISHED), CaseStatus.WITHDRAWN),
}
REVIEW_STEPS = ("publish", "reject")


def orientation_of(*, body_kind: str, region_code: str) -> str:
    """A national department plans for the nation; a government of a producing province (the 22 central and western
    provinces with poverty counties) for a producing area; any other government or body for a consuming place."""
    if body_kind == "government_department":
        return Orientation.DEPARTMENT
    return Orientation.PRODUCING_AREA if region_code[:2] in PRODUCING_PROVINCES else Orientation.CONSUMING_PLACE


def plan_errors(*, year: Any, this_year: int, orientation: str, title: str) -> list[RuleError]:
    errors = []
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year + 1:
        errors.append(RuleError("year", "bad_year", _("the year must lie between %(first)d and %(last)d")
                                % {"first": FIRST_YEAR, "last": this_year + 1}))
    if orientation not in Orientation.values:
        errors.append(RuleError("orientation", "bad_orientation", _("unknown orientation “%(o)s”")
                                % {"o": str(orientation)[:30]}))
    if not (title or "").strip():
        errors.append(RuleError("title", "required", _("a plan needs a title")))
    return errors


def _target_error(target: Any, figure: str) -> RuleError | None:
    if target is None:
        return RuleError("target", "required", _("a figure needs a target value")) if figure else None
    if not isinstance(target, int) or isinstance(target, bool) or target < 0:
        return RuleError("target", "bad_target", _("the target is a whole number, zero or more"))
    if not figure:
        return RuleError("figure", "required", _("a target needs the figure it is measured by"))
    return None


def objective_errors(*, orientation: str, kind: str, figure: str, target: Any) -> list[RuleError]:
    """An objective must belong to the plan's orientation, and its figure (if any) must measure that objective."""
    errors = []
    if kind not in ObjectiveKind.values:
        return [RuleError("kind", "bad_objective", _("unknown objective “%(k)s”") % {"k": str(kind)[:30]})]
    if kind not in OBJECTIVES.get(orientation, ()):
        errors.append(RuleError("kind", "wrong_orientation",
                                _("“%(k)s” is not an objective of a %(o)s plan")
                                % {"k": ObjectiveKind(kind).label, "o": Orientation(orientation).label}))
    if figure and figure not in FIGURES[kind]:
        errors.append(RuleError("figure", "wrong_figure", _("that figure does not measure this objective")))
    if (err := _target_error(target, figure)) is not None:
        errors.append(err)
    return errors


def task_errors(*, year: int, title: str, deadline: Any, figure: str, target: Any,
                measure: Any, measures: set[int]) -> list[RuleError]:
    """A task has a title and a deadline inside the plan's year; a figure comes with a target; a measure is one
    the responsibility matrix has."""
    errors = []
    if not (title or "").strip():
        errors.append(RuleError("title", "required", _("a task needs a title")))
    if not isinstance(deadline, dt.date):
        errors.append(RuleError("deadline", "required", _("a task needs a deadline")))
    elif deadline.year != year:
        errors.append(RuleError("deadline", "deadline_outside_year",
                                _("the deadline %(d)s lies outside the plan's year %(y)d")
                                % {"d": deadline.isoformat(), "y": year}))
    if figure and figure not in Figure.values:
        errors.append(RuleError("figure", "bad_figure", _("unknown figure “%(f)s”") % {"f": str(figure)[:30]}))
    elif (err := _target_error(target, figure)) is not None:
        errors.append(err)
    if measure is not None and measure not in measures:
        errors.append(RuleError("measure", "unknown_measure",
                                _("the responsibility matrix has no measure %(m)s") % {"m": str(measure)[:10]}))
    return errors


def progress_bp(actual: int | None, target: int | None) -> int | None:
    """actual ÷ target in basis points (10000 = reached), capped at 10000; None without a target."""
    if actual is None or not target:
        return None
    return min(10000, actual * 10000 // target)


# -- cases ------------------------------------------------------------------------------------------------------
TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 20_000
TAG_MAX = 30
TAGS_MAX = 8
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


def normalise_tags(text: Any) -> list[str]:
    """Tags from text separated by commas (also 、，；) or spaces: trimmed, lower case, without repeats."""
    if isinstance(text, list | tuple):
        text = ",".join(str(t) for t in text)
    out: list[str] = []
    for tag in _TAG_SPLIT.split(str(text or "")):
        tag = tag.strip().lower()
        if tag and tag not in out:
            out.append(tag)
    return out


def case_errors(*, title: str, summary: str, body: str, kind: str, tags: list[str]) -> list[RuleError]:
    errors = []
    if not (title or "").strip():
        errors.append(RuleError("title", "required", _("a case needs a title")))
    elif len(title) > TITLE_MAX:
        errors.append(RuleError("title", "too_long", _("at most %(n)d characters") % {"n": TITLE_MAX}))
    if len(summary or "") > SUMMARY_MAX:
        errors.append(RuleError("summary", "too_long", _("at most %(n)d characters") % {"n": SUMMARY_MAX}))
    if not (body or "").strip():
        errors.append(RuleError("body", "required", _("describe the experience or practice")))
    elif len(body) > BODY_MAX:
        errors.append(RuleError("body", "too_long", _("at most %(n)d characters") % {"n": BODY_MAX}))
    if kind not in CaseKind.values:
        errors.append(RuleError("kind", "bad_kind", _("unknown kind of case “%(k)s”") % {"k": str(kind)[:30]}))
    if len(tags) > TAGS_MAX:
        errors.append(RuleError("tags", "too_many_tags", _("at most %(n)d tags") % {"n": TAGS_MAX}))
    if any(len(t) > TAG_MAX for t in tags):
        errors.append(RuleError("tags", "tag_too_long", _("a tag has at most %(n)d characters") % {"n": TAG_MAX}))
    return errors


# -- photos: recognised by their bytes --------------------------------------------------------------------------
def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(media type, width, height) of a PNG, JPEG, GIF or WebP image whose structure holds together, else None.
    Checks the signature, the header that states the size and the end marker: a renamed text file, a truncated
    image or a script with an image's name is not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) < 33 or data[12:16] != b"IHDR" or not data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
            return None
        w, h = struct.unpack(">II", data[16:24])
        return ("image/png", w, h) if w and h else None
    if data.startswith((b"GIF87a", b"GIF89a")):
        if len(data) < 14 or not data.rstrip(b"\x00").endswith(b";"):
            return None
        w, h = struct.unpack("<HH", data[6:10])
        return ("image/gif", w, h) if w and h else None
    if data.startswith(b"\xff\xd8\xff"):
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            return None
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        size = struct.unpack("<I", data[4:8])[0]
        if size + 8 != len(data) and size + 9 != len(data):
            return None
        return ("image/webp", 0, 0)
    return None


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return ("image/jpeg", w, h) if w and h else None
        i += 2 + length
    return None


def photo_errors(*, data: bytes, max_bytes: int, count: int, max_photos: int) -> tuple[list[RuleError], Any]:
    """The refusals of a photo upload, and its (media type, width, height) when it is an image."""
    if count >= max_photos:
        return [RuleError("photo", "too_many_photos", _("a case has at most %(n)d photos") % {"n": max_photos})], None
    if not data:
        return [RuleError("photo", "empty_file", _("the file is empty"))], None
    if len(data) > max_bytes:
        return [RuleError("photo", "photo_too_large", _("the photo has %(size)d bytes; at most %(max)d are accepted")
                          % {"size": len(data), "max": max_bytes})], None
    info = image_info(data)
    if info is None:
        return [RuleError("photo", "not_an_image",
                          _("the file is not a PNG, JPEG, GIF or WebP image (its content was checked, not its name)"))
                ], None
    return [], info


# -- dashboards ---------------------------------------------------------------------------------------------------
OFFICES = OFFICE_KINDS  # the organisation kinds that govern (their users see their region and oversight)


def dashboard_kinds(*, reviewer: bool, office: bool, administrator: bool, has_organisation: bool, supplier: bool,
                    work_plan: bool) -> list[str]:
    """The blocks of a user's dashboard, in the order shown: the work waiting (review), what the user answers for
    (targets of its own work plan), then its place — a supplier's products and sales, a buyer's account, or an
    office's region and oversight. An administrator without an organisation sees the nation as an office does."""
    kinds = ["review"] if reviewer else []
    if work_plan:
        kinds.append("targets")
    if supplier:
        kinds.append("supplier")
    elif office or (administrator and not has_organisation):
        kinds += ["region", "oversight"]
    elif has_organisation:
        kinds.append("buyer")
    if not kinds:
        kinds.append("region")
    return kinds
