"""Build `SimpleCommand`s from plain command lines for family-module unit tests.

These tests exercise one family's `classify()` directly; the parser and the
wrapper unwrapping have their own tests that go through the whole engine.
"""

from __future__ import annotations

import shlex

from agentsh.policy.model import Context, Decision, Finding, SimpleCommand, Stdin

CTX = Context(cwd="/home/dev/app", project_root="/home/dev/app", home="/home/dev")


def cmd(line: str, *, stdin: Stdin | None = None, **kwargs: object) -> SimpleCommand:
    words = shlex.split(line)
    dynamic = frozenset(i for i, w in enumerate(words) if "$" in w)
    return SimpleCommand(
        argv=tuple(words),
        text=line,
        dynamic=dynamic,
        stdin=stdin or Stdin("inherit"),
        **kwargs,  # type: ignore[arg-type]
    )


def decision_of(findings: list[Finding]) -> Decision:
    return max((f.decision for f in findings), default=Decision.ALLOW)
