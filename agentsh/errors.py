"""The few exceptions agentsh raises, mapped to exit statuses at the entry points.

Every message is one line a human (or the agent relaying it) can act on: what
went wrong and what to do about it.
"""

from __future__ import annotations


class AgentshError(Exception):
    """Base class; `exit_status` is what the entry point exits with."""

    exit_status = 126

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(AgentshError):
    """Bad command-line usage (bash's own status for this is 2)."""

    exit_status = 2


class ProfileError(AgentshError):
    """A profile cannot be used; the command does not run."""

    def __init__(self, path: str, line: int | None, key: str | None, problem: str) -> None:
        where = f"{path}:{line}" if line else path
        what = f" {key}:" if key else ""
        one_line = " ".join(problem.split())
        super().__init__(f"profile error: {where}:{what} {one_line}")
        self.path = path
        self.line = line
        self.key = key
        self.problem = problem


class SandboxUnavailable(AgentshError):
    """The sandbox cannot be built here; the command does not run."""


class AuditError(AgentshError):
    """The audit log cannot be written; the command does not run."""


class UnmaskableSecret(AgentshError):
    """A hidden file is readable under a name agentsh cannot find; the command does not run."""
