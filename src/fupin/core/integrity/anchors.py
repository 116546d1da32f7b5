"""Anchors: the head of every chain at one moment, signed with the platform's Ed25519 key (`fupin.core.signing`),
exported for auditors (JSON to check by program, text or HTML to print and file).

The signed payload is canonical JSON (sorted keys, no spaces, UTF-8):

    {"algorithm":"Ed25519","at":"…","format":"fupin-integrity-anchor/1","heads":[{"chain":…,"digest":…,
     "kind":…,"seq":…},…],"key_id":"…"}

An auditor who keeps an export can later check, without the platform, that the signature holds for the published
key (`verify_export`, or `openssl pkeyutl -verify -rawin`), and — with `fupin verify_integrity` run on the
platform — that every chain still reaches the signed heads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from fupin.core import audit, signing

from .models import ChainAnchor, ChainHead

FORMAT = "fupin-integrity-anchor/1"
EXPORT_FORMAT = "fupin-integrity-anchor-export/1"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def anchor_create(*, actor: Any, now: dt.datetime | None = None) -> ChainAnchor:
    """Sign the current head of every chain; the anchor is stored (append-only) and audited."""
    now = now or timezone.now()
    with transaction.atomic():
        heads = [{"chain": c, "kind": k, "seq": s, "digest": d} for c, k, s, d in
                 ChainHead.objects.filter(seq__gt=0).order_by("chain").values_list("chain", "kind", "seq", "digest")]
        key_id = signing.key_id()
        payload = canonical_json({"format": FORMAT, "algorithm": "Ed25519", "at": now.isoformat(), "key_id": key_id,
                                  "heads": heads})
        data = payload.encode()
        anchor = ChainAnchor.objects.create(
            at=now, key_id=key_id, public_key=signing.public_key_raw().hex(), payload=payload,
            payload_sha256=hashlib.sha256(data).hexdigest(), signature=signing.sign(data).hex(), chains=len(heads),
            actor_name=audit.actor_of(actor)[1][:150])
        audit.record(actor=actor, action="integrity:anchor", obj=anchor,
                     after={"chains": len(heads), "payload_sha256": anchor.payload_sha256, "key_id": key_id})
    return anchor


def export_json(anchor: ChainAnchor) -> dict[str, Any]:
    """The anchor as an auditor keeps it: the exact signed payload, its signature and the public key."""
    return {
        "format": EXPORT_FORMAT, "anchor_id": anchor.pk, "at": anchor.at.isoformat(), "algorithm": "Ed25519",
        "key_id": anchor.key_id, "public_key_hex": anchor.public_key,
        "public_key_pem": _pem(bytes.fromhex(anchor.public_key)), "payload": anchor.payload,
        "payload_sha256": anchor.payload_sha256, "signature_hex": anchor.signature, "chains": anchor.chains,
    }


def _pem(raw: bytes) -> str:
    return Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def verify_export(document: dict[str, Any], *, public_key_hex: str | None = None) -> bool:
    """Whether an exported anchor is genuine: the signature holds over the payload for the given public key (the
    published one; by default the key named in the document, whose id must match its fingerprint)."""
    try:
        raw = bytes.fromhex(public_key_hex or document["public_key_hex"])
        payload = str(document["payload"]).encode()
        signature = bytes.fromhex(document["signature_hex"])
        named = json.loads(payload)
    except (KeyError, ValueError, TypeError):
        return False
    if signing.key_id_of(raw) != document.get("key_id") or named.get("key_id") != document.get("key_id"):
        return False
    if hashlib.sha256(payload).hexdigest() != document.get("payload_sha256"):
        return False
    return signing.verify_with(raw, payload, signature)


def _groups(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _lines(hex_text: str, width: int = 64) -> list[str]:
    return [_groups(hex_text[i : i + width]) for i in range(0, len(hex_text), width)]


def export_text(anchor: ChainAnchor) -> str:
    """A printable page: what was signed, by which key, the signature; each chain's head."""
    heads = json.loads(anchor.payload)["heads"]
    out = [
        _("Integrity anchor #%(id)s") % {"id": anchor.pk},
        "=" * 72,
        _("Time: %(at)s") % {"at": anchor.at.isoformat(timespec="seconds")},
        _("Algorithm: Ed25519; key id: %(key)s") % {"key": anchor.key_id},
        _("Public key (hex): %(key)s") % {"key": _groups(anchor.public_key)},
        _("SHA-256 of the signed payload: %(sha)s") % {"sha": _groups(anchor.payload_sha256)},
        _("Signature (hex):"),
        *("  " + line for line in _lines(anchor.signature)),
        "",
        _("%(n)s chains (chain, position, head digest):") % {"n": len(heads)},
    ]
    for head in heads:
        out.append(f"  {head['chain']:<40} {head['seq']:>8}  {head['digest']}")
    out += ["", _("To check offline: keep the JSON export; its “payload” is the signed text (UTF-8, no final newline). "
                  "openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in payload.txt -sigfile signature.bin"), ""]
    return "\n".join(out)


def export_html(anchor: ChainAnchor) -> str:
    """The printable page as a standalone HTML document (no script, no external resource)."""
    heads = json.loads(anchor.payload)["heads"]
    rows = "".join(f"<tr><td>{escape(h['chain'])}</td><td>{int(h['seq'])}</td><td><code>{escape(h['digest'])}"
                   f"</code></td></tr>" for h in heads)
    title = escape(_("Integrity anchor #%(id)s") % {"id": anchor.pk})
    facts = [
        (_("Time"), anchor.at.isoformat(timespec="seconds")),
        (_("Algorithm"), "Ed25519"),
        (_("Key id"), anchor.key_id),
        (_("Public key (hex)"), _groups(anchor.public_key)),
        (_("SHA-256 of the signed payload"), _groups(anchor.payload_sha256)),
        (_("Signature (hex)"), " ".join(_lines(anchor.signature))),
    ]
    dl = "".join(f"<dt>{escape(k)}</dt><dd><code>{escape(v)}</code></dd>" for k, v in facts)
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
            f"<h1>{title}</h1><dl>{dl}</dl><table><thead><tr><th>{escape(_('Chain'))}</th>"
            f"<th>{escape(_('Position'))}</th><th>{escape(_('Head digest'))}</th></tr></thead><tbody>{rows}</tbody>"
            f"</table><h2>{escape(_('Signed payload'))}</h2><pre>{escape(anchor.payload)}</pre></body></html>\n")
