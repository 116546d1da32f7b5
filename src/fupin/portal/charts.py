"""Server-rendered SVG charts: horizontal bars, stacked columns and lines. No JavaScript.

Every chart returns a `SafeString` holding one `<svg>` element that is valid XML. All text that comes
from data (labels, series names, titles) is escaped here, so callers pass plain strings. Each mark may
carry a link (`href`), so a figure on a chart opens the entries behind it (DESIGN rule 8), and a
`<title>` child that browsers show as a tooltip and screen readers read.

    bar_chart([Bar("Guizhou", 120_00, "/ledger/entries/?province=52")], title="By province", fmt=yuan)
    stacked_bar_chart(["2024", "2025"], [Series("direct", [5, 7]), Series("helped", [2, 3])], title=...)
    line_chart(["Jan", "Feb"], [Series("amount", [10, 12])], title=...)

`fmt` turns a value into the text shown (e.g. fen → yuan); `tick_fmt` does the same for axis ticks.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = int | float
Formatter = Callable[[Number], str]

PALETTE = ("#b3261e", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#57606a", "#cf222e", "#0a7b83", "#953800", "#6e7781")
FONT_PX = 11


@dataclass(frozen=True)
class Bar:
    label: str
    value: Number
    href: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]
    hrefs: Sequence[str] | None = None


def _plain(value: Number) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _esc(text: Any) -> str:
    """Escape for XML text and attribute values (quotes included)."""
    return str(escape(str(text)))


def _num(x: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, *, px: int = FONT_PX) -> float:
    """Approximate rendered width: wide (CJK) characters count a full em, others about 0.6 em."""
    return sum(px if ord(c) > 0x2E80 else px * 0.6 for c in text)


def truncate(text: str, max_px: float, *, px: int = FONT_PX) -> str:
    if text_width(text, px=px) <= max_px:
        return text
    out = ""
    for c in text:
        if text_width(out + c + "…", px=px) > max_px:
            break
        out += c
    return out + "…"


def nice_ticks(lo: float, hi: float, *, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (lo ≤ 0 ≤ hi expected for bar charts), 1-2-5 steps."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _chart_id(kind: str, *parts: Any) -> str:
    return f"c{kind[0]}" + hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:10]


def _open(kind: str, cid: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{cid}-t {cid}-d" '
        f'preserveAspectRatio="xMinYMin meet" '
        f'font-family="system-ui, \'Noto Sans CJK SC\', \'Microsoft YaHei\', sans-serif" font-size="{FONT_PX}">',
        f'<title id="{cid}-t">{_esc(title)}</title>',
        f'<desc id="{cid}-d">{_esc(desc)}</desc>',
        f'<text x="0" y="14" font-weight="600" font-size="13">{_esc(truncate(title, width, px=13))}</text>',
    ]


def _finish(parts: list[str]) -> SafeString:
    """The chart's markup. A chart whose marks link down to entries is a `group` (its links stay reachable and
    announced), not an `img`: an image's children are presentational, so links inside one are nested interactive
    controls that assistive technology cannot reach (axe: nested-interactive)."""
    svg = "".join(parts)
    if "<a " in svg:
        svg = svg.replace(' role="img" ', ' role="group" ', 1)
    return mark_safe(svg)  # noqa: S308 - every piece is escaped by the builders


def _empty(kind: str, title: str, width: int) -> SafeString:
    cid = _chart_id(kind, title, "empty")
    parts = _open(kind, cid, width, 60, title, _("No data."))
    parts.append(f'<text x="0" y="44" fill="#57606a">{_esc(_("No data."))}</text></svg>')
    return _finish(parts)


def _mark(shape: str, href: str, tip: str) -> str:
    """A shape with its tooltip, wrapped in a link when there is somewhere to go."""
    body = shape.replace("/>", f"><title>{_esc(tip)}</title></{shape.split()[0][1:]}>", 1)
    if href:
        return f'<a href="{_esc(href)}">{body}</a>'
    return body


def _legend(series: Sequence[Series], *, x: float, y: float, width: float) -> tuple[list[str], float]:
    """Legend swatches laid out in rows; returns the elements and the height used."""
    out: list[str] = []
    cx, cy = x, y
    for i, s in enumerate(series):
        label = truncate(s.name, 180)
        w = 16 + text_width(label) + 14
        if cx > x and cx + w > x + width:
            cx, cy = x, cy + 16
        out.append(f'<rect x="{_num(cx)}" y="{_num(cy)}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{_num(cx + 14)}" y="{_num(cy + 9)}">{_esc(label)}</text>')
        cx += w
    return out, (cy - y) + 18 if series else 0


def bar_chart(bars: Sequence[Bar], *, title: str, fmt: Formatter = _plain, width: int = 640, bar_height: int = 20,
              label_width: int | None = None, color: str = PALETTE[0]) -> SafeString:
    """Horizontal bars, one per category, with the value written after each bar. Negative values
    extend left of the zero line."""
    if not bars:
        return _empty("bar", title, width)
    labels = [str(b.label) for b in bars]
    lw = label_width or int(min(max(text_width(t) for t in labels) + 8, width * 0.35))
    value_texts = [fmt(b.value) for b in bars]
    vw = max(text_width(t) for t in value_texts) + 8
    plot_x, plot_w = lw, max(width - lw - vw, 40)
    lo = min(0, min(b.value for b in bars))
    hi = max(0, max(b.value for b in bars))
    span = (hi - lo) or 1
    top, gap = 26, 4

    def sx(v: float) -> float:
        return plot_x + (v - lo) / span * plot_w

    height = top + len(bars) * (bar_height + gap) + 4
    cid = _chart_id("bar", title, tuple((b.label, b.value) for b in bars))
    desc = "; ".join(f"{lab}: {txt}" for lab, txt in zip(labels, value_texts, strict=True))
    parts = _open("bar", cid, width, height, title, desc)
    zero = sx(0)
    for i, (b, label, txt) in enumerate(zip(bars, labels, value_texts, strict=True)):
        y = top + i * (bar_height + gap)
        x0, x1 = sorted((zero, sx(b.value)))
        parts.append(f'<text x="{_num(lw - 6)}" y="{_num(y + bar_height * 0.7)}" text-anchor="end">'
                     f'{_esc(truncate(label, lw - 8))}</text>')
        rect = (f'<rect x="{_num(x0)}" y="{_num(y)}" width="{_num(max(x1 - x0, 0.5))}" height="{bar_height}" '
                f'fill="{color}"/>')
        parts.append(_mark(rect, b.href, f"{label}: {txt}"))
        parts.append(f'<text x="{_num(x1 + 4)}" y="{_num(y + bar_height * 0.7)}">{_esc(txt)}</text>')
    parts.append(f'<line x1="{_num(zero)}" y1="{top - 2}" x2="{_num(zero)}" y2="{height - 2}" stroke="#57606a"/>')
    parts.append("</svg>")
    return _finish(parts)


def _axis(ticks: list[float], *, x: float, w: float, sy: Callable[[float], float], tick_fmt: Formatter) -> list[str]:
    out = []
    for t in ticks:
        y = sy(t)
        out.append(f'<line x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + w)}" y2="{_num(y)}" stroke="#d0d7de"/>')
        out.append(f'<text x="{_num(x - 4)}" y="{_num(y + 4)}" text-anchor="end">{_esc(tick_fmt(t))}</text>')
    return out


def _frame(categories: Sequence[str], series: Sequence[Series], *, title: str, width: int, height: int,
           tick_fmt: Formatter, stacked: bool) -> tuple[dict[str, Any], list[str]]:
    """Shared layout of column and line charts: the y axis, the category labels and the legend."""
    if stacked:
        pos = [sum(max(s.values[i], 0) for s in series) for i in range(len(categories))]
        neg = [sum(min(s.values[i], 0) for s in series) for i in range(len(categories))]
        hi, lo = max([0, *pos]), min([0, *neg])
    else:
        values = [v for s in series for v in s.values]
        hi, lo = max([0, *values]), min([0, *values])
    ticks = nice_ticks(lo, hi)
    lo_t, hi_t = ticks[0], ticks[-1]
    tick_w = max(text_width(tick_fmt(t)) for t in ticks) + 8
    legend, legend_h = _legend(series, x=tick_w, y=22, width=width - tick_w)
    top = 22 + legend_h + 6
    label_h = 18
    plot_x, plot_w = tick_w, width - tick_w - 8
    plot_h = max(height - top - label_h, 40)

    def sy(v: float) -> float:
        return top + (hi_t - v) / ((hi_t - lo_t) or 1) * plot_h

    step = plot_w / max(len(categories), 1)
    every = max(1, math.ceil(max(text_width(str(c)) for c in categories) / max(step - 4, 1))) if categories else 1
    parts = list(legend) + _axis(ticks, x=plot_x, w=plot_w, sy=sy, tick_fmt=tick_fmt)
    for i, c in enumerate(categories):
        if i % every:
            continue
        cx = plot_x + step * (i + 0.5)
        parts.append(f'<text x="{_num(cx)}" y="{_num(top + plot_h + 13)}" text-anchor="middle">'
                     f'{_esc(truncate(str(c), step * every - 2))}</text>')
    layout = {"sy": sy, "step": step, "plot_x": plot_x, "top": top, "plot_h": plot_h}
    return layout, parts


def _check_series(categories: Sequence[str], series: Sequence[Series]) -> None:
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(categories)} categories")
        if s.hrefs is not None and len(s.hrefs) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.hrefs)} links for {len(categories)} categories")


def stacked_bar_chart(categories: Sequence[str], series: Sequence[Series], *, title: str, fmt: Formatter = _plain,
                      tick_fmt: Formatter | None = None, width: int = 640, height: int = 280) -> SafeString:
    """Vertical columns, one per category, each stacked from the series (positive values up, negative down)."""
    _check_series(categories, series)
    if not categories or not series:
        return _empty("stacked", title, width)
    layout, frame = _frame(categories, series, title=title, width=width, height=height,
                           tick_fmt=tick_fmt or fmt, stacked=True)
    sy, step = layout["sy"], layout["step"]
    cid = _chart_id("stacked", title, tuple(categories), tuple((s.name, tuple(s.values)) for s in series))
    desc = "; ".join(f"{c}: " + ", ".join(f"{s.name} {fmt(s.values[i])}" for s in series) for i, c in enumerate(categories))
    parts = _open("stacked", cid, width, height, title, desc) + frame
    bw = min(max(step * 0.7, 1), 56)
    for i, c in enumerate(categories):
        x = layout["plot_x"] + step * i + (step - bw) / 2
        up = down = 0.0
        for k, s in enumerate(series):
            v = s.values[i]
            if not v:
                continue
            if v > 0:
                y0, y1 = sy(up + v), sy(up)
                up += v
            else:
                y0, y1 = sy(down), sy(down + v)
                down += v
            rect = (f'<rect x="{_num(x)}" y="{_num(y0)}" width="{_num(bw)}" height="{_num(max(y1 - y0, 0.5))}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"/>')
            href = s.hrefs[i] if s.hrefs else ""
            parts.append(_mark(rect, href, f"{c} · {s.name}: {fmt(v)}"))
    parts.append(f'<line x1="{_num(layout["plot_x"])}" y1="{_num(sy(0))}" x2="{_num(width - 8)}" y2="{_num(sy(0))}" '
                 f'stroke="#57606a"/>')
    parts.append("</svg>")
    return _finish(parts)


def line_chart(categories: Sequence[str], series: Sequence[Series], *, title: str, fmt: Formatter = _plain,
               tick_fmt: Formatter | None = None, width: int = 640, height: int = 260) -> SafeString:
    """One line per series over the categories (e.g. months), with a linked point per value."""
    _check_series(categories, series)
    if not categories or not series:
        return _empty("line", title, width)
    layout, frame = _frame(categories, series, title=title, width=width, height=height,
                           tick_fmt=tick_fmt or fmt, stacked=False)
    sy, step = layout["sy"], layout["step"]
    cid = _chart_id("line", title, tuple(categories), tuple((s.name, tuple(s.values)) for s in series))
    desc = "; ".join(f"{s.name}: " + ", ".join(f"{c} {fmt(v)}" for c, v in zip(categories, s.values, strict=True))
                     for s in series)
    parts = _open("line", cid, width, height, title, desc) + frame
    for k, s in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = [(layout["plot_x"] + step * (i + 0.5), sy(v)) for i, v in enumerate(s.values)]
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, (x, y) in enumerate(points):
            dot = f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{color}"/>'
            href = s.hrefs[i] if s.hrefs else ""
            parts.append(_mark(dot, href, f"{categories[i]} · {s.name}: {fmt(s.values[i])}"))
    parts.append("</svg>")
    return _finish(parts)
