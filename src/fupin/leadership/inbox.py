"""The task inbox: what waits for the viewer, computed from the domain state through the apps' selectors each time
it is asked for (never copied into a second table that could drift). The only thing stored is the viewer's *read
marks* (`InboxReadMark`), one per item key; an item's key names its state, so an item that comes back in another
state (an application returned to the same desk, a problem reopened or escalated) is unread again.

What an item is, and who gets it:
- `application`: applications at the viewer's review level in its scope (`certification.review_queue`), overdue
  after the `leadership.inbox` parameter's `review_overdue_days` (reviewers and approvers of a governing office);
- `returned`: the applications of the viewer's supplier returned for changes (whoever acts for the supplier);
- `notice`: applications whose national notice is over, ready for a catalogue batch (national reviewers);
- `objection`: open objections in the viewer's scope (reviewers, approvers);
- `problem`: unresolved problems assigned or escalated to the viewer's organisation, due on their due date (users who
  act: clerks, reviewers, approvers, administrators — not viewers and auditors, who only read);
- `approval`: reporting periods whose next approver is the viewer's organisation (approvers);
- `work_plan`: the organisation's work plans still in draft (clerks);
- `plan`: implementation plans submitted for approval (national approvers);
- `task`: open implementation-plan tasks the organisation owns, due on their deadline;
- `case`: case library submissions the viewer may review;
- `nomination`: recognition nominations in the viewer's scope on which it may take a step.

E-mail is out of scope: the inbox and its counts in the navigation are the notification (docs/domain/leadership.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.certification import selectors as certification
from fupin.certification.enums import ApplicationStatus
from fupin.core import access, params
from fupin.core.enums import Role
from fupin.incentives import selectors as incentives
from fupin.incentives.enums import NominationStatus
from fupin.supervision import selectors as supervision
from fupin.supervision.enums import PlanStatus, ProblemStatus

from . import parameters, policy
from . import selectors as leadership
from .enums import CaseStatus, TaskStatus
from .enums import PlanStatus as LeadershipPlanStatus
from .models import InboxReadMark

KINDS = ("application", "returned", "notice", "objection", "problem", "approval", "work_plan", "plan", "task",
         "case", "nomination")
LIMIT = 200  # items of one kind at most (the inbox links to the full list of each kind)
REVIEWERS = (Role.REVIEWER, Role.APPROVER)
ACTORS = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)  # viewers and auditors only read


def reviews_for_office(viewer: Any) -> bool:
    """Certification reviews are an office's work: a reviewer or approver of a governing office (or an
    administrator); an approver at a central unit approves its own periods, not products."""
    return bool(viewer.has_role(*REVIEWERS)) and access.acts_for_office(viewer)


@dataclass
class Item:
    """One thing waiting for the viewer: `key` (kind, object and state: what a read mark names), a title, what it is
    about, the link (a portal URL name with its arguments and query), the due date and whether it is overdue."""

    key: str
    kind: str
    title: str
    detail: str = ""
    url_name: str = ""
    url_args: tuple[Any, ...] = ()
    query: dict[str, Any] = field(default_factory=dict)
    due: dt.date | None = None
    overdue: bool = False
    since: dt.date | None = None
    read: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "title": self.title, "detail": self.detail,
                "due": self.due.isoformat() if self.due else None, "overdue": self.overdue,
                "since": self.since.isoformat() if self.since else None, "read": self.read}


def _signed_in(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False)) and bool(getattr(viewer, "is_active", True))


def settings(*, on: dt.date) -> dict[str, int]:
    value = params.value(parameters.INBOX, on=on)
    return {"review_overdue_days": int(value["review_overdue_days"]), "due_soon_days": int(value["due_soon_days"])}


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value  # type: ignore[no-any-return,unused-ignore]


def _applications(viewer: Any, today: dt.date, limits: dict[str, int]) -> list[Item]:
    if not reviews_for_office(viewer):
        return []
    out = []
    for app in certification.review_queue(viewer=viewer, today=today)[:LIMIT]:
        since = _date(app.status_since)
        due = since + dt.timedelta(days=limits["review_overdue_days"]) if since else None
        out.append(Item(key=f"application:{app.pk}:{app.status}", kind="application",
                        title=_("Application %(number)s: %(supplier)s") % {"number": app.number,
                                                                           "supplier": app.supplier.name},
                        detail=app.get_status_display(), url_name="portal:cert_application", url_args=(app.pk,),
                        due=due, overdue=bool(due and due < today), since=since))
    return out


def _own_suppliers(viewer: Any) -> list[int]:
    """The market entities the viewer's organisation is (same credit code); an office's clerks act for every entity
    in scope but are not routed their applications."""
    org = getattr(viewer, "organisation", None)
    code = getattr(org, "credit_code", "") or ""
    if not code:
        return []
    return [e.pk for e in certification.supplier_entities(viewer=viewer) if e.credit_code == code]


def _returned(viewer: Any) -> list[Item]:
    out = []
    for supplier_id in _own_suppliers(viewer):
        for app in certification.application_list(viewer=viewer, status=ApplicationStatus.RETURNED,
                                                  supplier_id=supplier_id)[:LIMIT]:
            out.append(Item(key=f"returned:{app.pk}:{app.status_since:%Y%m%d%H%M%S}", kind="returned",
                            title=_("Application %(number)s returned for changes") % {"number": app.number},
                            detail=app.supplier.name, url_name="portal:cert_application", url_args=(app.pk,),
                            since=_date(app.status_since)))
    return out


def _notices(viewer: Any, today: dt.date) -> list[Item]:
    if not reviews_for_office(viewer) or bool(getattr(viewer, "scope_prefix", "")):
        return []
    return [Item(key=f"notice:{app.pk}:{app.status}", kind="notice",
                 title=_("National notice of %(number)s is over: list it in a batch") % {"number": app.number},
                 detail=app.supplier.name, url_name="portal:cert_batch_new", due=app.notice_end,
                 overdue=False, since=app.notice_end)
            for app in certification.applications_ready_to_list(viewer=viewer, today=today)[:LIMIT]]


def _objections(viewer: Any) -> list[Item]:
    if not reviews_for_office(viewer):
        return []
    out = []
    for obj in certification.objection_list(viewer=viewer)[:LIMIT]:
        subject = obj.application.number if obj.application else (obj.product.name if obj.product else "")
        out.append(Item(key=f"objection:{obj.pk}:{obj.status}", kind="objection",
                        title=_("Objection to %(subject)s") % {"subject": subject},
                        detail=obj.get_kind_display(), url_name="portal:cert_objections",
                        since=_date(obj.created_at)))
    return out


def _problems(viewer: Any, today: dt.date) -> list[Item]:
    org = getattr(viewer, "organisation_id", None)
    if not org or not viewer.has_role(*ACTORS):
        return []
    unresolved = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)
    assigned = supervision.problem_list(viewer=viewer, assigned_to=org).filter(status__in=unresolved)
    escalated = supervision.problem_list(viewer=viewer).filter(status__in=unresolved, escalated_to_id=org)
    seen: set[int] = set()
    out = []
    for p in [*assigned[:LIMIT], *escalated[:LIMIT]]:
        if p.pk in seen:
            continue
        seen.add(p.pk)
        escalated_here = p.escalated_to_id == org
        out.append(Item(key=f"problem:{p.pk}:{p.status}:{'e' if escalated_here else 'a'}", kind="problem",
                        title=p.title, detail=(_("escalated to you") if escalated_here else _("assigned to you"))
                        + " · " + p.get_status_display(),
                        url_name="portal:supervision_problem", url_args=(p.pk,), due=p.due_date,
                        overdue=bool(p.due_date and p.due_date < today), since=_date(p.created_at)))
    return out


def _approvals(viewer: Any) -> list[Item]:
    if not viewer.has_role(Role.APPROVER, Role.ADMINISTRATOR):
        return []
    return [Item(key=f"approval:{a.pk}:{a.status}:{a.level}", kind="approval",
                 title=_("Period to approve: %(body)s %(year)s %(period)s %(number)s")
                 % {"body": a.body.name, "year": a.year, "period": a.get_period_kind_display(), "number": a.number},
                 detail=a.get_status_display(), url_name="portal:supervision_approval", url_args=(a.pk,),
                 since=_date(a.updated_at))
            for a in supervision.approval_list(viewer=viewer, awaiting=True)[:LIMIT]]


def _work_plans(viewer: Any, today: dt.date) -> list[Item]:
    org = getattr(viewer, "organisation_id", None)
    if not org or not viewer.has_role(Role.CLERK):
        return []
    return [Item(key=f"work_plan:{p.pk}:{p.status}", kind="work_plan",
                 title=_("Work plan %(year)s (version %(version)s) to submit") % {"year": p.year, "version": p.version},
                 detail=p.get_status_display(), url_name="portal:supervision_plan", url_args=(p.pk,),
                 since=_date(p.created_at))
            for p in supervision.plan_list(viewer=viewer, body_id=org, status=PlanStatus.DRAFT)[:LIMIT]]


def _tasks(viewer: Any, today: dt.date) -> list[Item]:
    org = getattr(viewer, "organisation_id", None)
    if not org or not viewer.has_role(*ACTORS):
        return []
    return [Item(key=f"task:{t.pk}:{t.status}", kind="task", title=t.title,
                 detail=_("plan of %(body)s, %(year)s") % {"body": t.plan.body.name, "year": t.plan.year},
                 url_name="portal:leadership_plan", url_args=(t.plan_id,), due=t.deadline,
                 overdue=t.deadline < today)
            for t in leadership.task_list(viewer=viewer, owner_id=org, status=TaskStatus.OPEN)[:LIMIT]]


def _plans(viewer: Any) -> list[Item]:
    if not policy.may_approve_plan(viewer):
        return []
    return [Item(key=f"plan:{p.pk}:{p.status}", kind="plan",
                 title=_("Implementation plan to approve: %(title)s") % {"title": p.title},
                 detail=f"{p.body.name} · {p.year}", url_name="portal:leadership_plan", url_args=(p.pk,),
                 since=_date(p.updated_at))
            for p in leadership.plan_list(viewer=viewer, status=LeadershipPlanStatus.SUBMITTED)[:LIMIT]]


def _cases(viewer: Any) -> list[Item]:
    return [Item(key=f"case:{c.pk}:{c.status}", kind="case", title=c.title,
                 detail=_("case submitted by %(body)s") % {"body": c.submitted_by.name},
                 url_name="portal:leadership_case", url_args=(c.pk,), since=_date(c.created_at))
            for c in leadership.case_list(viewer=viewer, status=CaseStatus.SUBMITTED)[:LIMIT]
            if policy.may_review(viewer, case=c)]


def _nominations(viewer: Any) -> list[Item]:
    if not viewer.has_role(*REVIEWERS, Role.ADMINISTRATOR):
        return []
    waiting = (NominationStatus.NOMINATED, NominationStatus.UNDER_REVIEW, NominationStatus.APPROVED)
    out = []
    for n in incentives.nomination_list(viewer=viewer).filter(status__in=waiting)[:LIMIT]:
        if not incentives.nomination_actions(viewer=viewer, nomination=n):
            continue
        name = n.organisation.name if n.organisation else (n.entity.name if n.entity else "")
        out.append(Item(key=f"nomination:{n.pk}:{n.status}", kind="nomination",
                        title=_("Nomination to decide: %(name)s") % {"name": name},
                        detail=f"{n.round} · {n.get_status_display()}", since=_date(n.updated_at)))
    return out


def inbox_items(*, viewer: Any, today: dt.date | None = None, kind: str | None = None) -> list[Item]:
    """Everything waiting for the viewer, overdue first, then by due date, then oldest first; each with `read`."""
    if not _signed_in(viewer):
        return []
    today = today or timezone.localdate()
    limits = settings(on=today)
    wanted = [kind] if kind in KINDS else list(KINDS)
    makers = {
        "application": lambda: _applications(viewer, today, limits), "returned": lambda: _returned(viewer),
        "notice": lambda: _notices(viewer, today), "objection": lambda: _objections(viewer),
        "problem": lambda: _problems(viewer, today), "approval": lambda: _approvals(viewer),
        "work_plan": lambda: _work_plans(viewer, today), "plan": lambda: _plans(viewer), "task": lambda: _tasks(viewer, today),
        "case": lambda: _cases(viewer), "nomination": lambda: _nominations(viewer),
    }
    items: list[Item] = []
    for k in wanted:
        items.extend(makers[k]())
    marks = read_keys(viewer=viewer, keys=[i.key for i in items])
    for i in items:
        i.read = i.key in marks
    far = dt.date.max
    items.sort(key=lambda i: (not i.overdue, i.due or far, i.since or far, i.key))
    return items


def inbox_counts(*, viewer: Any, items: Iterable[Item] | None = None) -> dict[str, Any]:
    """How many items wait (in all and by kind), how many are unread and how many overdue (for the navigation)."""
    items = list(items) if items is not None else inbox_items(viewer=viewer)
    by_kind: dict[str, int] = {}
    for i in items:
        by_kind[i.kind] = by_kind.get(i.kind, 0) + 1
    return {"total": len(items), "unread": sum(1 for i in items if not i.read),
            "overdue": sum(1 for i in items if i.overdue), "by_kind": by_kind}


def read_keys(*, viewer: Any, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys or not getattr(viewer, "pk", None):
        return set()
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found |= set(InboxReadMark.objects.filter(user_id=viewer.pk, key__in=keys[start:start + 500])
                     .values_list("key", flat=True))
    return found


def kind_labels() -> dict[str, str]:
    return {
        "application": _("Applications to review"), "returned": _("Applications returned to you"),
        "notice": _("Notices over, ready to list"), "objection": _("Objections"),
        "problem": _("Problems assigned or escalated"), "approval": _("Periods to approve"),
        "work_plan": _("Work plans to submit"), "plan": _("Implementation plans to approve"), "task": _("Plan tasks"), "case": _("Cases to review"),
        "nomination": _("Nominations to decide"),
    }
