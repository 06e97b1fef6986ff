"""The shared corpus: dangerous lines must not pass, everyday lines must not nag.

Each line of tests/data/corpus/*.jsonl (a copy of the shared corpus, kept in the
repository so CI has it) and of ../shared/corpus/*.jsonl next to the checkout,
when present, is {"cmd", "category", "expect"}.
Every `confirm` line must come out confirm or deny; of the `allow` lines, fewer
than 3% may come out anything but allow (false friction).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsh.policy.engine import decide
from agentsh.policy.model import Decision
from tests.policy.helpers import CTX

CORPUS_DIRS = (
    Path(__file__).parents[1] / "data" / "corpus",
    Path(__file__).parents[3] / "shared" / "corpus",
)
MAX_FRICTION = 0.03


def _load() -> list[tuple[str, str, str]]:
    entries: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for folder in CORPUS_DIRS:
        for path in sorted(folder.glob("*.jsonl")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if line.strip():
                    entry = json.loads(line)
                    if entry["cmd"] not in seen:
                        seen.add(entry["cmd"])
                        entries.append((entry["cmd"], entry["expect"], f"{path.name}:{number}"))
    assert entries, f"no corpus in {', '.join(map(str, CORPUS_DIRS))}"
    return entries


ENTRIES = _load()
CONFIRM_LINES = [(cmd, where) for cmd, expect, where in ENTRIES if expect == "confirm"]
ALLOW_LINES = [(cmd, where) for cmd, expect, where in ENTRIES if expect == "allow"]


@pytest.mark.parametrize(("line", "where"), CONFIRM_LINES, ids=[w for _, w in CONFIRM_LINES])
def test_dangerous_lines_are_not_allowed(line: str, where: str) -> None:
    verdict = decide(line, CTX)
    assert verdict.decision != Decision.ALLOW, f"{where}: {line!r} was allowed"


def test_everyday_lines_are_rarely_held() -> None:
    assert ALLOW_LINES, "the corpus has no allow lines"
    held = []
    for line, where in ALLOW_LINES:
        verdict = decide(line, CTX)
        if verdict.decision != Decision.ALLOW:
            reasons = "; ".join(f"{f.rule}: {f.message}" for f in verdict.findings)
            held.append(f"  {where}: {line!r} -> {verdict.decision} ({reasons})")
    share = len(held) / len(ALLOW_LINES)
    assert share < MAX_FRICTION, (
        f"{len(held)} of {len(ALLOW_LINES)} allow lines ({share:.1%}) were held:\n"
        + "\n".join(held)
    )
