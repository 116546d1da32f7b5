"""Verification: recompute every chain from the rows and the links, and check the signed anchors.

For each chained kind, one pass reads the rows in id order (pages by id, no server-side cursor) and the links in
the order of their first row id, merging the two:

- a row whose content no longer hashes to what its link recorded was **changed**;
- an id a link recorded that is no longer in the table was **deleted**;
- a row that no link records was **inserted** outside the platform's write path (or while chaining was off);

then each chain is replayed from the genesis digest: a link whose predecessor digest, position or own digest does
not follow is **broken** (a link row changed, removed or forged); the head the writers keep must be the last link;
and every anchor's signature (the platform's Ed25519 key) and every head it recorded must still be reached — a
chain rewritten wholesale, or cut short at its end, no longer reaches the digest signed before.

The report keeps, per chain, the first finding (lowest position) and counts every finding by kind.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fupin.core import signing

from .chain import GENESIS, MEMBER, MEMBER_BYTES, link_digest
from .kinds import KINDS, Kind
from .models import ChainAnchor, ChainHead, ChainLink

ROW_PAGE = 5_000
LINK_PAGE = 200

CHANGED_ROW = "changed_row"
MISSING_ROW = "missing_row"
UNLINKED_ROW = "unlinked_row"
BROKEN_LINK = "broken_link"
MISSING_LINK = "missing_link"
HEAD_MISMATCH = "head_mismatch"
ANCHOR_MISMATCH = "anchor_mismatch"
BAD_SIGNATURE = "bad_signature"


@dataclass(frozen=True)
class Finding:
    code: str
    kind: str              # the model label, e.g. ledger.purchaseentry ("core.chainanchor" for anchors)
    chain: str
    seq: int | None        # the link's position in its chain (None: no link)
    object_id: int | None  # the row's id (the anchor's id for anchor findings)
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "kind": self.kind, "chain": self.chain, "seq": self.seq,
                "object_id": self.object_id, "message": self.message}


@dataclass
class IntegrityReport:
    kinds: list[str] = field(default_factory=list)
    chains: int = 0
    links: int = 0
    rows: int = 0
    anchors: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    first: dict[str, Finding] = field(default_factory=dict)  # chain → its first finding

    @property
    def ok(self) -> bool:
        return not self.counts

    @property
    def findings(self) -> list[Finding]:
        return sorted(self.first.values(), key=lambda f: (f.chain, f.seq if f.seq is not None else 1 << 62,
                                                          f.object_id or 0))

    def add(self, finding: Finding) -> None:
        self.counts[finding.code] += 1
        current = self.first.get(finding.chain)
        if current is None or _order(finding) < _order(current):
            self.first[finding.chain] = finding

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "kinds": self.kinds, "chains": self.chains, "links": self.links, "rows": self.rows,
                "anchors": self.anchors, "counts": dict(sorted(self.counts.items())),
                "findings": [f.as_dict() for f in self.findings]}


def _order(f: Finding) -> tuple[int, int]:
    return (f.seq if f.seq is not None else 1 << 62, f.object_id or 0)


@dataclass
class _Link:
    id: int
    chain: str
    seq: int
    first_id: int
    last_id: int
    rows: int
    prev_digest: str
    digest: str
    members_sha: str = ""
    damaged: bool = False


def _rows(kind: Kind) -> Iterator[tuple[Any, ...]]:
    qs = kind.model._base_manager.order_by("pk").values_list("pk", *kind.fields)
    last: int | None = None
    while True:
        page = list((qs.filter(pk__gt=last) if last is not None else qs)[:ROW_PAGE])
        if not page:
            return
        yield from page
        last = page[-1][0]


def _check_rows(kind: Kind, links: list[_Link], report: IntegrityReport) -> None:
    """Merge the rows (id order) with the links' member lists (first id order)."""
    by_first = sorted(links, key=lambda lk: (lk.first_id, lk.id))
    pending: dict[int, tuple[_Link, bytes]] = {}
    heap: list[int] = []
    members_cache: dict[int, bytes] = {}
    li = 0

    def load_members(start: int) -> None:
        ids = [lk.id for lk in by_first[start : start + LINK_PAGE]]
        members_cache.clear()
        members_cache.update((pk, bytes(blob)) for pk, blob in ChainLink.objects.filter(id__in=ids)
                             .values_list("id", "members"))

    def open_until(row_id: float) -> None:
        nonlocal li
        while li < len(by_first) and by_first[li].first_id <= row_id:
            if by_first[li].id not in members_cache:
                load_members(li)
            link = by_first[li]
            blob = members_cache.pop(link.id, b"")
            link.members_sha = hashlib.sha256(blob).hexdigest()
            previous = None
            well_formed = len(blob) == link.rows * MEMBER_BYTES and link.rows > 0
            for i in range(0, len(blob) - MEMBER_BYTES + 1, MEMBER_BYTES):
                (pk,) = MEMBER.unpack_from(blob, i)
                if previous is not None and pk <= previous:
                    well_formed = False
                previous = pk
                if pk in pending:  # the same row in two links: one of them is forged
                    well_formed = False
                    continue
                pending[pk] = (link, blob[i + MEMBER.size : i + MEMBER_BYTES])
                heapq.heappush(heap, pk)
            if not well_formed or previous is None or MEMBER.unpack_from(blob, 0)[0] != link.first_id \
                    or previous != link.last_id:
                link.damaged = True
            li += 1

    def missing_before(row_id: float) -> None:
        while heap and heap[0] < row_id:
            pk = heapq.heappop(heap)
            entry = pending.pop(pk, None)
            if entry is not None:
                link = entry[0]
                report.add(Finding(MISSING_ROW, kind.label, link.chain, link.seq, pk, _(
                    "%(kind)s #%(id)s is missing: link %(seq)s of chain %(chain)s records it, the table no longer "
                    "has it (deleted).") % {"kind": kind.label, "id": pk, "seq": link.seq, "chain": link.chain}))

    for row in _rows(kind):
        pk, values = int(row[0]), row[1:]
        report.rows += 1
        open_until(pk)
        missing_before(pk)
        entry = pending.pop(pk, None)
        if entry is None:
            chain = kind.chain_name(kind.partition(values[kind.partition_index]))
            report.add(Finding(UNLINKED_ROW, kind.label, chain, None, pk, _(
                "%(kind)s #%(id)s has no link: it was written outside the platform's write path (inserted "
                "directly).") % {"kind": kind.label, "id": pk}))
            continue
        link, recorded = entry
        if kind.row_digest(pk, values, coerce=False) != recorded:
            report.add(Finding(CHANGED_ROW, kind.label, link.chain, link.seq, pk, _(
                "%(kind)s #%(id)s was changed after it was written: its content no longer matches link %(seq)s "
                "of chain %(chain)s.") % {"kind": kind.label, "id": pk, "seq": link.seq, "chain": link.chain}))
    open_until(float("inf"))
    missing_before(float("inf"))


def _check_chains(kind: Kind, links: list[_Link], report: IntegrityReport, digests: dict[tuple[str, int], str]
                  ) -> None:
    """Replay every chain of the kind from the genesis digest; compare the writers' heads."""
    by_chain: dict[str, list[_Link]] = defaultdict(list)
    for link in links:
        by_chain[link.chain].append(link)
    heads = {h.chain: h for h in ChainHead.objects.filter(kind=kind.label)}
    for chain in sorted(set(by_chain) | set(heads)):
        chain_links = sorted(by_chain.get(chain, []), key=lambda lk: lk.seq)
        report.chains += 1
        prev, expected = GENESIS, 1
        for link in chain_links:
            if link.seq != expected:
                report.add(Finding(MISSING_LINK, kind.label, chain, expected, None, _(
                    "Chain %(chain)s: link %(seq)s is missing (the next one is %(next)s): links were deleted.")
                    % {"chain": chain, "seq": expected, "next": link.seq}))
            recomputed = link_digest(prev_digest=prev, chain=chain, seq=link.seq, kind=kind.label, rows=link.rows,
                                     members_sha=link.members_sha)
            if link.damaged or link.prev_digest != prev or link.digest != recomputed:
                report.add(Finding(BROKEN_LINK, kind.label, chain, link.seq, link.first_id, _(
                    "Chain %(chain)s: link %(seq)s does not follow from its predecessor (a link was changed, "
                    "removed or forged).") % {"chain": chain, "seq": link.seq}))
            digests[(chain, link.seq)] = recomputed
            prev, expected = recomputed, link.seq + 1
        head = heads.get(chain)
        last_seq = chain_links[-1].seq if chain_links else 0
        if head is None or head.seq != last_seq or (head.digest or GENESIS) != prev:
            report.add(Finding(HEAD_MISMATCH, kind.label, chain, last_seq + 1, None, _(
                "Chain %(chain)s: the head kept by the writers (position %(head)s) is not the last link "
                "(position %(last)s): links were removed from its end or the head was changed.")
                % {"chain": chain, "head": head.seq if head is not None else "—", "last": last_seq}))


def _check_anchors(report: IntegrityReport, digests: dict[tuple[str, int], str], kinds: set[str]) -> None:
    raw_key = signing.public_key_raw()
    key_id = signing.key_id()
    for anchor in ChainAnchor.objects.order_by("id"):
        report.anchors += 1
        chain_name = f"core.chainanchor/{anchor.pk}"
        payload = anchor.payload.encode()
        try:
            signature = bytes.fromhex(anchor.signature)
        except ValueError:
            signature = b""
        if anchor.key_id != key_id or not signing.verify_with(raw_key, payload, signature) \
                or hashlib.sha256(payload).hexdigest() != anchor.payload_sha256:
            report.add(Finding(BAD_SIGNATURE, "core.chainanchor", chain_name, None, anchor.pk, _(
                "Anchor #%(id)s of %(at)s: the signature does not verify with the platform's key %(key)s (forged "
                "or changed anchor).") % {"id": anchor.pk, "at": anchor.at.isoformat(timespec="seconds"),
                                          "key": key_id}))
            continue
        for head in json.loads(anchor.payload).get("heads", []):
            if head.get("kind") not in kinds:
                continue
            found = digests.get((head["chain"], int(head["seq"])))
            if found != head["digest"]:
                report.add(Finding(ANCHOR_MISMATCH, head["kind"], head["chain"], int(head["seq"]), None, _(
                    "Chain %(chain)s no longer reaches the head signed in anchor #%(id)s (position %(seq)s): the "
                    "chain was rewritten or cut short.") % {"chain": head["chain"], "id": anchor.pk,
                                                           "seq": head["seq"]}))


def verify_integrity(*, kinds: Iterable[str] | None = None, anchors: bool = True) -> IntegrityReport:
    """Recompute every chain (of `kinds`, default all) and check the anchors; a report with the first finding of
    each chain. Reads only."""
    labels = sorted(kinds) if kinds is not None else sorted(KINDS)
    report = IntegrityReport(kinds=labels)
    digests: dict[tuple[str, int], str] = {}
    for label in labels:
        kind = KINDS[label]
        links = [_Link(*row) for row in ChainLink.objects.filter(kind=label).values_list(
            "id", "chain", "seq", "first_id", "last_id", "rows", "prev_digest", "digest")]
        report.links += len(links)
        _check_rows(kind, links, report)
        _check_chains(kind, links, report, digests)
    if anchors:
        _check_anchors(report, digests, set(labels))
    return report
