"""One invocation's audit entry, filled in as the supervisor goes.

Fields (in this order in the line, after `seq` and `prev`): time (UTC, ISO
8601), mode, command, cwd, project, profile (hash), decision, findings,
approval ({channel, answer, tried}), outcome (ran, approved, blocked, denied,
error, unsandboxed, lost), status, duration_s, cpu_s, peak_rss (bytes), pid,
parent, and error when something failed.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from agentsh.approve.request import Answer
    from agentsh.policy.model import Verdict
    from agentsh.sandbox.launch import Outcome

MAX_COMMAND_CHARS = 256 * 1024
"""Longer command texts are cut in the log; `command_sha256` identifies the whole."""


def iso_time(seconds: float) -> str:
    whole = int(seconds)
    millis = int((seconds - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


class Entry:
    def __init__(self, mode: str):
        self.started = time.monotonic()
        self.marker: str | None = None
        self.recorded = False
        self.data: dict[str, Any] = {
            "time": iso_time(time.time()),
            "mode": mode,
            "command": None,
            "cwd": None,
            "project": None,
            "profile": None,
            "decision": None,
            "findings": [],
            "approval": None,
            "outcome": None,
            "status": None,
            "duration_s": None,
            "cpu_s": None,
            "peak_rss": None,
            "pid": os.getpid(),
            "parent": os.getppid(),
        }

    def place(self, cwd: str, project: str) -> None:
        self.data["cwd"] = cwd
        self.data["project"] = project

    def command(self, text: str | None, script: str | None) -> None:
        if text is None:
            self.data["command"] = None
            self.data["script"] = script
            return
        if len(text) > MAX_COMMAND_CHARS:
            from agentsh.audit.log import sha256_hex

            self.data["command_sha256"] = sha256_hex(text.encode("utf-8", "surrogateescape"))
            text = text[:MAX_COMMAND_CHARS]
            self.data["command_truncated"] = True
        self.data["command"] = text
        if script:
            self.data["script"] = script

    def verdict(self, verdict: Verdict) -> None:
        self.data["decision"] = str(verdict.decision)
        self.data["findings"] = [
            {
                "rule": f.rule,
                "decision": str(f.decision),
                "command": f.command,
                "message": f.message,
                **({"target": f.target} if f.target else {}),
            }
            for f in verdict.findings
        ]

    def approval(self, answer: Answer) -> None:
        self.data["approval"] = {
            "channel": answer.channel,
            "answer": answer.answer,
            "tried": list(answer.tried),
        }

    def ran(self, outcome: Outcome) -> None:
        if self.data["outcome"] is None:
            self.data["outcome"] = "ran"
        if outcome.setup_failed is not None:
            self.data["outcome"] = "error"
            self.data["error"] = outcome.setup_failed
        self.data["status"] = outcome.status
        self.data["cpu_s"] = outcome.cpu_seconds
        self.data["peak_rss"] = outcome.peak_rss

    def failed(self, message: str) -> None:
        self.data["outcome"] = "error"
        self.data["error"] = message
        self.data["status"] = 126

    def pending(self, folder: str) -> str | None:
        """Leave a marker so that the entry is logged even if agentsh is killed while running."""
        from agentsh.audit.log import Pending

        try:
            return Pending(folder).mark(self.snapshot())
        except OSError:
            return None

    def snapshot(self) -> dict[str, Any]:
        data = dict(self.data)
        data["duration_s"] = round(time.monotonic() - self.started, 4)
        return data

    def finish(self) -> dict[str, Any]:
        return self.snapshot()
