"""The problem register: responsible bodies proposed from the seed's responsibility matrix, the lifecycle open →
in progress → resolved → closed (and reopened) with audited transitions, escalation of overdue problems to the
supervising body, views per responsible department, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.errors import AccessDenied, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.supervision import problems, selectors
from fupin.supervision.enums import ProblemStatus
from tests.supervision import factories as sf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return sf.world()


def raise_one(w, **kw):
    base = {"region_code": sf.COUNTY, "category": "logistics", "measure": 4, "title": "冷链断链",
            "description": "The county has no cold storage for the autumn harvest.", "evidence": "survey 2024-05",
            "due_date": dt.date(2024, 6, 30), "actor": w.users["tianzhu"]}
    base.update(kw)
    return problems.problem_raise(**base)


def test_responsible_bodies_are_proposed_from_the_matrix(w):
    bodies = selectors.responsible_bodies(measure=4, region_code=sf.COUNTY)
    assert [b["key"] for b in bodies] == ["ndrc", "nrra", "moa", "mofcom", "mct", "acfsmc", "mof",
                                          "provincial_governments"]
    found = {b["key"]: b["organisation"] for b in bodies if b["organisation"] is not None}
    assert found == {"nrra": w.office, "mofcom": w.mofcom, "provincial_governments": w.guizhou}
    p = raise_one(w)
    assert set(p.assigned.all()) == {w.office, w.mofcom, w.guizhou} and p.raised_by == w.tianzhu
    assert AuditEntry.objects.get(action="problem:raise").after["proposed"] is True


def test_the_lifecycle_with_audited_transitions(w):
    p = raise_one(w, assigned_ids=[w.guizhou.pk])
    u = w.users
    with pytest.raises(AccessDenied):   # not assigned, not an office over the county
        problems.problem_act(problem=p, text="we will help", actor=u["zhejiang"])
    problems.problem_act(problem=p, text="a cold store funded from the provincial budget", actor=u["guizhou"])
    p.refresh_from_db()
    assert p.status == ProblemStatus.IN_PROGRESS
    with pytest.raises(InvalidInput):
        problems.problem_transition(problem=p, name="resolve", reason="", actor=u["guizhou"])
    problems.problem_transition(problem=p, name="resolve", reason="the store opened on 1 June", actor=u["guizhou"])
    with pytest.raises(AccessDenied):   # closing is for the body that raised it (or an office over its region)
        problems.problem_transition(problem=p, name="close", actor=u["zhejiang"])
    problems.problem_transition(problem=p, name="close", actor=u["tianzhu"])
    with pytest.raises(TransitionNotAllowed):
        problems.problem_transition(problem=p, name="start", actor=u["guizhou"])
    problems.problem_transition(problem=p, name="reopen", reason="the store has no power", actor=u["tianzhu"])
    p.refresh_from_db()
    assert p.status == ProblemStatus.OPEN
    steps = list(AuditEntry.objects.filter(object_type="supervision.problem", object_id=str(p.pk))
                 .order_by("id").values_list("action", "before", "after"))
    assert [s[0] for s in steps] == ["problem:raise", "problem:act", "problem:start", "problem:resolve",
                                     "problem:close", "problem:reopen"]
    assert steps[-1][1]["status"] == "closed" and steps[-1][2]["status"] == "open"
    assert [a.text for a in p.actions.all()] == ["a cold store funded from the provincial budget"]


def test_overdue_problems_escalate_to_the_supervising_body(w):
    county = raise_one(w, due_date=dt.date(2024, 6, 30))
    province = raise_one(w, region_code=sf.PROVINCE, due_date=dt.date(2024, 6, 30), actor=w.users["guizhou"])
    on_time = raise_one(w, due_date=dt.date(2024, 8, 1))
    done = raise_one(w, due_date=dt.date(2024, 6, 1), assigned_ids=[w.tianzhu.pk])
    problems.problem_transition(problem=done, name="resolve", reason="fixed", actor=w.users["tianzhu"])
    assert problems.problems_escalate(actor="test", today=dt.date(2024, 6, 30)) == []   # due today: not yet
    escalated = problems.problems_escalate(actor="test", today=dt.date(2024, 7, 1))
    assert {p.pk for p in escalated} == {county.pk, province.pk}
    county.refresh_from_db()
    province.refresh_from_db()
    on_time.refresh_from_db()
    assert county.escalated_to == w.qdn           # the county's supervising body: its prefecture's government
    assert province.escalated_to == w.office      # a province's: the national office
    assert on_time.escalated_to is None
    assert AuditEntry.objects.filter(action="problem:escalate").count() == 2
    assert problems.problems_escalate(actor="test", today=dt.date(2024, 7, 2)) == []   # once
    # the body it was escalated to sees it and may work on it
    assert county in selectors.problem_list(viewer=w.users["qdn"])
    problems.problem_act(problem=county, text="the prefecture takes it over", actor=w.users["qdn"])


def test_views_per_responsible_department(w):
    mine = raise_one(w, assigned_ids=[w.mofcom.pk])
    raise_one(w, assigned_ids=[w.guizhou.pk])
    assert list(selectors.problem_list(viewer=w.users["mofcom"], assigned_to=w.mofcom.pk)) == [mine]
    assert selectors.problem_list(viewer=w.users["zhejiang"]).count() == 0        # another province's problems
    assert selectors.problem_list(viewer=w.users["office"]).count() == 2


def test_bad_input_names_the_bad_part(w):
    with pytest.raises(InvalidInput) as ghost:
        raise_one(w, assigned_ids=[w.guizhou.pk, 987_654])
    assert ghost.value.code == "unknown_body" and ghost.value.details["ids"] == [987_654]
    assert "987654" in str(ghost.value.message)
    for kw, code, field in (({"measure": 9}, "unknown_measure", "measure"),
                            ({"region_code": "999999"}, "unknown_region", "region_code"),
                            ({"category": "weather"}, "unknown_category", "category"),
                            ({"title": " "}, "required", "title")):
        with pytest.raises(InvalidInput) as bad:
            raise_one(w, **kw)
        assert (bad.value.code, bad.value.details["field"]) == (code, field)
    with pytest.raises(AccessDenied):
        raise_one(w, region_code=sf.PROVINCE)   # the county's clerk raises problems in its county only


def test_the_escalation_command(w):
    from io import StringIO

    from django.core.management import call_command

    p = raise_one(w, due_date=dt.date(2024, 6, 30))
    out = StringIO()
    call_command("supervision_escalate", "--date", "2024-07-05", stdout=out)
    assert f"problem #{p.pk}" in out.getvalue() and "escalated 1 problem(s)" in out.getvalue()
