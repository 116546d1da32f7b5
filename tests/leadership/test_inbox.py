"""The task inbox (issue #13 item 5): exactly the items routed to the user — computed from the domain state, never
another county's — with read marks, the count in the navigation, the page and the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from fupin.certification import selectors as certification
from fupin.core.errors import InvalidInput
from fupin.incentives import recognition
from fupin.leadership import inbox, services
from fupin.leadership.models import InboxReadMark
from fupin.supervision import problems as supervision_problems
from fupin.supervision import selectors as supervision

from . import demo_world

demo = demo_world.demo  # the module-scoped demo world (a fixture)

pytestmark = pytest.mark.django_db


def login(user, language="en"):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    return c


def keys(items, kind):
    return {i.key for i in items if i.kind == kind}


def test_a_county_reviewer_gets_exactly_its_review_queue(demo):
    user = demo.users["county"]
    items = inbox.inbox_items(viewer=user)
    queue = certification.review_queue(viewer=user)
    assert keys(items, "application") == {f"application:{a.pk}:{a.status}" for a in queue}
    assert queue.count() > 0 and all(a.region_code.startswith(user.scope_code) for a in queue)
    assert keys(items, "objection") == {f"objection:{o.pk}:{o.status}" for o in certification.objection_list(viewer=user)}
    # another county's clerk gets none of them
    other = inbox.inbox_items(viewer=demo.users["county2"])
    assert not {i.key for i in other} & {i.key for i in items}
    assert not keys(other, "application")


def test_overdue_items_come_first_and_are_overdue_by_the_parameter(demo):
    user = demo.users["county"]
    today = timezone.localdate()
    items = inbox.inbox_items(viewer=user, today=today)
    days = inbox.settings(on=today)["review_overdue_days"]
    for i in items:
        if i.kind == "application":
            assert i.overdue == ((today - i.since).days > days)
    flags = [i.overdue for i in items]
    assert any(flags) and flags == sorted(flags, reverse=True)


def test_problems_routed_to_the_body_and_escalated_to_it(demo):
    prefecture = demo.users["prefecture"]
    items = inbox.inbox_items(viewer=prefecture)
    org = prefecture.organisation_id
    unresolved = ("open", "in_progress")
    assigned = set(supervision.problem_list(viewer=prefecture, assigned_to=org).filter(status__in=unresolved)
                   .values_list("pk", flat=True))
    escalated = set(supervision.problem_list(viewer=prefecture).filter(status__in=unresolved, escalated_to_id=org)
                    .values_list("pk", flat=True))
    got = {int(k.split(":")[1]) for k in keys(items, "problem")}
    assert got == assigned | escalated and got
    # a national viewer (read-only) is routed no problems, nor is another county
    assert not keys(inbox.inbox_items(viewer=demo.users["national"]), "problem")
    assert not keys(inbox.inbox_items(viewer=demo.users["county2"]), "problem") & keys(items, "problem")


def test_a_supplier_gets_its_returned_application_and_nothing_to_review(demo):
    user = demo.users["supplier"]
    items = inbox.inbox_items(viewer=user)
    returned = certification.application_list(viewer=user, status="returned").filter(
        supplier__credit_code=user.organisation.credit_code)
    assert {int(k.split(":")[1]) for k in keys(items, "returned")} == set(returned.values_list("pk", flat=True))
    assert returned.exists()
    assert not keys(items, "application") and not keys(items, "objection")


def test_tasks_cases_and_plans(demo):
    prefecture = demo.users["prefecture"]
    items = inbox.inbox_items(viewer=prefecture)
    from fupin.leadership import selectors as leadership

    tasks = leadership.task_list(viewer=prefecture, owner_id=prefecture.organisation_id, status="open")
    assert keys(items, "task") == {f"task:{t.pk}:open" for t in tasks} and tasks.exists()
    waiting = leadership.case_list(viewer=prefecture, status="submitted")
    assert keys(items, "case") == {f"case:{c.pk}:submitted" for c in waiting}
    # the submitting county does not review its own case
    assert not keys(inbox.inbox_items(viewer=demo.users["county"]), "case")


def test_nominations_to_decide_reach_the_reviewers_in_scope(demo):
    rnd = recognition.round_create(year=2025, subject="buyers", title="2025 消费帮扶先进单位", actor="test")
    made = recognition.nominations_from_ranking(round=rnd, actor="test")
    assert made
    certifier = demo.users["certifier"]
    got = keys(inbox.inbox_items(viewer=certifier), "nomination")
    assert got == {f"nomination:{n.pk}:{n.status}" for n in made}
    assert not keys(inbox.inbox_items(viewer=demo.users["buyer"]), "nomination")


def test_mark_read_and_an_item_in_a_new_state_is_unread_again(demo):
    user = demo.users["prefecture"]
    items = inbox.inbox_items(viewer=user)
    problem_key = sorted(k for k in keys(items, "problem") if ":open:" in k)[0]
    assert services.inbox_mark_read(user=user, keys=[problem_key]) == 1
    assert services.inbox_mark_read(user=user, keys=[problem_key]) == 0  # idempotent
    after = {i.key: i for i in inbox.inbox_items(viewer=user)}
    assert after[problem_key].read and inbox.inbox_counts(viewer=user)["unread"] == len(items) - 1
    # the problem moves on (someone acts on it): the item comes back in its new state, unread
    pk = int(problem_key.split(":")[1])
    supervision_problems.problem_act(problem=supervision.problem_ref(pk=pk), text="已安排冷链车辆", actor=user)
    fresh = {i.key: i for i in inbox.inbox_items(viewer=user)}
    new = [k for k in fresh if k.startswith(f"problem:{pk}:")]
    assert new == [problem_key.replace(":open:", ":in_progress:")] and not fresh[new[0]].read
    # a key that is not in the user's inbox is refused and nothing is marked
    with pytest.raises(InvalidInput):
        services.inbox_mark_read(user=user, keys=["application:999999:submitted"])
    with pytest.raises(InvalidInput):
        services.inbox_mark_read(user=demo.users["county2"], keys=[sorted(keys(items, "task"))[0]])
    assert not InboxReadMark.objects.filter(user=demo.users["county2"]).exists()


def test_the_inbox_page_the_navigation_count_and_mark_all(demo):
    user = demo.users["county"]
    c = login(user)
    counts = inbox.inbox_counts(viewer=user)
    html = c.get("/inbox/").content.decode()
    assert f'>Inbox ({counts["total"]})</a>' in html
    for i in inbox.inbox_items(viewer=user):
        assert f'data-key="{i.key}"' in html
    assert "no e-mail is sent" in html
    only = c.get("/inbox/?kind=application").content.decode()
    assert only.count('class="inbox-item') == counts["by_kind"]["application"]
    r = c.post("/inbox/read/", {"all": "1"})
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert inbox.inbox_counts(viewer=user)["unread"] == 0
    assert 'class="inbox-item unread"' not in c.get("/inbox/").content.decode()
    zh = login(user, "zh-hans").get("/inbox/").content.decode()
    assert "待办" in zh


def test_the_api_lists_the_inbox_and_marks_read(demo, api_as):
    user = demo.users["county2"]
    api = api_as(user)
    r = api.get("/leadership/inbox")
    assert r.status_code == 200 and r.json()["total"] == len(inbox.inbox_items(viewer=user))
    reviewer = api_as(demo.users["county"])
    body = reviewer.get("/leadership/inbox", kind="application").json()
    assert {i["key"] for i in body["items"]} == keys(inbox.inbox_items(viewer=demo.users["county"]), "application")
    assert body["by_kind"]["application"] == len(body["items"]) > 0
    key = body["items"][0]["key"]
    r = reviewer.post("/leadership/inbox/read", {"keys": [key]})
    assert r.status_code == 200 and r.json() == {"marked": 1}
    assert next(i for i in reviewer.get("/leadership/inbox").json()["items"] if i["key"] == key)["read"] is True
    r = reviewer.post("/leadership/inbox/read", {"keys": ["problem:424242:open:a"]})
    assert r.status_code == 422 and r.json()["code"] == "not_in_inbox"
    assert reviewer.get("/leadership/inbox", kind="nonsense").status_code == 422
    assert Client().get("/api/v1/leadership/inbox").status_code == 401
    r = Client().post("/api/v1/leadership/inbox/read", "{}", content_type="application/json")
    assert r.status_code == 401 and json.loads(r.content)["code"]
