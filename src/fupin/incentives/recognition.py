"""Recognition of outstanding contributors (表彰): rounds, the ranking, nominations and their steps.

- `round_create(*, year, subject, title, region_prefix, top_n, min_score_fen, actor)` — a round of a year ranking
  **buyers** (organisations: enterprises, social organisations, units) by counted purchases, direct and helped
  weighted by the dated parameter `incentives.recognition_weights`, or **sellers** (market entities) by the
  benefits they paid to poor households. Members of the public buy without a record of who they are: individuals
  are not ranked until the account records them. The round keeps the weights and the parameter version it used.
- `ranking(*, round)` — every candidate with its rank in its group, the figures behind the score (with the
  filters that list the entries or payments behind them), whether it may be nominated, and which tie-break
  decided its place (`rules.rank`: higher score; then buyers' counted direct purchases, then their number of
  counted entries; sellers' households paid, then poor households linked; then the smaller registry id).
- `nominations_from_ranking(*, round, actor)` — nominates the first `top_n` of each group whose score reaches
  `min_score_fen`, skipping those that may not be nominated (blacklisted, inactive); `nominate(*, round,
  organisation_id | entity_id, citation, actor)` — one nominee by hand (refused for unknown, inactive or
  blacklisted bodies, and bodies outside the round).
- `nomination_step(*, nomination, action, reason, actor)` — nominated → under review → approved → published (on
  the public page), or rejected / withdrawn with a reason; each step an audited transition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.certification import selectors as certification
from fupin.core import audit, params
from fupin.core.errors import Conflict, InvalidInput
from fupin.ledger import selectors as ledger
from fupin.linkage import selectors as linkage
from fupin.registry import selectors as registry

from . import parameters, rules
from . import policy as access_policy
from .enums import BuyerGroup, NominationStatus, RecognitionSubject
from .facts import CHUNK, READER
from .models import Nomination, RecognitionRound
from .services import refuse

PUBLIC_STATUSES = (NominationStatus.PUBLISHED,)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def round_create(*, year: int, subject: str, title: str, actor: Any, region_prefix: str = "", top_n: int = 10,
                 min_score_fen: int = 0) -> RecognitionRound:
    errors = []
    if not isinstance(year, int) or not rules.FIRST_DATE.year <= year <= timezone.localdate().year:
        errors.append(rules.RuleError("year", "bad_year", _("A round ranks a year from 2013 to this year.")))
    if subject not in RecognitionSubject.values:
        errors.append(rules.RuleError("subject", "unknown_choice", _("Rank buyers or sellers.")))
    if not (title or "").strip() or len(title) > 200:
        errors.append(rules.RuleError("title", "required", _("A round needs a title of at most 200 characters.")))
    if not isinstance(top_n, int) or not 1 <= top_n <= 1000:
        errors.append(rules.RuleError("top_n", "out_of_range", _("Nominate 1 to 1000 per group.")))
    if (err := rules.amount_error(min_score_fen, "min_score_fen")) is not None:
        errors.append(err)
    prefix = (region_prefix or "").strip()
    if prefix and (not prefix.isdigit() or len(prefix) not in (2, 4, 6)):
        errors.append(rules.RuleError("region_prefix", "bad_region",
                                      _("A region is given by a code prefix of 2, 4 or 6 digits (empty: the nation).")))
    if errors:
        raise refuse(errors)
    access_policy.authorise_nominate(actor, region_code=access_policy.region_of(prefix), what="recognition round")
    weights: dict[str, Any] = {}
    used: dict[str, int] = {}
    if subject == RecognitionSubject.BUYERS:
        version = params.get(parameters.RECOGNITION_WEIGHTS, on=dt.date(year, 12, 31), region_code=prefix)
        if werrors := rules.weights_errors(version.value):
            raise refuse(werrors)
        weights, used = dict(version.value), {parameters.RECOGNITION_WEIGHTS: version.id}
    rnd = RecognitionRound.objects.create(year=year, subject=subject, title=title.strip(), region_prefix=prefix,
                                          top_n=top_n, min_score_fen=min_score_fen, weights=weights, parameters=used,
                                          created_by=_user(actor))
    audit.record(actor=actor, action="recognition:round_create", obj=rnd, after=audit.snapshot(rnd))
    return rnd


# -- the ranking ----------------------------------------------------------------------------------------------------
def _by_ids(qs: Any, ids: list[int]) -> dict[int, Any]:
    """pk → object of a selector's queryset for many ids (one query per chunk of ids)."""
    out: dict[int, Any] = {}
    for i in range(0, len(ids), CHUNK):
        out.update({o.pk: o for o in qs.filter(pk__in=ids[i:i + CHUNK])})
    return out


def _blacklisted_codes(credit_codes: set[str], on: dt.date) -> set[str]:
    """Credit codes of market entities blacklisted on the date (an organisation carrying one may not be honoured)."""
    entities = {e.pk: str(e.credit_code) for e in registry.entities_by_credit_codes(codes=credit_codes)}
    standing = certification.supplier_standing(supplier_ids=list(entities), on=on) if entities else {}
    return {entities[i] for i, st in standing.items() if st["blacklisting"] is not None}


def _buyer_candidates(rnd: RecognitionRound) -> list[dict[str, Any]]:
    filters: dict[str, Any] = {"year": [rnd.year]}
    if rnd.region_prefix:
        filters["buyer_region"] = rnd.region_prefix
    figures: dict[int, dict[str, int]] = {}
    for r in ledger.account_totals(viewer=READER, group_by=["buyer", "kind"], filters=filters):
        if r["buyer"] is None:
            continue   # members of the public: no record of who bought
        row = figures.setdefault(r["buyer"], {"direct_fen": 0, "helped_fen": 0, "entries": 0})
        row["direct_fen" if r["kind"] == "direct_purchase" else "helped_fen"] += int(r["amount_fen"])
        row["entries"] += int(r["entries"])
    orgs = _by_ids(registry.organisation_list(viewer=READER).select_related("region"), list(figures))
    end = dt.date(rnd.year, 12, 31)
    banned = _blacklisted_codes({str(o.credit_code) for o in orgs.values() if o.credit_code}, end)
    out = []
    for org_id, fig in figures.items():
        org = orgs.get(org_id)
        if org is None:
            continue
        score = rules.weighted_score(direct_fen=fig["direct_fen"], helped_fen=fig["helped_fen"], weights=rnd.weights)
        out.append({"candidate": rules.Candidate(org_id, rules.buyer_group(org.kind), score,
                                                 (fig["direct_fen"], fig["entries"])),
                    "name": org.name, "kind": org.kind, "region_code": org.region.code, "organisation_id": org_id,
                    "entity_id": None, "figures": {**fig, "score_fen": score, "weights": rnd.weights,
                                                   "filters": {"buyer_only": org_id, "year": [rnd.year],
                                                               "counted": True}},
                    "blacklisted": org.credit_code in banned, "active": org.active})
    return out


def _seller_candidates(rnd: RecognitionRound) -> list[dict[str, Any]]:
    start, end = dt.date(rnd.year, 1, 1), dt.date(rnd.year, 12, 31)
    paid = linkage.benefits_paid(entity_ids=None, date_from=start, date_to=end)
    entities = _by_ids(registry.entity_list(viewer=READER, region_code=rnd.region_prefix or None), list(paid))
    ids = sorted(entities)
    linked: dict[int, set[int]] = {}
    for i in range(0, len(ids), CHUNK):
        linked.update(linkage.linked_household_ids(entity_ids=ids[i:i + CHUNK], on=end))
    standing = certification.supplier_standing(supplier_ids=ids, on=end) if ids else {}
    out = []
    for entity_id, entity in entities.items():
        fig = paid[entity_id]
        if fig["amount_fen"] <= 0:
            continue
        households_linked = len(linked.get(entity_id, ()))
        out.append({"candidate": rules.Candidate(entity_id, BuyerGroup.SELLER, fig["amount_fen"],
                                                 (fig["households"], households_linked)),
                    "name": entity.name, "kind": entity.kind, "region_code": entity.region.code,
                    "organisation_id": None, "entity_id": entity_id,
                    "figures": {"benefits_fen": fig["amount_fen"], "households_paid": fig["households"],
                                "households_linked": households_linked, "score_fen": fig["amount_fen"],
                                "payments": {"entity": entity_id, "year": rnd.year}},
                    "blacklisted": standing.get(entity_id, {}).get("blacklisting") is not None,
                    "active": entity.active})
    return out


def ranking(*, round: RecognitionRound) -> list[dict[str, Any]]:  # noqa: A002 - the domain's word
    """Every candidate of the round, ranked in its group (see the module docstring for the tie-breaks)."""
    rnd = round
    candidates = _buyer_candidates(rnd) if rnd.subject == RecognitionSubject.BUYERS else _seller_candidates(rnd)
    by_id = {(c["candidate"].group, c["candidate"].id): c for c in candidates}
    out = []
    for position, cand, decided in rules.rank([c["candidate"] for c in candidates]):
        row = by_id[(cand.group, cand.id)]
        out.append({**{k: v for k, v in row.items() if k != "candidate"}, "group": cand.group, "rank": position,
                    "score_fen": cand.score, "tie_break": decided,
                    "eligible": row["active"] and not row["blacklisted"] and cand.score >= rnd.min_score_fen})
    return out


# -- nominations ----------------------------------------------------------------------------------------------------
def _create(rnd: RecognitionRound, row: dict[str, Any], *, citation: str, actor: Any) -> Nomination:
    try:
        with transaction.atomic():
            n = Nomination.objects.create(
                round=rnd, organisation_id=row["organisation_id"], entity_id=row["entity_id"], group=row["group"],
                rank=row.get("rank"), score_fen=row.get("score_fen", 0), figures=audit.json_safe(row["figures"]),
                region_code=row["region_code"], citation=(citation or "")[:4000], nominated_by=_user(actor))
            audit.record(actor=actor, action="nomination:create", obj=n,
                         after={"round": rnd.pk, "organisation": n.organisation_id, "entity": n.entity_id,
                                "rank": n.rank, "score_fen": n.score_fen})
    except IntegrityError:
        raise Conflict(_("%(name)s is already nominated in this round.") % {"name": row["name"]},
                       code="already_nominated") from None
    return n


@transaction.atomic
def nominations_from_ranking(*, round: RecognitionRound, actor: Any) -> list[Nomination]:  # noqa: A002
    """Nominate the first `top_n` of each group that reach the minimum score and may be nominated (not yet
    nominated ones only)."""
    rnd = round
    access_policy.authorise_nominate(actor, region_code=access_policy.region_of(rnd.region_prefix),
                                     what="nominations from ranking")
    taken = set(Nomination.objects.filter(round=rnd).values_list("organisation_id", "entity_id"))
    per_group: dict[str, int] = {}
    made = []
    for row in ranking(round=rnd):
        if not row["eligible"] or per_group.get(row["group"], 0) >= rnd.top_n:
            continue
        per_group[row["group"]] = per_group.get(row["group"], 0) + 1
        if (row["organisation_id"], row["entity_id"]) in taken:
            continue
        made.append(_create(rnd, row, citation="", actor=actor))
    return made


@transaction.atomic
def nominate(*, round: RecognitionRound, actor: Any, organisation_id: int | None = None,  # noqa: A002
             entity_id: int | None = None, citation: str = "") -> Nomination:
    """Nominate one body of the round's ranking by hand; refused, with the reason, for a body that does not exist,
    is inactive or blacklisted, has no figures in the round, or lies outside it."""
    rnd = round
    field = "organisation_id" if rnd.subject == RecognitionSubject.BUYERS else "entity_id"
    given = organisation_id if rnd.subject == RecognitionSubject.BUYERS else entity_id
    if given is None or (organisation_id is not None and entity_id is not None):
        raise refuse([rules.RuleError(field, "nominee_required",
                                      _("This round ranks %(subject)s: name one by %(field)s.")
                                      % {"subject": rnd.get_subject_display(), "field": field})])
    if rnd.subject == RecognitionSubject.BUYERS:
        body: Any = registry.organisation_list(viewer=READER).filter(pk=given).first()
    else:
        body = registry.entity_list(viewer=READER).filter(pk=given).first()
    if body is None:
        raise refuse([rules.RuleError(field, "unknown_body", _("No body has the id %(id)s.") % {"id": given})])
    access_policy.authorise_nominate(actor, region_code=body.region.code, what="nominate")
    row = next((r for r in ranking(round=rnd) if r[field] == given), None)
    if not body.active:
        raise refuse([rules.RuleError(field, "inactive", _("%(name)s is no longer active.") % {"name": body})])
    if row is None:
        raise refuse([rules.RuleError(field, "no_figures",
                                      _("%(name)s has no counted figures in this round (%(year)d, its region).")
                                      % {"name": body, "year": rnd.year})])
    if row["blacklisted"]:
        raise refuse([rules.RuleError(field, "blacklisted", _("%(name)s is blacklisted: it cannot be honoured.")
                                      % {"name": body})])
    return _create(rnd, row, citation=citation, actor=actor)


def nomination_step(*, nomination: Nomination, action: str, actor: Any, reason: str = "") -> Nomination:
    if action not in rules.NOMINATION_TRANSITIONS:
        raise InvalidInput(_("Unknown action “%(a)s”.") % {"a": str(action)[:30]}, code="unknown_action")
    access_policy.authorise_step(actor, action=action, region_code=nomination.region_code, what=f"nomination {action}")
    if action in rules.REASON_REQUIRED and not (reason or "").strip():
        raise refuse([rules.RuleError("reason", "reason_required", _("This step needs a reason."))])
    sources, to = rules.NOMINATION_TRANSITIONS[action]
    changes: dict[str, Any] = {"last_reason": (reason or "").strip()}
    if action == "publish":
        changes["published_on"] = timezone.localdate()
    audit.transition(nomination, to=to, allowed_from=sources, actor=actor, reason=reason, action=f"nomination:{action}",
                     changes=changes)
    return nomination


def published(*, year: int | None = None) -> Any:
    """The published nominations (the public page): who was honoured, in which round, for what."""
    qs = Nomination.objects.filter(status__in=PUBLIC_STATUSES).select_related("round", "organisation", "entity")
    if year:
        qs = qs.filter(round__year=year)
    return qs.order_by("-round__year", "round_id", "group", "rank", "id")
