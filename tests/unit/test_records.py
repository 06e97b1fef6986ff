from __future__ import annotations

import pytest

from agentsh.records import field, fields, record, replace


@record
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


def test_records_behave_like_frozen_dataclasses() -> None:
    point = Point(1)
    assert point == Point(1, 0)
    assert point != Point(2)
    assert repr(point) == "Point(x=1, y=0, tags=(), notes=[])"
    assert replace(point, y=5) == Point(1, 5)
    assert fields(point) == ("x", "y", "tags", "notes")
    with pytest.raises(AttributeError):
        point.x = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        replace(point, z=1)


def test_default_factories_are_fresh() -> None:
    first, second = Point(1), Point(1)
    first.notes.append("a")
    assert second.notes == []


@record
class Pair:
    left: str
    right: tuple[int, ...] = ()


def test_hashable_when_fields_are() -> None:
    assert len({Pair("a", (1,)), Pair("a", (1,)), Pair("b")}) == 2
