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


def test_arguments_are_checked_like_a_dataclass() -> None:
    with pytest.raises(TypeError, match="missing required argument: 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positional"):
        Point(1, 2, (), [], 5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="repeated"):
        Point(1, x=2)  # type: ignore[misc]
    assert Point(y=4, x=1) == Point(1, 4)


def test_a_required_field_after_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="follows one with a default"):

        @record
        class Bad:
            a: int = 0
            b: int
