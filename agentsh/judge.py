"""Ask the pure policy engine about a command line, supplying what it needs from the world.

The engine does no I/O; this module reads for it: the files a command would
feed to a database client or a shell (never a hidden one), and turns the
profile's rules into the engine's. `agentsh` and `agentshctl check` share it.
"""

from __future__ import annotations

import os

from agentsh.paths import SANDBOX_TMP
from agentsh.policy.engine import ProfileRule, analyse, decide
from agentsh.policy.model import Context, Decision, Finding, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from agentsh.profile.model import Profile
    from agentsh.sandbox.secrets import Hidden

MAX_FILE_BYTES = 1 << 20
"""Files larger than this are not read for the policy; the rules treat them as unseen."""
MAX_READ_ROUNDS = 3
"""A file can name more files (`source a` sourcing `b`); follow that far."""


def profile_rules(profile: Profile) -> tuple[ProfileRule, ...]:
    return tuple(
        ProfileRule(
            match=rule.match,
            decision=Decision[rule.decision.upper()],
            reason=rule.reason,
            origin=rule.origin,
            target=rule.target,
        )
        for rule in profile.rules
    )


def is_hidden(path: str, hidden: Iterable[Hidden]) -> bool:
    return any(item.hides(path) for item in hidden)


def read_for_policy(path: str, hidden: Iterable[Hidden], project_root: str) -> str | None:
    """A file's text, unless it is hidden, not a regular file, too large or unreadable.

    A path under /tmp outside the project names the sandbox's private /tmp,
    not the host's, so the host file there is not what the command would read.
    """
    in_project = path.startswith(project_root.rstrip("/") + "/")
    if (path.startswith(SANDBOX_TMP + "/") and not in_project) or is_hidden(path, hidden):
        return None
    real = os.path.realpath(path)
    if real != path and is_hidden(real, hidden):
        return None
    try:
        with open(path, "rb") as handle:
            if not os.path.isfile(path) or os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                return None
            return handle.read().decode("utf-8", "surrogateescape")
    except OSError:
        return None


def judge(
    line: str,
    cwd: str,
    project_root: str,
    home: str,
    profile: Profile,
    hidden: Iterable[Hidden] = (),
    files: dict[str, str] | None = None,
    tracked_secrets: tuple[str, ...] = (),
) -> Verdict:
    """The verdict on `line`, after reading the files it would feed to a client or a shell.

    Most lines need no file, so they are analysed once; a line that names files
    is analysed again with their text, up to MAX_READ_ROUNDS times. The texts
    read are left in `files`, so that the supervisor can run on those copies.
    """
    hidden = tuple(hidden)
    rules = profile_rules(profile)
    if files is None:
        files = {}
    unreadable: set[str] = set()
    writable = _writable_roots(profile, home)
    for _ in range(MAX_READ_ROUNDS + 1):
        ctx = Context(
            cwd=cwd,
            project_root=project_root,
            home=home,
            tmp_dirs=(SANDBOX_TMP,),
            writable=writable,
            files=files,
            tracked_secrets=tracked_secrets,
        )
        try:
            analysis = analyse(line, ctx, rules)
        except Exception:
            return decide(line, ctx, rules)
        wanted = [p for p in analysis.wanted if p not in files and p not in unreadable]
        if not wanted:
            break
        for path in wanted:
            text = read_for_policy(path, hidden, project_root)
            if text is None and _absent_for_good(path, project_root, writable):
                text = ""
            if text is None:
                unreadable.add(path)
            else:
                files[path] = text
    return analysis.verdict


def _absent_for_good(path: str, project_root: str, writable: tuple[str, ...]) -> bool:
    """A file that does not exist where the sandbox cannot write: sourcing it only fails
    (`[ -r ~/.bashrc ] && . ~/.bashrc` on a machine without one), so it reads as empty.
    Where the command could create it first (the project, /tmp, writable roots), it
    stays unseen."""
    if os.path.lexists(path):
        return False
    places = (project_root, SANDBOX_TMP, *writable)
    return not any(path == root or path.startswith(root.rstrip("/") + "/") for root in places)


def _writable_roots(profile: Profile, home: str) -> tuple[str, ...]:
    from agentsh.paths import expand_home

    return tuple(
        os.path.normpath(expand_home(raw, home))
        for raw in profile.sandbox.writable
        if os.path.isabs(expand_home(raw, home))
    )


def unreadable_script(path: str) -> Verdict:
    return Verdict(
        Decision.CONFIRM,
        (
            Finding(
                "engine.unseen-script",
                Decision.CONFIRM,
                path,
                f"agentsh cannot read the script {path} to check what it runs",
            ),
        ),
    )


def blocked_line(verdict: Verdict, how: str | None = None) -> str:
    """The one stderr line for a command the policy stopped (DESIGN: `agentsh: blocked: …`).

    `how` replaces the default advice (what the human answered, or how to ask).
    """
    shown = [f for f in verdict.findings if f.decision == verdict.decision] or list(
        verdict.findings
    )
    first = shown[0]
    reason = _one_line(first.message)
    more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
    if verdict.decision == Decision.DENY:
        how = "agentsh never runs this, even with approval"
    elif how is None:
        how = (
            "a human can approve it by running it themselves, or allow this exact command "
            "shape with a rule in .agentsh.yaml (agentshctl check shows why)"
        )
    return f"agentsh: blocked: {reason}{more} [rule {first.rule}]; {how}"


def _one_line(text: str) -> str:
    cleaned = "".join(char if char.isprintable() else " " for char in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= 300 else cleaned[:297] + "…"
