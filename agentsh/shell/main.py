"""`agentsh`: a drop-in for bash that runs every command in a sandbox.

Only shell behaviour lives behind this entry point; management verbs are
`agentshctl`'s, so no word an agent passes can be mistaken for one.
"""

from __future__ import annotations

import os
import sys

from agentsh import __version__
from agentsh.errors import AgentshError, ProfileError, SandboxUnavailable, UsageError
from agentsh.shell.args import parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from agentsh.shell.session import ShellSession

USAGE = """\
Usage: agentsh [bash options] [-c COMMAND [NAME [ARGS...]] | SCRIPT [ARGS...]]

agentsh runs bash inside a bubblewrap sandbox: secrets are hidden, the network is
off unless the profile allows it, and only the project and a private /tmp are
writable. It accepts bash's invocation options (-c, -l, -i, -s, -e, -x, -u,
-o OPTION, --login, --norc, --noprofile, ...) so an agent can use it wherever
it would use bash. Management commands live in `agentshctl` (try
`agentshctl doctor` and `agentshctl profile show`).
"""


def _say(message: str) -> None:
    sys.stderr.write(f"agentsh: {message}\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    try:
        invocation = parse(arguments)
    except UsageError as exc:
        _say(exc.message)
        return exc.exit_status
    if invocation.mode == "command" and len(invocation.operands) == 1 and argv is None:
        invocation = invocation.named(sys.argv[0])
    if invocation.mode == "version":
        return _version()
    if invocation.mode == "help":
        sys.stdout.write(USAGE)
        return 0
    from agentsh import supervisor

    if invocation.mode == "stdin":
        from agentsh.shell import repl

        return guarded(lambda: repl.start(invocation, os.environ, run_session_line))
    return guarded(lambda: supervisor.run(invocation, os.environ))


def run_session_line(session: ShellSession, line: str) -> int:
    """One line of a session; a line that fails to start reports why, and the session goes on."""
    from agentsh import supervisor
    from agentsh.shell.args import Invocation

    line_invocation = Invocation("command", short_options=("-c",), operands=(line,))
    session.signalled = None
    status = guarded(lambda: supervisor.run(line_invocation, os.environ, session))
    session.status = status
    _end_if_told_to(session)
    return status


def _end_if_told_to(session: ShellSession) -> None:
    """SIGTERM or SIGHUP while a command ran went to the command; the session then ends
    too, as a shell does (through its cleanup)."""
    import signal

    if session.signalled in (signal.SIGTERM, signal.SIGHUP):
        raise SystemExit(128 + session.signalled)


def guarded(action: Callable[[], int]) -> int:
    """Run `action`, turning every failure into one line and a status: never unsandboxed."""
    try:
        return action()
    except ProfileError as exc:
        _say(f"{exc.message} — the command did not run; fix the file (agentshctl profile show)")
        return exc.exit_status
    except SandboxUnavailable as exc:
        _say(
            f"cannot sandbox this command, so it did not run: {exc.message}. "
            "Run `agentshctl doctor` for a fix."
        )
        return exc.exit_status
    except AgentshError as exc:
        _say(f"{exc.message} — the command did not run")
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # fail closed: never fall back to running unsandboxed
        _say(f"internal error, the command did not run: {type(exc).__name__}: {exc}")
        return 126


def _version() -> int:
    import subprocess

    try:
        bash = subprocess.run(
            ["/bin/bash", "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()
    except OSError:
        bash = []
    first = bash[0] if bash else "GNU bash (not found)"
    sys.stdout.write(f"{first}\nagentsh {__version__}: runs that bash in a bubblewrap sandbox\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
