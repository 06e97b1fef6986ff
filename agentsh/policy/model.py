"""The data the policy engine works on: simple commands in, findings and a decision out.

Everything here is plain, frozen data so that the engine stays pure: the caller
(the supervisor, `agentshctl check`, an agent hook) reads whatever the rules need
from the world and hands it over in a `Context`.
"""

from __future__ import annotations

import enum

from agentsh.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Literal

    StdinKind = Literal["inherit", "pipe", "heredoc", "herestring", "file"]


class Decision(enum.IntEnum):
    """Ordered by strictness, so `max()` over findings gives the line's decision."""

    ALLOW = 0
    CONFIRM = 1
    DENY = 2

    def __str__(self) -> str:
        return self.name.lower()


@record
class Stdin:
    """Where a simple command's standard input comes from.

    `text` is the content when it is statically known: a here-doc body, a
    here-string, the output of `echo`/`printf` piped in, or a file's text the
    caller supplied in `Context.files`. `None` means unknown at analysis time.
    """

    kind: StdinKind
    text: str | None = None
    source: str = ""
    dynamic: bool = False
    """True when `text` contains parts the shell expands at run time (`$X`,
    `$(...)` in an unquoted here-doc or here-string): the program reads something
    else than `text` shows, and a shell reading it may run injected code."""


@record
class SimpleCommand:
    """One simple command after quote removal and wrapper unwrapping.

    `argv[0]` is the program as written after normalisation (`/bin/rm`, `rm`);
    `program` is its basename (`rm`), which is what analyzers dispatch on.
    Words whose value is not static (`$DIR`, `$(...)`, globs are static text)
    keep their source text in `argv` and their index is listed in `dynamic`.
    """

    argv: tuple[str, ...]
    text: str = ""
    dynamic: frozenset[int] = frozenset()
    stdin: Stdin = Stdin("inherit")
    extra_args_unknown: bool = False
    """True when more arguments are appended at run time (`xargs rm`, `find -exec rm {} +`)."""
    via: tuple[tuple[str, ...], ...] = ()
    """argv of each wrapper that led here, outermost first (`("sudo",)`, `("find", ".", "-exec", ...)`)."""
    remote: str | None = None
    """Where the command runs when not here: an ssh host, a container, a pod."""
    env: tuple[tuple[str, str], ...] = ()
    """Leading `NAME=value` assignments (and `env NAME=value`)."""

    @property
    def program(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]

    def is_static(self, index: int) -> bool:
        return index not in self.dynamic

    @property
    def display(self) -> str:
        return self.text or " ".join(self.argv)

    @classmethod
    def of(cls, *argv: str, **kwargs: object) -> SimpleCommand:
        """Build a command from already-split words (tests and adapters)."""
        return cls(argv=tuple(argv), **kwargs)  # type: ignore[arg-type]


@record
class Context:
    """What the rules may know about the world, read by the caller beforehand."""

    cwd: str = "/"
    project_root: str = "/"
    home: str = "/root"
    tmp_dirs: tuple[str, ...] = ("/tmp",)
    """Directories private to one sandboxed invocation; deleting in them is harmless."""
    writable: tuple[str, ...] = ()
    """Directories outside the project the profile makes writable (sandbox.writable)."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Absolute path -> text, for files a command reads (`psql -f x.sql`, `source env.sh`)."""
    tracked_secrets: tuple[str, ...] = ()
    """Project-relative paths that git tracks and agentsh hides: masking the work tree
    cannot hide their committed contents from git."""


@record
class Finding:
    """One reason a command is not simply allowed.

    `message` is one line of plain words a human reads in the confirm prompt,
    e.g. "psql would run DROP TABLE customers on db.internal".
    """

    rule: str
    decision: Decision
    command: str
    message: str
    target: str | None = None
    grants: tuple[str, ...] = ()
    """Hosts (or env names) an approved run of this command may be given."""


@record
class Verdict:
    decision: Decision
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "decision": str(self.decision),
            "reasons": [
                {"rule": f.rule, "command": f.command, "message": f.message}
                | ({"target": f.target} if f.target else {})
                for f in self.findings
            ],
        }


def finding(
    rule: str,
    cmd: SimpleCommand,
    message: str,
    decision: Decision = Decision.CONFIRM,
    target: str | None = None,
    grants: tuple[str, ...] = (),
) -> Finding:
    """Shorthand the family modules use to report on `cmd`."""
    where = f" (on {cmd.remote})" if cmd.remote and cmd.remote not in message else ""
    return Finding(rule, decision, cmd.display, message + where, target, grants)
