"""Detection API (`/api/v1/detection/…`): the flags of suspected inflated statistics in the caller's region scope,
one flag with its evidence and the entries behind it, a reviewer's decision (confirm, or dismiss with a reason), and
a detection run over a year (administrators). Thin: the services and selectors authorise, scope and audit.

Statuses: 200 on success (201 for a run); 400 malformed request; 401 not signed in; 403 a role that sees no flags
(viewers, clerks) or may not decide or run; 404 a flag that does not exist or lies outside the caller's scope (the
buyer's and the seller's regions both outside it); 409 a decision on a flag already decided; 413 a body over the
size limit; 422 a field outside its schema, a dismissal without a reason (`reason_required`), a year without
parameters in force (`parameter_missing`).

No `from __future__ import annotations`: ninja reads the bounded types of `fupin.core.api_types` at run time."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from fupin.core.api_types import Id, Year, choice
from fupin.core.pagination import Page

from . import selectors, services
from .enums import FlagKind, FlagStatus

router = Router(tags=["detection"])

KindName = choice(FlagKind)
StatusName = choice(FlagStatus)
RegionPrefix = Annotated[str, Field(max_length=12, pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")]


class DetectionRef(Schema):
    id: int
    name: str


class DetectionFlagOut(Schema):
    id: int
    kind: KindName
    key: str
    year: int
    period: str
    status: StatusName
    amount_fen: int = Field(description="the amount the case involves, in fen")
    buyer: DetectionRef | None
    seller: DetectionRef | None
    product: DetectionRef | None
    buyer_region: str
    seller_region: str
    entries: int = Field(description="how many ledger entries are behind the flag")
    parameters_version: int = Field(description="the id of the `detection.parameters` version that found it")
    detected_at: dt.datetime


class DetectionEntryOut(Schema):
    id: int
    purchase_date: dt.date
    buyer_id: int | None
    seller_id: int
    product_id: int | None
    amount_fen: int
    kind: str
    channel: str


class DetectionFlagDetailOut(DetectionFlagOut):
    evidence: dict[str, Any]
    entry_ids: list[int]
    entry_rows: list[DetectionEntryOut] = Field(description="the entries behind the flag that the caller may open")
    disposition_reason: str
    decided_by: str
    decided_at: dt.datetime | None
    actions: list[str] = Field(description="what the caller may do now: confirm, dismiss")


class DetectionDecisionIn(Schema):
    decision: Literal["confirm", "dismiss"]
    reason: str = Field("", max_length=services.REASON_MAX, description="required to dismiss")


class DetectionRunIn(Schema):
    year: Year


class DetectionRunOut(Schema):
    year: int
    parameters_version: int
    entries: int
    found: int
    created: int
    unchanged: int
    by_kind: dict[str, int]
    skipped: list[str]
    seconds: float


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(getattr(obj, "name", obj))}


def _flag(f: Any) -> dict[str, Any]:
    return {"id": f.pk, "kind": f.kind, "key": f.key, "year": f.year, "period": f.period, "status": f.status,
            "amount_fen": f.amount_fen, "buyer": _ref(f.buyer), "seller": _ref(f.seller), "product": _ref(f.product),
            "buyer_region": f.buyer_region, "seller_region": f.seller_region, "entries": len(f.entry_ids),
            "parameters_version": f.parameters_version_id, "detected_at": f.created_at}


def _detail(request, f: Any) -> dict[str, Any]:
    rows = selectors.flag_entries(viewer=request.user, flag=f)
    return {**_flag(f), "evidence": f.evidence, "entry_ids": [int(i) for i in f.entry_ids],
            "entry_rows": [{"id": e.pk, "purchase_date": e.purchase_date, "buyer_id": e.buyer_id,
                            "seller_id": e.seller_id, "product_id": e.product_id, "amount_fen": e.amount_fen,
                            "kind": e.kind, "channel": e.channel} for e in rows],
            "disposition_reason": f.disposition_reason, "decided_by": f.decided_by_name, "decided_at": f.decided_at,
            "actions": selectors.flag_actions(viewer=request.user, flag=f)}


@router.get("/detection/flags", response=list[DetectionFlagOut])
@paginate(Page)
def flag_list(request, status: StatusName | None = None, kind: KindName | None = None, year: Year | None = None,
              region: RegionPrefix | None = None):
    """Flags whose buyer or seller lies in the caller's scope (reviewers, approvers, auditors, administrators),
    largest amounts first within a year and kind."""
    return [_flag(f) for f in selectors.flag_list(viewer=request.user, status=status, kind=kind, year=year,
                                                  region=region)]


@router.get("/detection/flags/{pk}", response=DetectionFlagDetailOut)
def flag_get(request, pk: Id):
    """The flag with its evidence, the parameters version that found it and the entries behind it."""
    return _detail(request, selectors.flag_get(viewer=request.user, pk=pk))


@router.post("/detection/flags/{pk}/decision", response=DetectionFlagDetailOut)
def flag_decide(request, pk: Id, body: DetectionDecisionIn):
    """`confirm` (the case is real) or `dismiss` with a reason (it is explained); once per flag (409 after)."""
    flag = selectors.flag_get(viewer=request.user, pk=pk)
    services.flag_decide(flag=flag, decision=body.decision, reason=body.reason, actor=request.user)
    return _detail(request, selectors.flag_get(viewer=request.user, pk=pk))


@router.post("/detection/runs", response={201: DetectionRunOut})
def run_create(request, body: DetectionRunIn):
    """Run the detectors over a year (administrators); cases already flagged are left as they are."""
    report = services.detection_run(year=body.year, actor=request.user)
    return 201, report.as_dict()
