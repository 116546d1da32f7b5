"""The server-rendered SVG charts: valid XML, escaped text, linked marks, sensible scales."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fupin.portal import charts

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & \'q\''


def parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def all_text(root: ET.Element) -> str:
    return " ".join(t for el in root.iter() for t in [el.text or ""])


def test_bar_chart_is_valid_svg_with_one_linked_rect_per_bar():
    svg = charts.bar_chart(
        [charts.Bar("贵州省", 120_000, "/ledger/entries/?province=52&year=2025"), charts.Bar("Hebei", 30_000, "")],
        title="By province", fmt=lambda v: f"{v / 100:,.2f}",
    )
    root = parse(svg)
    assert root.get("role") == "group"  # its bars are links: a group, not an image (whose children are hidden)
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["/ledger/entries/?province=52&year=2025"]
    rects = root.findall(f".//{SVG}rect")
    assert len(rects) == 2
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] == pytest.approx(widths[1] * 4, rel=0.01)  # proportional to the values
    assert "1,200.00" in all_text(root)
    # tooltips name the category and the formatted value
    assert rects[0].find(f"{SVG}title").text == "贵州省: 1,200.00"


def test_labels_titles_and_links_are_escaped():
    svg = str(charts.bar_chart([charts.Bar(EVIL, 5, '/x?a="1"&b=<2>')], title=EVIL))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == EVIL  # the parser gives back the original text
    assert root.find(f".//{SVG}a").get("href") == '/x?a="1"&b=<2>'
    for chart in (
        charts.stacked_bar_chart(["2024", EVIL], [charts.Series(EVIL, [1, 2], ["/a", "/b?<"])], title=EVIL),
        charts.line_chart([EVIL, "b"], [charts.Series(EVIL, [1, 2])], title=EVIL),
    ):
        assert "<script>" not in str(chart)
        parse(chart)


def test_negative_bars_extend_left_of_the_zero_line():
    root = parse(charts.bar_chart([charts.Bar("a", 100), charts.Bar("reversed", -50)], title="t"))
    pos, neg = root.findall(f".//{SVG}rect")
    zero = float(root.find(f"{SVG}line").get("x1"))
    assert float(pos.get("x")) == pytest.approx(zero, abs=0.11)
    assert float(neg.get("x")) + float(neg.get("width")) == pytest.approx(zero, abs=0.11)


def test_stacked_columns_stack_series_and_link_each_segment():
    root = parse(charts.stacked_bar_chart(
        ["2024", "2025"],
        [charts.Series("direct", [300, 100], ["/d24", "/d25"]), charts.Series("helped", [100, 0], ["/h24", "/h25"])],
        title="Direct vs helped",
    ))
    hrefs = [a.get("href") for a in root.findall(f".//{SVG}a")]
    assert hrefs == ["/d24", "/h24", "/d25"]  # column by column; a zero value draws nothing
    rects = {a.get("href"): a.find(f"{SVG}rect") for a in root.findall(f".//{SVG}a")}
    h = {k: float(r.get("height")) for k, r in rects.items()}
    assert h["/d24"] == pytest.approx(3 * h["/h24"], rel=0.01)
    # the helped segment sits on top of the direct one
    assert float(rects["/h24"].get("y")) + h["/h24"] == pytest.approx(float(rects["/d24"].get("y")), abs=0.2)
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "direct" in legend and "helped" in legend


def test_line_chart_draws_a_polyline_per_series_with_linked_points():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    root = parse(charts.line_chart(
        months, [charts.Series("amount", list(range(12)), [f"/m{m}" for m in range(12)]), charts.Series("b", [5] * 12)],
        title="By month",
    ))
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert len(root.findall(f".//{SVG}a")) == 12
    assert len(root.findall(f".//{SVG}circle")) == 24
    ys = [float(c.get("cy")) for c in root.findall(f".//{SVG}a/{SVG}circle")]
    assert ys == sorted(ys, reverse=True)  # rising values go up the page


@pytest.mark.parametrize("make", [
    lambda: charts.bar_chart([], title="Empty"),
    lambda: charts.stacked_bar_chart([], [], title="Empty"),
    lambda: charts.line_chart(["a"], [], title="Empty"),
])
def test_empty_charts_say_no_data(make):
    root = parse(make())
    assert "No data." in all_text(root)


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError):
        charts.stacked_bar_chart(["a", "b"], [charts.Series("s", [1])], title="t")
    with pytest.raises(ValueError):
        charts.line_chart(["a"], [charts.Series("s", [1], ["/x", "/y"])], title="t")


@pytest.mark.parametrize(("lo", "hi"), [(0, 1), (0, 7), (0, 987_654), (-3, 7), (0, 0.3), (0, 12_345_678_900)])
def test_nice_ticks_cover_the_range_in_even_steps(lo, hi):
    ticks = charts.nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    assert 2 <= len(ticks) <= 12


def test_long_labels_are_truncated_but_kept_whole_in_the_tooltip():
    long = "一个非常非常长的单位名称用于测试截断" * 3
    root = parse(charts.bar_chart([charts.Bar(long, 1)], title="t", width=400))
    shown = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("一")]
    assert shown and shown[0].endswith("…") and len(shown[0]) < len(long)
    assert root.find(f".//{SVG}rect/{SVG}title").text.startswith(long)
