"""Tamper evidence (issue #15 item 3): rows changed, deleted or inserted directly in SQL — the database operator's
attack — are caught by `verify_integrity` with the model, the row's id and what is wrong; a chain rewritten
consistently is caught by the signed anchor; a forged anchor signature is caught. On the demo world (registry,
linkage, certification, ledger built through the services), on whichever engine the tests run (SQLite or
PostgreSQL: DATABASE_URL)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fupin.certification.models import Decision
from fupin.core.integrity import anchors, chain
from fupin.core.integrity.kinds import KINDS
from fupin.core.integrity.verify import (
    ANCHOR_MISMATCH,
    BAD_SIGNATURE,
    BROKEN_LINK,
    CHANGED_ROW,
    HEAD_MISMATCH,
    MISSING_ROW,
    UNLINKED_ROW,
    verify_integrity,
)
from fupin.core.models import AuditEntry, ChainAnchor, ChainHead, ChainLink
from fupin.ledger.models import DuplicateReview, PurchaseEntry
from fupin.linkage.models import BenefitPayment

LEDGER = "ledger.purchaseentry"


def sql(statement: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def table(model) -> str:
    return model._meta.db_table


def only(report, code: str):
    """The findings of the report, which must all be of `code`."""
    assert not report.ok
    assert set(report.counts) == {code}, report.as_dict()
    return report.findings


def chain_of(model, pk: int) -> str:
    for name, blob in ChainLink.objects.filter(kind=model._meta.label_lower).values_list("chain", "members"):
        if any(member == pk for member, _digest in chain.unpack(bytes(blob))):
            return name
    raise AssertionError(f"{model._meta.label_lower} #{pk} is in no link")


def free_entry() -> PurchaseEntry:
    """A purchase entry that nothing points at (no reversal, duplicate or review), so SQL may delete it."""
    referenced = set(PurchaseEntry.objects.exclude(reverses=None).values_list("reverses_id", flat=True))
    referenced |= set(PurchaseEntry.objects.exclude(duplicate_of=None).values_list("duplicate_of_id", flat=True))
    referenced |= set(PurchaseEntry.objects.exclude(amends=None).values_list("amends_id", flat=True))
    referenced |= set(DuplicateReview.objects.values_list("entry_id", flat=True))
    referenced |= set(DuplicateReview.objects.exclude(released_as=None).values_list("released_as_id", flat=True))
    entry = PurchaseEntry.objects.exclude(pk__in=referenced).filter(sign=1).order_by("id")[5]
    return entry


def test_the_demo_world_verifies_and_every_kind_is_chained(demo_world, db):
    report = verify_integrity()
    assert report.ok, report.as_dict()
    assert report.kinds == sorted(KINDS)
    for label in KINDS:
        model = KINDS[label].model
        rows = model._base_manager.count()
        linked = sum(ChainLink.objects.filter(kind=label).values_list("rows", flat=True))
        assert rows > 0 and linked == rows, label
    entries = PurchaseEntry.objects.count()
    assert entries > 1000
    # the ledger's chains are per province of origin, each written per committed batch (far fewer links than rows)
    ledger_chains = set(ChainLink.objects.filter(kind=LEDGER).values_list("chain", flat=True))
    provinces = {c[:2] for c in PurchaseEntry.objects.values_list("county_code", flat=True)}
    assert ledger_chains == {f"{LEDGER}/{p}" for p in provinces}
    assert ChainLink.objects.filter(kind=LEDGER).count() < entries / 2
    assert report.rows == sum(KINDS[k].model._base_manager.count() for k in KINDS)


# -- the purchase ledger: 3 tampers, 3 caught ---------------------------------------------------------------------
def test_an_amount_changed_in_sql_is_caught(demo_world, db):
    entry = PurchaseEntry.objects.order_by("id")[10]
    assert sql(f"UPDATE {table(PurchaseEntry)} SET amount_fen = amount_fen + 100 WHERE id = %s", [entry.pk]) == 1
    (finding,) = only(verify_integrity(kinds=[LEDGER]), CHANGED_ROW)
    assert (finding.kind, finding.object_id, finding.chain) == (LEDGER, entry.pk, chain_of(PurchaseEntry, entry.pk))
    assert f"#{entry.pk}" in finding.message and "changed" in finding.message


def test_an_entry_deleted_in_sql_is_caught(demo_world, db):
    entry = free_entry()
    assert sql(f"DELETE FROM {table(PurchaseEntry)} WHERE id = %s", [entry.pk]) == 1
    (finding,) = only(verify_integrity(kinds=[LEDGER]), MISSING_ROW)
    assert (finding.kind, finding.object_id, finding.chain) == (LEDGER, entry.pk, chain_of(PurchaseEntry, entry.pk))
    assert "deleted" in finding.message


def test_an_entry_inserted_in_sql_is_caught(demo_world, db):
    model = PurchaseEntry
    columns = [f.column for f in model._meta.concrete_fields if f.column not in {"id", "external_id"}]
    source = model.objects.filter(sign=1).order_by("id").first()
    listed = ", ".join(columns)
    sql(f"INSERT INTO {table(model)} ({listed}, external_id) SELECT {listed}, %s FROM {table(model)} WHERE id = %s",
        ["forged-1", source.pk])
    forged = model.objects.get(external_id="forged-1")
    (finding,) = only(verify_integrity(kinds=[LEDGER]), UNLINKED_ROW)
    assert (finding.kind, finding.object_id) == (LEDGER, forged.pk)
    assert finding.chain == f"{LEDGER}/{forged.county_code[:2]}" and "inserted directly" in finding.message


def test_a_changed_entry_fails_the_command_with_the_first_broken_link(demo_world, db):
    first, second = PurchaseEntry.objects.order_by("id")[20], PurchaseEntry.objects.order_by("id")[21]
    for entry in (first, second):
        sql(f"UPDATE {table(PurchaseEntry)} SET purchase_date = %s WHERE id = %s", ["2001-01-01", entry.pk])
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("verify_integrity", "--kind", LEDGER, stdout=out)
    assert caught.value.returncode == 1 and "integrity check failed" in str(caught.value)
    text = out.getvalue()
    assert f"BAD changed_row {LEDGER} #{first.pk}" in text
    assert "2 × changed_row" in text
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_integrity", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["ok"] is False and data["counts"] == {"changed_row": 2}


# -- the other chained kinds ---------------------------------------------------------------------------------------
def test_a_benefit_payment_changed_in_sql_is_caught(demo_world, db):
    payment = BenefitPayment.objects.order_by("id").first()
    sql(f"UPDATE {table(BenefitPayment)} SET amount_fen = %s WHERE id = %s", [payment.amount_fen * 10, payment.pk])
    (finding,) = only(verify_integrity(kinds=["linkage.benefitpayment"]), CHANGED_ROW)
    assert (finding.kind, finding.object_id) == ("linkage.benefitpayment", payment.pk)
    assert finding.chain == f"linkage.benefitpayment/{payment.entity_code[:2]}"


def test_a_benefit_payment_inserted_in_sql_is_caught(demo_world, db):
    model = BenefitPayment
    columns = [f.column for f in model._meta.concrete_fields if f.column not in {"id", "external_id"}]
    listed = ", ".join(columns)
    source = model.objects.filter(reverses=None).order_by("id").first()
    sql(f"INSERT INTO {table(model)} ({listed}, external_id) SELECT {listed}, %s FROM {table(model)} WHERE id = %s",
        ["forged-payment", source.pk])
    forged = model.objects.get(external_id="forged-payment")
    (finding,) = only(verify_integrity(kinds=["linkage.benefitpayment"]), UNLINKED_ROW)
    assert finding.object_id == forged.pk


def test_a_certification_decision_changed_in_sql_is_caught(demo_world, db):
    decision = Decision.objects.order_by("id").first()
    sql(f"UPDATE {table(Decision)} SET to_status = %s, reason = %s WHERE id = %s",
        ["approved", "approved after all", decision.pk])
    (finding,) = only(verify_integrity(kinds=["certification.decision"]), CHANGED_ROW)
    assert (finding.kind, finding.object_id, finding.chain) == (
        "certification.decision", decision.pk, "certification.decision/all")


def test_an_audit_entry_deleted_in_sql_is_caught(demo_world, db):
    entry = AuditEntry.objects.order_by("id")[3]
    sql(f"DELETE FROM {table(AuditEntry)} WHERE id = %s", [entry.pk])
    (finding,) = only(verify_integrity(kinds=["core.auditentry"]), MISSING_ROW)
    assert (finding.kind, finding.object_id) == ("core.auditentry", entry.pk)
    assert finding.chain == f"core.auditentry/{entry.object_type.split('.')[0]}"


def test_an_audit_entry_changed_in_sql_is_caught(demo_world, db):
    entry = AuditEntry.objects.exclude(after=None).order_by("id")[2]
    sql(f"UPDATE {table(AuditEntry)} SET actor_name = %s WHERE id = %s", ["someone else", entry.pk])
    (finding,) = only(verify_integrity(kinds=["core.auditentry"]), CHANGED_ROW)
    assert finding.object_id == entry.pk


# -- the links, the heads and the anchors -------------------------------------------------------------------------
def test_a_link_removed_from_the_end_of_a_chain_is_caught(demo_world, db):
    head = ChainHead.objects.filter(kind=LEDGER).order_by("-seq").first()
    last = ChainLink.objects.get(chain=head.chain, seq=head.seq)
    sql(f"DELETE FROM {table(ChainLink)} WHERE id = %s", [last.pk])
    report = verify_integrity(kinds=[LEDGER])
    # the rows of the removed link now have no link, and the head is past the last link
    assert report.counts[HEAD_MISMATCH] == 1 and report.counts[UNLINKED_ROW] == last.rows
    assert report.first[head.chain].code == HEAD_MISMATCH


def test_a_link_changed_in_the_middle_of_a_chain_is_caught(demo_world, db):
    link = ChainLink.objects.filter(kind=LEDGER, seq=2).order_by("id").first()
    sql(f"UPDATE {table(ChainLink)} SET digest = %s WHERE id = %s", ["f" * 64, link.pk])
    report = verify_integrity(kinds=[LEDGER])
    assert report.first[link.chain].code == BROKEN_LINK and report.first[link.chain].seq == 2


def _rewrite_consistently(model, pk: int) -> None:
    """What an operator who knows the algorithm does after changing a row: recompute the row's digest, its link
    and every later link of the chain, and the head — everything but the signed anchor."""
    kind = KINDS[model._meta.label_lower]
    values = model._base_manager.filter(pk=pk).values_list(*kind.fields).get()
    name = chain_of(model, pk)
    prev = chain.GENESIS
    for link in ChainLink.objects.filter(chain=name).order_by("seq"):
        members = [(m, kind.row_digest(m, values) if m == pk else d) for m, d in chain.unpack(bytes(link.members))]
        blob = chain.pack(members)
        import hashlib

        digest = chain.link_digest(prev_digest=prev, chain=name, seq=link.seq, kind=kind.label, rows=link.rows,
                                   members_sha=hashlib.sha256(blob).hexdigest())
        sql(f"UPDATE {table(ChainLink)} SET members = %s, prev_digest = %s, digest = %s WHERE id = %s",
            [blob, prev, digest, link.pk])
        prev = digest
    sql(f"UPDATE {table(ChainHead)} SET digest = %s WHERE chain = %s", [prev, name])


def test_a_chain_rewritten_consistently_is_caught_by_the_signed_anchor(demo_world, db):
    anchor = anchors.anchor_create(actor="test")
    assert verify_integrity().ok
    entry = PurchaseEntry.objects.order_by("id")[30]
    sql(f"UPDATE {table(PurchaseEntry)} SET amount_fen = 1 WHERE id = %s", [entry.pk])
    _rewrite_consistently(PurchaseEntry, entry.pk)
    assert verify_integrity(kinds=[LEDGER], anchors=False).ok  # the chain alone is consistent again...
    (finding,) = only(verify_integrity(kinds=[LEDGER]), ANCHOR_MISMATCH)  # ...but no longer reaches the anchor
    assert finding.chain == chain_of(PurchaseEntry, entry.pk) and f"#{anchor.pk}" in finding.message


def test_a_forged_anchor_signature_is_caught(demo_world, db):
    anchor = anchors.anchor_create(actor="test")
    assert verify_integrity().ok
    payload = json.loads(anchor.payload)
    payload["heads"] = payload["heads"][:-1]  # an anchor that "forgets" a chain, signed by another key
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = anchors.canonical_json(payload)
    forged = Ed25519PrivateKey.generate().sign(text.encode()).hex()
    sql(f"UPDATE {table(ChainAnchor)} SET payload = %s, signature = %s WHERE id = %s", [text, forged, anchor.pk])
    (finding,) = only(verify_integrity(), BAD_SIGNATURE)
    assert (finding.kind, finding.object_id) == ("core.chainanchor", anchor.pk)
    assert "signature" in finding.message


def test_an_exported_anchor_verifies_offline_and_a_changed_one_does_not(demo_world, db):
    out = io.StringIO()
    err = io.StringIO()
    call_command("anchor_integrity", "--format", "json", stdout=out, stderr=err)
    document = json.loads(out.getvalue())
    anchor = ChainAnchor.objects.get(pk=document["anchor_id"])
    heads = json.loads(document["payload"])["heads"]
    assert len(heads) == ChainHead.objects.filter(seq__gt=0).count() == anchor.chains
    assert anchors.verify_export(document)
    assert AuditEntry.objects.filter(action="integrity:anchor", object_id=str(anchor.pk)).exists()
    # offline: the Ed25519 signature over the exact payload, with the public key of the export
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(bytes.fromhex(document["public_key_hex"])).verify(
        bytes.fromhex(document["signature_hex"]), document["payload"].encode())
    changed = json.loads(document["payload"])
    changed["heads"][0]["digest"] = "0" * 64
    assert not anchors.verify_export({**document, "payload": anchors.canonical_json(changed)})
    other_key = Ed25519PrivateKey_hex()
    assert not anchors.verify_export(document, public_key_hex=other_key)
    # printable forms name the key, the payload's digest and every chain's head
    text = io.StringIO()
    call_command("anchor_integrity", "--export", str(anchor.pk), "--format", "text", stdout=text)
    assert anchor.key_id in text.getvalue() and heads[0]["chain"] in text.getvalue()
    html = io.StringIO()
    call_command("anchor_integrity", "--export", str(anchor.pk), "--format", "html", stdout=html)
    assert html.getvalue().startswith("<!DOCTYPE html>") and heads[0]["digest"] in html.getvalue()
    assert "<script" not in html.getvalue()


def Ed25519PrivateKey_hex() -> str:  # noqa: N802 - a test helper named after what it makes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def test_a_broken_chain_is_not_anchored(demo_world, db):
    entry = PurchaseEntry.objects.order_by("id")[40]
    sql(f"UPDATE {table(PurchaseEntry)} SET amount_fen = amount_fen * 2 WHERE id = %s", [entry.pk])
    before = ChainAnchor.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("anchor_integrity", stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 1 and ChainAnchor.objects.count() == before


def test_rows_written_before_the_chains_are_adopted_on_request_and_audited(demo_world, db):
    """An existing database gets the chains by migration: its older rows have no link until an administrator
    adopts them (`anchor_integrity --adopt-unlinked`), which is audited and then anchored."""
    model = PurchaseEntry
    columns = [f.column for f in model._meta.concrete_fields if f.column not in {"id", "external_id"}]
    listed = ", ".join(columns)
    source = model.objects.filter(sign=1).order_by("id").first()
    sql(f"INSERT INTO {table(model)} ({listed}, external_id) SELECT {listed}, %s FROM {table(model)} WHERE id = %s",
        ["older-1", source.pk])
    assert verify_integrity(kinds=[LEDGER]).counts == {UNLINKED_ROW: 1}
    call_command("anchor_integrity", "--adopt-unlinked", "--format", "json", stdout=io.StringIO(),
                 stderr=io.StringIO())
    assert verify_integrity().ok
    adopted = AuditEntry.objects.get(action="integrity:adopt")
    assert (adopted.object_type, adopted.after) == (LEDGER, {"rows": 1})
    # from now on the adopted row is protected like every other
    older = model.objects.get(external_id="older-1")
    sql(f"UPDATE {table(model)} SET amount_fen = amount_fen + 1 WHERE id = %s", [older.pk])
    (finding,) = only(verify_integrity(kinds=[LEDGER]), CHANGED_ROW)
    assert finding.object_id == older.pk
