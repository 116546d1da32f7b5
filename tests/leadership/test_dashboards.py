"""Dashboards by role (issue #13 item 4): each demo role's home page shows the figures that matter for it, and every
figure equals what the selector behind it returns for that user — on the dashboard and on the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from fupin.certification import selectors as certification
from fupin.leadership import dashboards, inbox
from fupin.ledger import selectors as ledger
from fupin.ledger.reserved_share import selectors as reserved_share
from fupin.portal import format as fmt
from fupin.supervision import selectors as supervision

from . import demo_world

demo = demo_world.demo  # the module-scoped demo world (a fixture)

pytestmark = pytest.mark.django_db


def login(user, language="en"):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    return c


def shown(html: str) -> dict[str, str]:
    """The figures a dashboard page shows, by `block.figure`."""
    return {k: v.strip() for k, v in re.findall(r'data-dash="([a-z_]+\.[a-z_]+)">([^<]*)<', html)}


def as_shown(fig) -> str:
    if fig.value is None:
        return "–"
    return fmt.yuan(fig.value) if fig.money else f"{fig.value:,}"


def amount(viewer, filters, side="origin"):
    rows = ledger.account_totals(viewer=viewer, filters=filters, side=side)
    return (rows[0]["amount_fen"], rows[0]["entries"]) if rows else (0, 0)


def check_page(user, board):
    html = login(user).get("/").content.decode()
    figures = shown(html)
    for block in board.blocks:
        for f in block.figures:
            assert figures[f"{block.key}.{f.key}"] == as_shown(f), (block.key, f.key)
    return html


def test_kinds_by_role(demo):
    kinds = {name: dashboards.dashboard(viewer=demo.users[name]).kinds
             for name in ("county", "county2", "prefecture", "province", "supplier", "buyer", "central", "certifier",
                          "national")}
    assert kinds["county"] == ["review", "targets", "region", "oversight"]  # its county's approved work plan
    assert kinds["county2"] == ["region", "oversight"]  # a clerk: no review queue
    assert kinds["prefecture"] == kinds["province"] == kinds["certifier"] == ["review", "region", "oversight"]
    assert kinds["supplier"] == ["supplier"]
    assert kinds["buyer"] == ["buyer"]
    assert kinds["central"] == ["targets", "buyer"]  # an approver at a central unit reviews no products
    assert kinds["national"] == ["region", "oversight"]


def test_county_reviewer_sees_its_queue_overdue_items_and_its_countys_figures(demo):
    user = demo.users["county"]
    today = timezone.localdate()
    board = dashboards.dashboard(viewer=user)
    days = inbox.settings(on=today)["review_overdue_days"]
    queue = certification.review_queue(viewer=user, today=today)
    assert board.figure("review", "queue").value == queue.count() > 0
    waited = [a for a in queue if (today - timezone.localdate(a.status_since)).days > days]
    assert board.figure("review", "overdue").value == len(waited)
    assert board.figure("review", "objections").value == certification.objection_list(viewer=user).count()
    year = today.year
    this, entries = amount(user, {"region": user.scope_code, "year": year})
    assert (board.figure("region", "amount").value, board.figure("region", "entries").value) == (this, entries)
    assert this > 0
    assert board.figure("region", "last_year").value == amount(user, {"region": user.scope_code, "year": year - 1})[0]
    direct = board.figure("region", "direct").value
    helped = board.figure("region", "helped").value
    assert direct + helped == this  # the two kinds make up the counted total
    assert board.figure("region", "certified").value == certification.product_list(
        viewer=user, status="certified").count()
    # the monthly trend adds up to the year's figure, month by month as the account says
    trend = board.block("region").trend
    assert [m["month"] for m in trend] == [f"{year}-{m:02d}" for m in range(1, 13)]
    assert sum(m["amount_fen"] for m in trend) == this
    for m in trend:
        assert m["amount_fen"] == amount(user, {"region": user.scope_code, "year": year, "month": m["month"]})[0]
    # the county's figures are its own, not the province's
    province = dashboards.dashboard(viewer=demo.users["province"])
    assert province.figure("region", "amount").value > this
    html = check_page(user, board)
    assert "Your review queue" in html and "Your region&#x27;s figures" in html
    link = re.search(r'<a href="([^"]+)">\s*<span class="num" data-dash="region.amount"', html).group(1)
    assert link.startswith("/ledger/entries/?") and f"region={user.scope_code}" in link


def test_another_countys_clerk_sees_only_its_county(demo):
    user = demo.users["county2"]
    board = dashboards.dashboard(viewer=user)
    year = timezone.localdate().year
    assert board.figure("region", "amount").value == amount(user, {"region": user.scope_code, "year": year})[0]
    assert board.figure("region", "amount").value != dashboards.dashboard(
        viewer=demo.users["county"]).figure("region", "amount").value
    assert board.block("review") is None
    check_page(user, board)


def test_supplier_sees_its_applications_certificates_and_sales(demo):
    user = demo.users["supplier"]
    board = dashboards.dashboard(viewer=user)
    entities = dashboards.own_suppliers(viewer=user)
    assert len(entities) == 1
    entity = entities[0]
    year = timezone.localdate().year
    apps = certification.application_list(viewer=user, supplier_id=entity.pk)
    assert board.figure("supplier", "applications_open").value == apps.exclude(
        status__in=("certified", "rejected", "withdrawn")).count() > 0
    assert board.figure("supplier", "applications_returned").value == apps.filter(status="returned").count()
    assert board.figure("supplier", "certified").value == certification.product_list(
        viewer=user, supplier_id=entity.pk, status="certified").count() > 0
    sales, entries = amount(user, {"seller": entity.pk, "year": year})
    assert (board.figure("supplier", "sales").value, board.figure("supplier", "entries").value) == (sales, entries)
    assert sales > 0
    assert sum(m["amount_fen"] for m in board.block("supplier").trend) == sales
    html = check_page(user, board)
    assert "Your products and sales" in html and html.count("<svg") >= 1


def test_buyer_sees_its_account_and_reserved_share(demo):
    user = demo.users["buyer"]
    board = dashboards.dashboard(viewer=user)
    org = user.organisation
    year = timezone.localdate().year
    this, entries = amount(user, {"buyer": org.pk, "year": year}, side="buyer")
    assert (board.figure("buyer", "amount").value, board.figure("buyer", "entries").value) == (this, entries)
    assert this > 0
    assert sum(m["amount_fen"] for m in board.block("buyer").trend) == this
    share = reserved_share.reserved_share_get(viewer=user, organisation_id=org.pk, year=year).as_dict()
    assert board.figure("buyer", "share_platform").value == share["platform_fen"]
    assert board.figure("buyer", "share_gap").value == share["gap_fen"]
    assert board.figure("buyer", "share_required").value == share["required_fen"]
    html = check_page(user, board)
    assert 'data-dash="buyer.share_status"' in html and share["achieved_percent"] in html


def test_central_unit_sees_its_targets_against_progress(demo):
    user = demo.users["central"]
    board = dashboards.dashboard(viewer=user)
    year = timezone.localdate().year
    plan = supervision.plan_list(viewer=user, body_id=user.organisation_id, year=year, status="approved").get()
    progress = supervision.progress(plan=plan)
    rows = board.block("targets").rows
    assert [(r["metric"], r["target"], r["actual"], r["status"]) for r in rows] == [
        (p["metric"], p["target"], p["actual"], p["status"]) for p in progress]
    assert board.figure("targets", "targets").value == len(progress) > 0
    html = check_page(user, board)
    assert html.count('class="dash-status dash-status-') == len(progress)


def test_province_officer_sees_targets_problems_and_scorecards(demo):
    user = demo.users["province"]
    board = dashboards.dashboard(viewer=user)
    year = timezone.localdate().year
    lines = supervision.early_warnings(viewer=user, year=year, include_on_track=True)
    for status in ("on_track", "behind", "far_behind"):
        assert board.figure("oversight", status).value == sum(1 for w in lines if w.status == status)
    assert sum(board.figure("oversight", s).value for s in ("on_track", "behind", "far_behind")) == len(lines) > 0
    unresolved = supervision.problem_list(viewer=user).filter(status__in=("open", "in_progress")).count()
    assert board.figure("oversight", "problems_open").value == unresolved > 0
    assert board.figure("oversight", "problems_overdue").value == supervision.problem_list(
        viewer=user, overdue=True).count()
    assert board.figure("oversight", "approvals").value == supervision.approval_list(viewer=user, awaiting=True).count()
    assert board.figure("oversight", "scorecards").value == supervision.scorecard_list(viewer=user, year=year).count()
    html = check_page(user, board)
    assert 'href="/supervision/scorecards/' in html and 'href="/supervision/problems/?overdue=true"' in html


def test_dashboard_counts_the_inbox_and_speaks_chinese(demo):
    user = demo.users["county"]
    board = dashboards.dashboard(viewer=user)
    assert board.inbox == inbox.inbox_counts(viewer=user)
    html = login(user, "zh-hans").get("/").content.decode()
    assert "欢迎使用扶贫平台" in html and "您的审核队列" in html and "等待您处理" in html
    assert shown(html)["inbox.total"] == str(board.inbox["total"])
    assert "style=" not in html.split("<main", 1)[1]


def test_the_public_home_page_shows_featured_cases_recognitions_and_open_notices(demo):
    from fupin.incentives import recognition
    from fupin.leadership import selectors as leadership
    from fupin.leadership.models import Case

    featured = leadership.case_featured()
    assert featured
    not_featured = Case.objects.exclude(pk__in=[c.pk for c in featured]).first()
    rnd = recognition.round_create(year=2025, subject="buyers", title="2025 年消费帮扶先进单位", actor="test")
    made = recognition.nominations_from_ranking(round=rnd, actor="test")
    winner, other = made[0], made[1]
    for step in ("review", "approve", "publish"):
        recognition.nomination_step(nomination=winner, action=step, actor="test")
    # on the demo's day, when its notices are open (the page reads today)
    with time_machine.travel(dt.datetime.combine(demo.today, dt.time(12), tzinfo=dt.UTC), tick=False):
        html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
        open_now = list(certification.public_notices())
    section = html.split('data-showcase="cases"', 1)[1].split("</section>", 1)[0]
    for c in featured:
        assert f'data-case="{c.pk}"' in section and c.title in section
    assert f'data-case="{not_featured.pk}"' not in section  # only featured, published cases
    recognitions = html.split('data-showcase="recognitions"', 1)[1].split("</section>", 1)[0]
    assert f'data-recognition="{winner.pk}"' in recognitions and winner.organisation.name in recognitions
    assert f'data-recognition="{other.pk}"' not in recognitions  # nominated, not published
    assert "2025 年消费帮扶先进单位" in recognitions
    notices = html.split('data-showcase="notices"', 1)[1].split("</section>", 1)[0]
    assert open_now and open_now == list(certification.public_notices(on=demo.today))
    shown_numbers = re.findall(r'data-notice="([A-Z0-9]+)"', notices)
    assert shown_numbers == [a.number for a in open_now[:5]]
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/").content.decode()
    assert "经验做法和典型案例" in zh and "表扬激励" in zh and "正在公示、可提出异议" in zh
