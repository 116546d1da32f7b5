"""Every allowed and every forbidden transition, of applications and of products, through the services."""

import datetime as dt

import pytest

from fupin.certification import rules, services
from fupin.certification.enums import ApplicationStatus as S
from fupin.certification.enums import ProductStatus as PS
from fupin.certification.enums import ReviewAction as A
from fupin.certification.models import Application, Product
from fupin.core.errors import InvalidInput, TransitionNotAllowed
from fupin.registry.models import Organisation

from . import factories as cf

pytestmark = pytest.mark.django_db

DAY = cf.LIST_DAY  # after every notice of the standard path has ended
DECIDE = [A.APPROVE, A.REJECT, A.RETURN, A.CLOSE_NOTICE]
ALL_STATUSES = list(S)


# The review lifecycle as specified (docs/domain/certification.md), written out here rather than read from the
# table under test: (state, action) -> the state it leads to. Every other pair is refused.
REVIEW_SPEC = {
    ("returned", "resubmit"): "submitted",
    ("submitted", "withdraw"): "withdrawn", ("returned", "withdraw"): "withdrawn",
    ("submitted", "approve"): "county_notice", ("prefecture_review", "approve"): "province_review",
    ("province_review", "approve"): "national_filing", ("national_filing", "approve"): "national_notice",
    ("submitted", "reject"): "rejected", ("prefecture_review", "reject"): "rejected",
    ("province_review", "reject"): "rejected", ("national_filing", "reject"): "rejected",
    ("submitted", "return"): "returned", ("prefecture_review", "return"): "returned",
    ("province_review", "return"): "returned", ("national_filing", "return"): "returned",
    ("county_notice", "close_notice"): "prefecture_review",
    ("county_notice", "objection_upheld"): "submitted", ("national_notice", "objection_upheld"): "national_filing",
    ("national_notice", "list"): "certified",
}


def test_the_rules_table_is_the_specified_lifecycle():
    table = {(s, a): t for a, moves in rules.REVIEW_TRANSITIONS.items() for s, t in moves.items()}
    assert table == REVIEW_SPEC


def _act(app: Application, action: str, revs: cf.Reviewers, sup: cf.Supplier) -> None:
    """Do `action` to `app` the way a user would, through the services only."""
    if action in DECIDE:
        actor = revs.for_status(app.status) if app.status in rules.STAGE_LEVEL else revs.county
        services.application_decide(application=app, action=action, actor=actor, reason="r", today=DAY)
    elif action == A.RESUBMIT:
        services.application_resubmit(application=app, actor=sup.user, today=DAY)
    elif action == A.WITHDRAW:
        services.application_withdraw(application=app, actor=sup.user, today=DAY)
    elif action == A.LIST:
        cf.publish(revs, [app], day=DAY)
    elif action == A.OBJECTION_UPHELD:  # someone objects while the application is in a notice (if it is), upheld
        day = app.notice_start or DAY
        obj = services.objection_lodge(name="Li", text="Not produced here", application=app, today=day)
        services.objection_decide(objection=obj, uphold=True, actor=revs.for_status(app.status), reason="proven",
                                  today=day)


CASES = [(status, action) for status in ALL_STATUSES for action in A if action != A.SUBMIT]


@pytest.mark.parametrize("status,action", CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_application_transition(status, action):
    revs, sup = cf.reviewers(), cf.supplier()
    app = cf.application_in(status, revs=revs, sup=sup)
    assert app.status == status
    expected = REVIEW_SPEC.get((status, action))
    if expected is None:
        decisions_before = app.decisions.count()
        if action == A.OBJECTION_UPHELD:  # outside a notice nobody can object to an application
            with pytest.raises(InvalidInput) as refused:
                _act(app, action, revs, sup)
            assert refused.value.code == "not_in_notice"
        else:
            with pytest.raises(TransitionNotAllowed) as err:
                _act(app, action, revs, sup)
            assert err.value.status == 409
        app.refresh_from_db()
        assert app.status == status and app.decisions.count() == decisions_before
    else:
        decisions_before = app.decisions.count()
        _act(app, action, revs, sup)
        app.refresh_from_db()
        assert app.status == expected
        assert app.decisions.count() == decisions_before + 1
        last = app.decisions.last()
        assert (last.from_status, last.to_status, last.action) == (status, expected, action)
        assert last.reviewer_name and last.reason


def test_decisions_are_signed_and_audited_along_the_whole_path():
    from fupin.core.models import AuditEntry

    revs = cf.reviewers()
    app = cf.application_in(S.CERTIFIED, revs=revs)
    steps = list(app.decisions.values_list("action", "level", "reviewer__username"))
    assert [s[0] for s in steps] == ["submit", "approve", "close_notice", "approve", "approve", "approve", "list"]
    assert [s[1] for s in steps[1:]] == ["county", "county", "prefecture", "province", "nation", "nation"]
    assert steps[3][2] == revs.prefecture.username
    audited = AuditEntry.objects.filter(object_type="certification.application", object_id=str(app.pk))
    assert audited.filter(action__startswith="application:").count() == 7


def test_notice_cannot_close_early_nor_with_open_objections():
    revs = cf.reviewers()
    app = cf.application_in(S.COUNTY_NOTICE, revs=revs)
    with pytest.raises(InvalidInput) as err:
        services.application_decide(application=app, action="close_notice", actor=revs.county, reason="r",
                                    today=app.notice_end)
    assert err.value.code == "notice_running"
    services.objection_lodge(name="Wang", text="price is wrong", application=app, today=app.notice_end)
    with pytest.raises(InvalidInput) as err:
        services.application_decide(application=app, action="close_notice", actor=revs.county, reason="r",
                                    today=app.notice_end + dt.timedelta(days=1))
    assert err.value.code == "open_objections"


# -- products ------------------------------------------------------------------------------------------------------------
def product_in(status: str, revs: cf.Reviewers) -> Product:
    sup = cf.supplier()
    if status == PS.REGISTERED:
        return cf.product(sup)
    product = cf.certified_product(revs=revs, sup=sup)
    if status == PS.SUSPENDED:
        services.product_suspend(product=product, actor=revs.county, reason="check", today=DAY)
    elif status == PS.REVOKED:
        services.product_revoke(product=product, actor=revs.province, reason_kind="fraud", reason="fake", today=DAY)
    elif status == PS.EXPIRED:
        assert services.products_expire(today=product.certified_until + dt.timedelta(days=1)) == 1
        product.refresh_from_db()
    return product


# The product lifecycle as specified, written out: (state, what happens) -> the new state. "list" is an application
# for the product taken to a catalogue batch (a new certification for a registered product, else a renewal).
PRODUCT_SPEC = {
    ("certified", "suspend"): "suspended", ("suspended", "reinstate"): "certified",
    ("certified", "revoke"): "revoked", ("suspended", "revoke"): "revoked",
    ("certified", "expire"): "expired", ("suspended", "expire"): "expired",
    ("registered", "list"): "certified", ("certified", "list"): "certified", ("expired", "list"): "certified",
}
PRODUCT_ACTIONS = ["suspend", "reinstate", "revoke", "expire", "list"]


def test_the_product_table_is_the_specified_lifecycle():
    table = {(s, a): t for a, (sources, t) in rules.PRODUCT_TRANSITIONS.items() for s in sources}
    assert table == {("registered", "certify"): "certified", ("certified", "renew"): "certified",
                     ("expired", "renew"): "certified", **{k: v for k, v in PRODUCT_SPEC.items() if k[1] != "list"}}


PRODUCT_CASES = [(s, a) for s in PS for a in PRODUCT_ACTIONS]


@pytest.mark.parametrize("status,action", PRODUCT_CASES, ids=[f"{s}-{a}" for s, a in PRODUCT_CASES])
def test_product_transition(status, action):
    revs = cf.reviewers()
    product = product_in(status, revs)
    assert product.status == status
    target = PRODUCT_SPEC.get((status, action))

    def run():
        if action == "suspend":
            services.product_suspend(product=product, actor=revs.county, reason="r", today=DAY)
        elif action == "reinstate":
            services.product_reinstate(product=product, actor=revs.county, reason="r", today=DAY)
        elif action == "revoke":
            services.product_revoke(product=product, actor=revs.nation, reason_kind="quality_incident", reason="r",
                                    today=DAY)
        elif action == "expire":  # the daily expiry, after the certificate's end (or any day for a product without)
            return services.products_expire(today=(product.certified_until or DAY) + dt.timedelta(days=1))
        else:
            _list_again(product, revs)
        return None

    if target is None and action == "expire":
        assert run() == 0
    elif target is None and action == "list":  # a suspended or revoked product cannot be applied for
        with pytest.raises(InvalidInput) as refused:
            run()
        assert refused.value.code == "precheck_failed"
    elif target is None:
        with pytest.raises(TransitionNotAllowed):
            run()
    else:
        run()
    product.refresh_from_db()
    assert product.status == (target or status)


def _list_again(product: Product, revs: cf.Reviewers) -> None:
    """Apply for `product` (new or renewal) and take the application to the catalogue."""
    from fupin.certification.enums import ApplicationKind

    kind = ApplicationKind.NEW if product.status == PS.REGISTERED else ApplicationKind.RENEWAL
    supplier = product.supplier
    own = Organisation.objects.get(credit_code=supplier.credit_code)  # a clerk of the supplier itself (issue #14)
    sup = cf.Supplier(entity=supplier, user=cf.factories.user(roles="clerk", scope_level="county",
                                                              scope_code=cf.COUNTY, organisation=own))
    hh = [cf.factories.household(village_code=cf.VILLAGE) for _ in range(5)]
    day = cf.LIST_DAY + dt.timedelta(days=400) if kind == ApplicationKind.RENEWAL else cf.D0
    app = services.application_submit(supplier=supplier, items=[services.ItemInput(product, 2000)],
                                      household_refs=[h.registry_code for h in hh], kind=kind, actor=sup.user,
                                      today=day)
    for action, actor, offset in [("approve", revs.county, 0), ("close_notice", revs.county, 10),
                                  ("approve", revs.prefecture, 11), ("approve", revs.province, 12),
                                  ("approve", revs.nation, 13)]:
        services.application_decide(application=app, action=action, actor=actor, reason="ok",
                                    today=day + dt.timedelta(days=offset))
    cf.publish(revs, [app], day=day + dt.timedelta(days=25))
