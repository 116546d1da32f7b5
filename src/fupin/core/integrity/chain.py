"""Appending to the chains: every committed batch of chained rows becomes one link per partition, in the batch's
own transaction (a rolled-back batch leaves no link; a link never exists without its rows).

A link packs, in id order, each row's id and the first 16 bytes of the SHA-256 of its canonical content
(`kinds.Kind.canonical`), and commits to its predecessor:

    digest = SHA-256(prev_digest ‖ chain ‖ seq ‖ kind ‖ rows ‖ SHA-256(members))

Writers of one chain are serialised by a lock on its head row (`ChainHead`, `SELECT … FOR UPDATE` on PostgreSQL;
SQLite's write transactions are serialised already); heads are locked in name order. The ledger's writers hold
their own lock already, so its chains add no waiting.

`FUPIN_INTEGRITY_CHAIN=0` (setting or environment) turns linking off: for the import benchmark's baseline only —
rows written so are reported by `verify_integrity` as not linked.
"""

from __future__ import annotations

import hashlib
import operator
import os
import struct
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .kinds import KINDS, ROW_DIGEST_BYTES, Kind
from .models import ChainHead, ChainLink

GENESIS = "0" * 64
MEMBER = struct.Struct(">q")  # a row id, followed by its ROW_DIGEST_BYTES
MEMBER_BYTES = MEMBER.size + ROW_DIGEST_BYTES
TIMINGS: defaultdict[str, float] = defaultdict(float)  # seconds spent linking in this process (benchmarks print it)


def enabled() -> bool:
    value = getattr(settings, "FUPIN_INTEGRITY_CHAIN", None)
    if value is None:
        value = os.environ.get("FUPIN_INTEGRITY_CHAIN", "1")
    return str(value).strip().lower() not in {"0", "false", "no", "off"}


def link_digest(*, prev_digest: str, chain: str, seq: int, kind: str, rows: int, members_sha: str) -> str:
    """A link's digest: SHA-256 of `prev|chain|seq|kind|rows|SHA-256(members)` (hex digests, UTF-8)."""
    text = f"{prev_digest}|{chain}|{seq}|{kind}|{rows}|{members_sha}"
    return hashlib.sha256(text.encode()).hexdigest()


def pack(members: Sequence[tuple[int, bytes]]) -> bytes:
    return b"".join(MEMBER.pack(pk) + digest for pk, digest in members)


def unpack(blob: bytes) -> list[tuple[int, bytes]]:
    out = []
    for i in range(0, len(blob) - MEMBER_BYTES + 1, MEMBER_BYTES):
        (pk,) = MEMBER.unpack_from(blob, i)
        out.append((pk, bytes(blob[i + MEMBER.size : i + MEMBER_BYTES])))
    return out


LINK_COLUMNS = "chain, seq, kind, first_id, last_id, rows, members, prev_digest, digest, created_at"


def _append(kind: Kind, by_partition: dict[str, list[tuple[int, bytes]]]) -> list[tuple[str, int, str]]:
    """One link per partition for the given (id, row digest) members, chained onto each partition's head."""
    if not by_partition:
        return []
    names = {kind.chain_name(p): p for p in by_partition}
    ordered = sorted(names)
    with transaction.atomic():
        heads = _locked_heads(ordered)
        missing = [c for c in ordered if c not in heads]
        if missing:  # a chain's first link: its head row, created once (a concurrent creator wins, we wait for it)
            ChainHead.objects.bulk_create([ChainHead(chain=c, kind=kind.label, seq=0, digest=GENESIS) for c in missing],
                                          ignore_conflicts=True)
            heads.update(_locked_heads(missing))
        now = timezone.now()
        at = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
        links, moved = [], []
        for chain in ordered:
            members = sorted(by_partition[names[chain]])
            seq0, prev = heads[chain]
            prev = prev or GENESIS
            blob = pack(members)
            seq = seq0 + 1
            digest = link_digest(prev_digest=prev, chain=chain, seq=seq, kind=kind.label, rows=len(members),
                                 members_sha=hashlib.sha256(blob).hexdigest())
            links.append((chain, seq, kind.label, members[0][0], members[-1][0], len(members), blob, prev, digest, at))
            moved.append((seq, digest, at, chain))
        # plain statements: the ORM's bulk_create and bulk_update cost more than the hashing of the rows
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {ChainLink._meta.db_table} ({LINK_COLUMNS}) VALUES "  # noqa: S608 - the model's table name and columns; values bound as %s
                               f"({', '.join(['%s'] * 10)})", links)
            cursor.executemany(f"UPDATE {ChainHead._meta.db_table} SET seq = %s, digest = %s, updated_at = %s "  # noqa: S608 - the model's table name; values bound as %s
                               "WHERE chain = %s", moved)
    return [(chain, seq, digest) for chain, seq, _k, _f, _l, _r, _b, _p, digest, _a in links]


def _locked_heads(chains: Sequence[str]) -> dict[str, tuple[int, str]]:
    """chain → (seq, digest) of the existing heads, locked for the rest of the transaction (PostgreSQL)."""
    return {c: (seq, digest) for c, seq, digest in ChainHead.objects.select_for_update().filter(chain__in=chains)
            .order_by("chain").values_list("chain", "seq", "digest")}


def link_rows(label: str, *, columns: Sequence[str], rows: Sequence[Sequence[Any]], ids: Sequence[int]
              ) -> list[tuple[str, int, str]]:
    """Link a batch of rows just written in bulk (the ledger's writer): `rows` hold the values in `columns` order
    as written, `ids` their new ids in the same order. Must run in the batch's transaction."""
    if not rows or not enabled():
        return []
    t0 = time.perf_counter()
    kind = KINDS[label]
    index = {name: i for i, name in enumerate(columns)}
    pick = operator.itemgetter(*[index[name] for name in kind.fields])
    by_partition: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
    at, part = kind.partition_index, kind.partition
    digest = kind.row_digest
    for pk, row in zip(ids, rows, strict=True):
        values = pick(row)
        by_partition[part(values[at])].append((pk, digest(pk, values, coerce=False)))
    links = _append(kind, by_partition)
    TIMINGS["link"] += time.perf_counter() - t0
    TIMINGS["rows"] += len(rows)
    return links


def link_objects(objs: Iterable[models.Model]) -> list[tuple[str, int, str]]:
    """Link model instances just created (payments, decisions, audit entries): one link per kind and partition.
    Must run in the transaction that created them."""
    if not enabled():
        return []
    groups: dict[str, dict[str, list[tuple[int, bytes]]]] = defaultdict(lambda: defaultdict(list))
    for obj in objs:
        kind = KINDS[obj._meta.label_lower]
        values = [getattr(obj, name) for name in kind.fields]
        partition = kind.partition(values[kind.partition_index])
        groups[kind.label][partition].append((int(obj.pk), kind.row_digest(obj.pk, values)))
    out: list[tuple[str, int, str]] = []
    for label in sorted(groups):
        out += _append(KINDS[label], groups[label])
    return out


def link_object(obj: models.Model) -> list[tuple[str, int, str]]:
    return link_objects([obj])


ADOPT_PAGE = 5_000


def linked_ids(label: str) -> set[int]:
    """Every row id the links of `label` record."""
    out: set[int] = set()
    ids = list(ChainLink.objects.filter(kind=label).order_by("id").values_list("id", flat=True))
    for i in range(0, len(ids), 200):
        for blob in ChainLink.objects.filter(id__in=ids[i : i + 200]).values_list("members", flat=True):
            out.update(pk for pk, _digest in unpack(bytes(blob)))
    return out


def adopt_unlinked(label: str) -> int:
    """Link the rows of `label` that no link records, as they are now, in id order (pages of ADOPT_PAGE rows, each
    its own transaction). For the first run after the chains were installed on an existing database (rows written
    before migration 0005) or after a load that bypassed the write path on purpose: whatever those rows hold at
    this moment is what the chain will vouch for, so the caller audits it. Returns the number of rows linked."""
    kind = KINDS[label]
    known = linked_ids(label)
    qs = kind.model._base_manager.order_by("pk").values_list("pk", *kind.fields)
    last, adopted = 0, 0
    while True:
        page = list(qs.filter(pk__gt=last)[:ADOPT_PAGE])
        if not page:
            return adopted
        last = page[-1][0]
        by_partition: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
        for row in page:
            pk, values = int(row[0]), row[1:]
            if pk in known:
                continue
            by_partition[kind.partition(values[kind.partition_index])].append(
                (pk, kind.row_digest(pk, values, coerce=False)))
            adopted += 1
        _append(kind, by_partition)
