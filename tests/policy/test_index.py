from __future__ import annotations

from pathlib import Path

from agentsh.policy import engine, index_build
from agentsh.policy.model import Context


def test_the_program_index_matches_the_family_modules() -> None:
    current = (Path(index_build.__file__).parent / "index.py").read_text()
    assert current == index_build.render(), "stale index: run scripts/policy-index"


def test_families_load_only_when_a_command_uses_them() -> None:
    registry = engine.LazyRegistry({"git": ("git",), "psql": ("databases",)}, {})
    engine.decide("ls -la | head -3 && echo done", Context(), registry=registry)
    assert registry.loaded == ()
    engine.decide("git status", Context(), registry=registry)
    assert registry.loaded == ("git",)


def test_a_family_that_cannot_load_confirms_what_it_owns() -> None:
    registry = engine.LazyRegistry({"danger": ("no_such_family",)}, {})
    verdict = engine.decide("danger now", Context(), registry=registry)
    assert str(verdict.decision) == "confirm"
    assert verdict.findings[0].rule == "engine.internal-error"
    assert "no_such_family" in verdict.findings[0].message
    assert str(engine.decide("ls", Context(), registry=registry).decision) == "allow"
