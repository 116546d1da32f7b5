"""Leadership's pure rules: orientation by body and region, objectives and figures per orientation, task checks,
progress in basis points, tags."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.leadership import rules
from fupin.leadership.enums import Orientation


@pytest.mark.parametrize(("kind", "code", "expected"), [
    ("government_department", "110000", Orientation.DEPARTMENT),
    ("provincial_government", "520000", Orientation.PRODUCING_AREA),   # Guizhou: central and western
    ("local_government", "522627", Orientation.PRODUCING_AREA),
    ("provincial_government", "330000", Orientation.CONSUMING_PLACE),  # Zhejiang: eastern
    ("provincial_government", "110000", Orientation.CONSUMING_PLACE),  # Beijing
])
def test_orientation_of(kind, code, expected):
    assert rules.orientation_of(body_kind=kind, region_code=code) == expected


def test_objectives_differ_by_orientation():
    producing = set(rules.OBJECTIVES[Orientation.PRODUCING_AREA])
    consuming = set(rules.OBJECTIVES[Orientation.CONSUMING_PLACE])
    assert not producing & consuming
    assert producing | consuming == set(rules.OBJECTIVES[Orientation.DEPARTMENT])
    assert rules.objective_errors(orientation="producing_area", kind="pairing", figure="", target=None)[0].code \
        == "wrong_orientation"
    assert rules.objective_errors(orientation="consuming_place", kind="pairing", figure="relations", target=3) == []
    assert [e.code for e in rules.objective_errors(orientation="consuming_place", kind="purchases", figure="",
                                                   target=5)] == ["required"]


@pytest.mark.parametrize(("deadline", "code"), [
    (dt.date(2024, 1, 1), None), (dt.date(2024, 12, 31), None), (dt.date(2023, 12, 31), "deadline_outside_year"),
    (dt.date(2025, 1, 1), "deadline_outside_year"), (None, "required"), ("2024-05-01", "required"),
])
def test_task_deadline_inside_the_year(deadline, code):
    errors = rules.task_errors(year=2024, title="t", deadline=deadline, figure="", target=None, measure=None,
                               measures={1, 2, 3, 4})
    assert [e.code for e in errors] == ([code] if code else [])


def test_progress_and_tags():
    assert rules.progress_bp(380_00, 1_000_00) == 3800
    assert rules.progress_bp(2_000, 1_000) == 10000
    assert rules.progress_bp(5, 0) is None and rules.progress_bp(5, None) is None
    assert rules.normalise_tags("Ａ，b、 b;c  d") == ["ａ", "b", "c", "d"]
    assert rules.normalise_tags(["x", "X "]) == ["x"]
