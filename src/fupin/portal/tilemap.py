"""A tile grid map of the 31 provinces, drawn on the server as SVG (no JavaScript, no inline style).

Each province is one square tile (`<rect class="tile shade-N" data-province="52">`) at its place on the grid
(`fupin.public.provinces`), shaded by its amount in `BANDS` equal bands of the largest amount: `shade-0` no counted
purchases, `shade-1` … `shade-5` up to a fifth, … up to the largest; `shade-x` a suppressed figure (a group below
the minimum size). The colours are presentation attributes (and classes for the style sheet); each tile links to
the province's page and carries a `<title>` (name and amount) that browsers show as a tooltip and screen readers
read; a legend explains the bands. Built with the escaping helpers of `charts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from fupin.public.provinces import PROVINCE_LIST

from .charts import FONT_PX, _chart_id, _esc, _num, truncate

BANDS = 5
FILLS = {"x": "#d0d7de", 0: "#f6f8fa", 1: "#fde0dc", 2: "#f9b4ab", 3: "#f0857a", 4: "#d9534a", 5: "#b3261e"}
TILE, GAP, TOP = 66, 4, 26
COLS, ROWS = 8, 8


def shade(amount: int | None, largest: int, *, suppressed: bool = False) -> str:
    """The band of an amount: 'x' (suppressed), '0' (nothing), '1' … '5' (equal fifths of the largest)."""
    if suppressed or amount is None:
        return "x"
    if amount <= 0 or largest <= 0:
        return "0"
    return str(min(BANDS, max(1, math.ceil(BANDS * amount / largest))))


def tile_map(amounts: Mapping[str, int | None], *, title: str, labels: Mapping[str, str], names: Mapping[str, str],
             fmt: Callable[[int], str], hrefs: Mapping[str, str] | None = None,
             suppressed: frozenset[str] | set[str] = frozenset()) -> SafeString:
    """`amounts`: two-digit province code → amount (fen; missing: none counted; None: suppressed)."""
    hrefs = hrefs or {}
    shown = [a for c, a in amounts.items() if a is not None and c not in suppressed]
    largest = max(shown, default=0)
    step = TILE + GAP
    width = COLS * step
    legend_top = TOP + ROWS * step + 8
    height = legend_top + 4 * 20
    cid = _chart_id("map", title, tuple(sorted((c, a) for c, a in amounts.items())))
    described = [f"{names.get(p.code, p.code)}: " + (
        _("suppressed") if (p.code in suppressed or (p.code in amounts and amounts[p.code] is None))
        else fmt(amounts.get(p.code) or 0)) for p in PROVINCE_LIST]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tilemap" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="group" aria-labelledby="{cid}-t {cid}-d" preserveAspectRatio="xMinYMin meet" '
        f'font-family="system-ui, \'Noto Sans CJK SC\', \'Microsoft YaHei\', sans-serif" font-size="{FONT_PX}">',
        f'<title id="{cid}-t">{_esc(title)}</title>',
        f'<desc id="{cid}-d">{_esc("; ".join(described))}</desc>',
        f'<text x="0" y="14" font-weight="600" font-size="13">{_esc(truncate(title, width, px=13))}</text>',
    ]
    for p in PROVINCE_LIST:
        amount = amounts.get(p.code, 0)
        band = shade(amount, largest, suppressed=p.code in suppressed or (p.code in amounts and amount is None))
        x, y = p.col * step, TOP + p.row * step
        name = names.get(p.code, p.code)
        value = _("suppressed") if band == "x" else fmt(amount or 0)
        ink = "#ffffff" if band in ("4", "5") else "#1f2328"
        tip = f'<title>{_esc(name)}: {_esc(value)}</title>'
        href = hrefs.get(p.code, "")
        tile = [
            f'<rect class="tile shade-{band}" data-province="{p.code}" x="{x}" y="{y}" width="{TILE}" '
            f'height="{TILE}" rx="4" fill="{FILLS[band if band == "x" else int(band)]}" stroke="#ffffff">'
            f'{"" if href else tip}</rect>',
            f'<text class="tile-label" x="{_num(x + TILE / 2)}" y="{_num(y + TILE / 2 + 4)}" text-anchor="middle" '
            f'fill="{ink}" aria-hidden="true">{_esc(truncate(labels.get(p.code, p.code), TILE - 6))}</text>',
        ]
        if href:
            # the link is named by its <title> (name and amount, also the tooltip), not by aria-label: an
            # aria-label that does not contain the tile's visible abbreviation fails WCAG 2.5.3 (label in name)
            parts.append(f'<a href="{_esc(href)}">{tip}{"".join(tile)}</a>')
        else:
            parts.append("".join(tile))
    # legend: the bands, nothing counted, suppressed
    entries = [("0", _("none"))]
    for i in range(1, BANDS + 1):
        low, high = largest * (i - 1) // BANDS, largest * i // BANDS
        entries.append((str(i), f"{fmt(low)} – {fmt(high)}" if largest else "–"))
    entries.append(("x", _("suppressed (small group)")))
    parts.append(f'<g class="legend" aria-label="{_esc(_("Legend"))}">')
    lx, ly = 0.0, float(legend_top)
    for band, label in entries:
        w = 16 + min(len(label) * FONT_PX * 0.62, 190) + 14
        if lx > 0 and lx + w > width:
            lx, ly = 0.0, ly + 20
        fill = FILLS[band if band == "x" else int(band)]
        parts.append(f'<rect class="swatch shade-{band}" x="{_num(lx)}" y="{_num(ly)}" width="12" height="12" '
                     f'fill="{fill}" stroke="#57606a"/>')
        parts.append(f'<text x="{_num(lx + 16)}" y="{_num(ly + 10)}">{_esc(truncate(label, 190))}</text>')
        lx += w
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
