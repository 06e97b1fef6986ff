"""What a human is asked to approve, and what they answered.

A `Request` is built by the supervisor from the line it holds and the
verdict on it; the channels only show it and carry an answer back. The
command that runs is the supervisor's copy, never anything a channel returns.
"""

from __future__ import annotations

import os

from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from agentsh.policy.model import Verdict

RUN = "run"
DENY = "deny"
TIMEOUT = "timeout"
CLOSED = "closed"
"""The console went away (closed or crashed) before answering: deny."""
INTERRUPTED = "interrupted"
"""agentsh itself was told to stop while waiting: deny."""
UNAVAILABLE = "unavailable"
"""No channel could reach a human: deny."""


@record
class Reason:
    rule: str
    decision: str
    command: str
    message: str
    target: str | None = None


@record
class Request:
    id: str
    command: str
    cwd: str
    project: str
    decision: str
    reasons: tuple[Reason, ...]
    pid: int
    asked_by: str
    """The program that started agentsh (the agent), as `name (pid N)`."""
    time: float
    pinned: tuple[str, ...] = ()
    """Files the verdict read (a script, an SQL file): they run as read now."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "command": self.command,
            "cwd": self.cwd,
            "project": self.project,
            "decision": self.decision,
            "reasons": [
                {
                    "rule": r.rule,
                    "decision": r.decision,
                    "command": r.command,
                    "message": r.message,
                    "target": r.target,
                }
                for r in self.reasons
            ],
            "pid": self.pid,
            "asked_by": self.asked_by,
            "time": self.time,
            "pinned": list(self.pinned),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Request:
        """Rebuild a request received by the console; raises ValueError when malformed."""
        try:
            reasons = tuple(
                Reason(
                    str(r["rule"]),
                    str(r["decision"]),
                    str(r["command"]),
                    str(r["message"]),
                    None if r.get("target") is None else str(r["target"]),
                )
                for r in data["reasons"]
            )
            return cls(
                id=str(data["id"]),
                command=str(data["command"]),
                cwd=str(data["cwd"]),
                project=str(data["project"]),
                decision=str(data["decision"]),
                reasons=reasons,
                pid=int(data["pid"]),
                asked_by=str(data["asked_by"]),
                time=float(data["time"]),
                pinned=tuple(str(p) for p in data.get("pinned", ())),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed approval request: {exc}") from exc


@record
class Answer:
    channel: str
    """tty, console or none."""
    answer: str
    """run, deny, timeout, closed, interrupted or unavailable."""
    tried: tuple[str, ...] = ()
    """Why channels earlier in the list were passed over."""

    @property
    def approved(self) -> bool:
        return self.answer == RUN


def build(
    verdict: Verdict, command: str, cwd: str, project: str, pinned: tuple[str, ...] = ()
) -> Request:
    import time

    shown = [f for f in verdict.findings if f.decision == verdict.decision] or list(
        verdict.findings
    )
    return Request(
        id=os.urandom(6).hex(),
        command=command,
        cwd=cwd,
        project=project,
        decision=str(verdict.decision),
        reasons=tuple(
            Reason(f.rule, str(f.decision), f.command, f.message, f.target) for f in shown
        ),
        pid=os.getpid(),
        asked_by=parent_description(),
        time=time.time(),
        pinned=pinned,
    )


def parent_description() -> str:
    """`name (pid N)` of agentsh's parent: usually the agent that ran it."""
    ppid = os.getppid()
    try:
        with open(f"/proc/{ppid}/comm", encoding="utf-8", errors="replace") as handle:
            name = handle.read().strip()
    except OSError:
        name = "?"
    return f"{name} (pid {ppid})"
