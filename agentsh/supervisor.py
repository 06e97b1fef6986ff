"""The one place that orchestrates a command: profile, decide, confine, run, record.

Everything the sandbox needs is resolved here into plain values (paths that
exist, an environment, an argv) and handed to the sandbox modules, which do
not look anything up themselves.
"""

from __future__ import annotations

import os
import sys

from agentsh import paths
from agentsh import profile as profiles
from agentsh.errors import AgentshError, AuditError, SandboxUnavailable
from agentsh.paths import SANDBOX_TMP
from agentsh.policy.model import Decision, Verdict
from agentsh.profile.model import Profile
from agentsh.records import record
from agentsh.sandbox import bwrap as bwraps
from agentsh.sandbox.discovery import hidden_paths as hidden_paths  # re-exported
from agentsh.sandbox.environment import sandbox_environment
from agentsh.sandbox.launch import (
    REAL_STDERR_FD,
    SECCOMP_FD,
    STATUS_FD,
    Launch,
    Outcome,
    close_inherited_fds,
    setsid_binary,
    terminal_mode,
    write_all,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from agentsh.approve.request import Answer
    from agentsh.audit.log import AuditLog, Entry
    from agentsh.net import Session
    from agentsh.net.namespace import Child
    from agentsh.sandbox.nested_git import Snapshot
    from agentsh.sandbox.secrets import Hidden
    from agentsh.shell.args import Invocation
    from agentsh.shell.session import ShellSession

NOTICE = (
    "hidden by agentsh: this file may hold secrets, so commands run through agentsh "
    "cannot read or change it. If the task needs it, ask the user; they can reveal it "
    "with secrets.reveal in their agentsh profile (see: agentshctl profile show).\n"
)

BLOCKED = 126
UNSAFE_PROJECT_ROOTS = frozenset({"/", "/tmp", "/var/tmp", "/dev/shm", "/home", "/root"})


@record
class Workspace:
    cwd: str
    project_root: str
    project_writable: bool
    dirs: paths.Dirs


def bash_binary() -> str:
    for candidate in ("/bin/bash", "/usr/bin/bash"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise SandboxUnavailable("no bash at /bin/bash or /usr/bin/bash to run the command with")


def workspace(environ: Mapping[str, str]) -> Workspace:
    try:
        cwd = os.getcwd()
    except OSError as exc:
        raise SandboxUnavailable(
            f"the working directory is gone ({exc.strerror}); cd somewhere that exists"
        ) from exc
    dirs = paths.dirs(environ)
    root = paths.project_root(cwd)
    home = os.path.realpath(dirs.home)
    writable = not (
        root in UNSAFE_PROJECT_ROOTS or root == home or home.startswith(root.rstrip("/") + "/")
    )
    return Workspace(cwd, root, writable, dirs)


def load_profile(space: Workspace) -> Profile:
    profile = profiles.load(profiles.discover(space.cwd, space.dirs), space.dirs)
    if profile.ignored:
        files = sorted({item.split(": ", 1)[0] for item in profile.ignored})
        what = "; ".join(item.split(": ", 1)[1] for item in profile.ignored)
        sys.stderr.write(
            f"agentsh: note: ignoring what the untrusted {', '.join(files)} would loosen "
            f"({what}); a human can accept it with `agentshctl trust`\n"
        )
    return profile


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def mounts_for(
    space: Workspace,
    profile: Profile,
    hidden: list[Hidden],
    tmp_dir: str,
    scaffold: tuple[str, str],
    new_session: bool = True,
    pinned: tuple[tuple[str, str], ...] = (),
    network: str | None = None,
    seccomp_fd: int | None = None,
    results: tuple[str, ...] = (),
) -> bwraps.Mounts:
    home = space.dirs.home
    writable = [space.project_root] if space.project_writable else []
    for raw in profile.sandbox.writable:
        path = paths.expand_home(raw, home)
        if os.path.isdir(path) and path not in writable:
            writable.append(path)
    read_only = []
    if space.project_writable:
        for relative in profile.sandbox.protected:
            path = os.path.join(space.project_root, relative)
            if os.path.lexists(path) and os.path.exists(path):
                read_only.append(path)
    home_hidden = profile.sandbox.home == "hidden"
    home_visible = tuple(
        path
        for path in (paths.expand_home(raw, home) for raw in profile.sandbox.home_visible)
        if os.path.exists(path)
    )
    visible_roots = (*writable, *home_visible)
    emptied = sorted((item for item in hidden if item.emptied), key=lambda h: len(h.path))
    masks = _effective_masks(
        [item for item in hidden if not item.emptied],
        visible_roots,
        home if home_hidden else None,
    )
    masked_dirs = tuple(item.path for item in masks if item.is_dir)
    read_only = [path for path in read_only if not _under(path, masked_dirs)]
    anchors = _anchors(space.project_root, read_only) if space.project_writable else ()
    return bwraps.Mounts(
        cwd=space.cwd,
        tmp_dir=tmp_dir,
        writable=tuple(writable),
        read_only=tuple(read_only),
        anchors=tuple(path for path in anchors if not _under(path, masked_dirs)),
        hidden=tuple(masks),
        notice_file=scaffold[0],
        empty_dir=scaffold[1],
        home=home,
        home_hidden=home_hidden,
        home_visible=home_visible,
        emptied=tuple(emptied),
        network=network or profile.network.mode,
        new_session=new_session,
        pinned=pinned,
        seccomp_fd=seccomp_fd,
        results=results,
    )


def _anchors(project_root: str, protected: list[str]) -> tuple[str, ...]:
    """The directories between the project root and each protected path.

    A protected file is a read-only mount, but its directory is not: renaming
    `.git` (or `.vscode`) away and making a new one would put hooks where the
    host's tools run them. Bound onto themselves, these directories become
    mount points, which cannot be renamed or removed, while staying writable.
    """
    root = project_root.rstrip("/") + "/"
    anchors: list[str] = []
    for path in protected:
        if not path.startswith(root):
            continue
        parts = path[len(root) :].split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = root + "/".join(parts[:depth])
            if folder not in anchors and os.path.isdir(folder) and not os.path.islink(folder):
                anchors.append(folder)
    return tuple(anchors)


def _effective_masks(
    hidden: list[Hidden], visible_roots: tuple[str, ...], hidden_home: str | None
) -> list[Hidden]:
    """Drop masks the sandbox could not see anyway, and masks inside masked directories.

    bwrap would otherwise create mount points for them inside read-only or
    private directories, which fails or litters the host. Sorted by components,
    everything inside a directory comes right after it, so only the last masked
    directory needs checking.
    """
    result: list[Hidden] = []
    covered = "\0"
    for item in sorted(set(hidden), key=lambda h: h.path.split("/")):
        path = item.path
        if path == covered or path.startswith(covered + "/"):
            continue
        if _under(path, (SANDBOX_TMP,)) and not _under(path, visible_roots):
            continue
        if hidden_home and _under(path, (hidden_home,)) and not _under(path, visible_roots):
            continue
        if not os.path.exists(path):
            continue
        result.append(item)
        if item.is_dir:
            covered = path.rstrip("/")
    return result


def ensure_scaffold(dirs: paths.Dirs) -> tuple[str, str]:
    """The notice file and the empty directory mounted over hidden files and directories."""
    folder = dirs.scaffold
    notice = os.path.join(folder, "notice")
    empty = os.path.join(folder, "empty")
    try:
        if os.path.getsize(notice) == len(NOTICE.encode()) and os.path.isdir(empty):
            return notice, empty
    except OSError:
        pass
    paths.ensure_private_dir(folder)
    os.makedirs(empty, mode=0o755, exist_ok=True)
    temporary = f"{notice}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(NOTICE)
    os.chmod(temporary, 0o444)
    os.replace(temporary, notice)
    return notice, empty


def private_tmp(environ: Mapping[str, str]) -> str:
    base = environ.get("TMPDIR", "")
    if not (os.path.isabs(base) and os.path.isdir(base)):
        base = "/tmp"
    for _ in range(100):
        path = os.path.join(base, f"agentsh-{os.getuid()}-{os.getpid()}-{os.urandom(4).hex()}")
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue
    raise SandboxUnavailable(f"cannot create a private temporary directory in {base}")


def remove_tree(path: str) -> None:
    """Delete a directory tree without following symlinks (the sandbox wrote into it)."""
    try:
        for _top, folders, files, top_fd in os.fwalk(path, topdown=False):
            for name in files:
                os.unlink(name, dir_fd=top_fd)
            for name in folders:
                try:
                    os.rmdir(name, dir_fd=top_fd)
                except NotADirectoryError:
                    os.unlink(name, dir_fd=top_fd)
        os.rmdir(path)
    except OSError:
        pass


def fixed_environment(profile: Profile, environ: Mapping[str, str], bash: str) -> dict[str, str]:
    fixed = {"SHELL": bash, "AGENTSH": "1", "TMPDIR": SANDBOX_TMP}
    if "PWD" in environ:
        fixed["PWD"] = environ["PWD"]
    fixed.update(dict(profile.env.set))
    return fixed


def command_text(invocation: Invocation, cwd: str) -> tuple[str | None, bytes | None]:
    """What the policy must judge, and the bytes of stdin when they are the script.

    Commands on stdin (`echo ls | agentsh`, `agentsh -s`) are read whole, judged,
    and handed to bash from a file, so what runs is exactly what was judged.
    An interactive shell on a terminal is not judged line by line yet. A
    --rcfile is judged as if sourced first, since bash runs it before anything.
    """
    text, stdin_script = _main_text(invocation, cwd)
    if invocation.rcfile and text is not None:
        import shlex

        text = f"source {shlex.quote(invocation.rcfile)}\n{text}"
    return text, stdin_script


def _main_text(invocation: Invocation, cwd: str) -> tuple[str | None, bytes | None]:
    if invocation.mode == "command":
        return invocation.command, None
    if invocation.mode == "script":
        path = os.path.join(cwd, invocation.script or "")
        try:
            with open(path, "rb") as handle:
                return handle.read().decode("utf-8", "surrogateescape"), None
        except OSError:
            return None, None
    if os.isatty(0):
        return "", None
    data = _read_all_stdin()
    return data.decode("utf-8", "surrogateescape"), data


def _read_all_stdin() -> bytes:
    chunks = []
    while chunk := os.read(0, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def judge_command(
    invocation: Invocation,
    space: Workspace,
    profile: Profile,
    hidden: list[Hidden],
    text: str | None,
    files: dict[str, str],
    tracked_secrets: tuple[str, ...] = (),
) -> Verdict:
    """The policy's verdict; `files` receives the texts it read, to be pinned for the run."""
    from agentsh import judge

    if text is None:
        return judge.unreadable_script(invocation.script or "")
    if not text.strip():
        return Verdict(Decision.ALLOW)
    return judge.judge(
        text,
        space.cwd,
        space.project_root,
        space.dirs.home,
        profile,
        hidden,
        files,
        tracked_secrets,
    )


def ask_human(
    verdict: Verdict,
    text: str,
    space: Workspace,
    profile: Profile,
    pinned: tuple[str, ...],
    interactive: bool,
    environ: Mapping[str, str],
) -> Answer:
    from agentsh import approve
    from agentsh.approve.request import build

    request = build(verdict, text, space.cwd, space.project_root, pinned)
    if "console" in profile.approval.channels:
        paths.ensure_private_dir(space.dirs.runtime)
    return approve.obtain(
        request,
        profile.approval.channels,
        float(profile.approval.timeout),
        space.dirs.runtime,
        interactive,
        environ.get("TERM"),
    )


def refusal_advice(answer: Answer | None, timeout: int) -> str | None:
    """What the blocked line tells the agent to relay, given how the asking went."""
    if answer is None:
        return None
    where = {"tty": "at the terminal prompt", "console": "in the approval console"}.get(
        answer.channel, ""
    )
    return {
        "deny": f"the user denied it {where}",
        "timeout": f"no answer {where} within {timeout} s, so it was denied",
        "closed": "the approval console closed before answering, so it was denied",
        "interrupted": "agentsh was interrupted while waiting for approval, so it did not run",
    }.get(
        answer.answer,
        "no one could be asked to approve it: the user can run `agentshctl approvals` in "
        "another terminal and then have you retry, or run the command themselves",
    )


def run(
    invocation: Invocation, environ: Mapping[str, str], session: ShellSession | None = None
) -> int:
    """Decide, ask, confine, run and record one invocation; returns its exit status.

    With a `session`, the invocation is one line of an interactive or stdin
    session (agentsh.shell.repl): it runs in the session's directory and /tmp,
    with the state the previous lines left.
    """
    from agentsh.audit.log import Entry

    entry = Entry("session" if session is not None else invocation.mode)
    log: AuditLog | None = None
    try:
        space = workspace(environ) if session is None else session_workspace(session, environ)
        entry.place(space.cwd, space.project_root)
        log = open_audit(space.dirs)
        profile = load_profile(space)
        log.max_bytes, log.keep = profile.audit.max_bytes, profile.audit.keep
        entry.data["profile"] = profile.digest
        status = _decide_and_run(invocation, environ, space, profile, entry, log, session)
        entry.data["status"] = status
        return status
    except AgentshError as exc:
        entry.failed(exc.message)
        raise
    except BaseException as exc:
        entry.failed(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if log is not None:
            _record(log, entry)


def session_workspace(session: ShellSession, environ: Mapping[str, str]) -> Workspace:
    """A session keeps the project it started in, wherever its lines `cd` to."""
    started = workspace(environ)
    return Workspace(session.cwd, session.project_root, started.project_writable, started.dirs)


def open_audit(dirs: paths.Dirs) -> AuditLog:
    from agentsh.audit.log import AuditLog, AuditUnavailable

    log = AuditLog(os.path.join(dirs.state, "audit"))
    try:
        return log.open()
    except AuditUnavailable as exc:
        raise AuditError(
            f"{exc.strerror}; agentsh runs nothing it cannot record. "
            "Fix the directory's owner or permissions (agentshctl doctor)"
        ) from exc


def _mark_running(entry: Entry, log: AuditLog) -> str:
    from agentsh.audit.log import AuditUnavailable

    try:
        return entry.pending(log.folder)
    except AuditUnavailable as exc:
        raise AuditError(
            f"{exc.strerror}; agentsh runs nothing it cannot record. Free space or fix the "
            f"permissions of {log.folder}"
        ) from exc


def _record(log: AuditLog, entry: Entry) -> None:
    if entry.recorded:
        return
    entry.recorded = True
    try:
        log.append(entry.finish(), entry.marker)
    except OSError as exc:
        if entry.data.get("outcome") in ("ran", "approved", "unsandboxed"):
            sys.stderr.write(f"agentsh: warning: could not write the audit log ({exc})\n")
    finally:
        log.close()


def _decide_and_run(
    invocation: Invocation,
    environ: Mapping[str, str],
    space: Workspace,
    profile: Profile,
    entry: Entry,
    log: AuditLog,
    session: ShellSession | None = None,
) -> int:
    bash = bash_binary()
    try:
        binary = bwraps.locate(profile.sandbox.bwrap, space.dirs.cache)
    except SandboxUnavailable as exc:
        if session is not None:
            raise
        return _fallback(profile, invocation, bash, exc, entry, log)
    early = _early_namespace(profile)
    try:
        return _judge_and_run(
            invocation, environ, space, profile, entry, log, binary, early, session
        )
    finally:
        if early is not None:
            early.abandon()


def _warn_about_tracked_secrets(
    space: Workspace, hidden: list[Hidden], entry: Entry
) -> tuple[str, ...]:
    """Hidden files that git tracks stay readable through git: say so (once per index
    change), and return them for the policy, which stops the obvious ways of reading them."""
    from agentsh.sandbox.gitrepo import tracked_secrets

    root = space.project_root.rstrip("/") + "/"
    relative = [
        (item.path[len(root) :], item.is_dir) for item in hidden if item.path.startswith(root)
    ]
    tracked, fresh = tracked_secrets(space.project_root, relative, space.dirs.cache)
    if not tracked:
        return ()
    entry.data["tracked_secrets"] = tracked
    if fresh:
        more = f" (and {len(tracked) - 1} more)" if len(tracked) > 1 else ""
        sys.stderr.write(
            f"agentsh: warning: git tracks {tracked[0]}{more}, which agentsh hides: its committed "
            f"contents stay readable through git (git show HEAD:{tracked[0]}). Rotate the secret, "
            "then remove it from the index and the history (git rm --cached, git filter-repo)\n"
        )
        sys.stderr.flush()
    return tuple(tracked)


def _early_namespace(profile: Profile) -> Child | None:
    """Start making the network namespace now, so that it is ready when judging is done.

    Making it takes a few milliseconds of kernel work in a forked child; the
    policy check runs meanwhile. A command that is then refused just closes
    the child's channel, and the child exits.
    """
    from agentsh import net

    plan = net.plan(profile.network)
    if plan is None:
        return None
    from agentsh.net.namespace import Child

    close_inherited_fds()
    return Child(plan.listen_addresses())


def _judge_and_run(
    invocation: Invocation,
    environ: Mapping[str, str],
    space: Workspace,
    profile: Profile,
    entry: Entry,
    log: AuditLog,
    binary: bwraps.Bwrap,
    early: Child | None,
    session: ShellSession | None = None,
) -> int:
    bash = bash_binary()
    hidden = hidden_paths(space, profile, environ)
    tracked = _warn_about_tracked_secrets(space, hidden, entry)
    if session is None:
        text, stdin_script = command_text(invocation, space.cwd)
    else:
        text, stdin_script = invocation.command, None
    if invocation.mode == "script" and _is_hidden_script(invocation, space.cwd, hidden):
        text = None
    entry.command(text, invocation.script)
    files: dict[str, str] = {}
    judged = session.judged_text(text or "") if session is not None else text
    verdict = judge_command(invocation, space, profile, hidden, judged, files, tracked)
    pinned = _pinned_files(invocation, space.cwd, text, files)
    entry.verdict(verdict)
    pty = terminal_mode()
    if verdict.decision != Decision.ALLOW:
        from agentsh import judge

        answer = None
        if verdict.decision == Decision.CONFIRM:
            answer = ask_human(verdict, text or "", space, profile, tuple(pinned), pty, environ)
            entry.approval(answer)
        if answer is None or not answer.approved:
            advice = refusal_advice(answer, profile.approval.timeout)
            sys.stderr.write(judge.blocked_line(verdict, advice) + "\n")
            sys.stderr.flush()
            entry.data["outcome"] = "blocked" if answer is None else "denied"
            return BLOCKED
        sys.stderr.write(f"agentsh: approved by the user ({answer.channel}); running it once\n")
        sys.stderr.flush()
        entry.data["outcome"] = "approved"
    approved = verdict.decision == Decision.CONFIRM
    keep = _keeps_jobs(invocation, profile, pty, session)
    network = _network_session(
        verdict, approved, text or "", space, profile, pty, environ, entry, early, keep
    )
    entry.marker = _mark_running(entry, log)
    absent = _absent_protected(space, profile)
    try:
        outcome = _launch(
            invocation,
            environ,
            space,
            profile,
            binary,
            hidden,
            stdin_script,
            pinned,
            pty,
            network,
            session,
            keep,
        )
    finally:
        if network is not None:
            entry.data["network"] = network.stop()
        _quarantine_created(absent, entry)
    entry.ran(outcome)
    if outcome.setup_failed is not None:
        failure = SandboxUnavailable(f"bwrap could not build the sandbox ({outcome.setup_failed})")
        if session is not None:
            raise failure
        return _fallback(profile, invocation, bash, failure, entry, log)
    return outcome.status


def _is_hidden_script(invocation: Invocation, cwd: str, hidden: list[Hidden]) -> bool:
    """A script that is itself a hidden file is never read outside (its text would leak)."""
    from agentsh.judge import is_hidden

    path = os.path.normpath(os.path.join(cwd, invocation.script or ""))
    return is_hidden(path, hidden) or is_hidden(os.path.realpath(path), hidden)


def _pinned_files(
    invocation: Invocation, cwd: str, text: str | None, files: dict[str, str]
) -> dict[str, bytes]:
    """Files the verdict was based on, by host path: the run gets these exact copies.

    Without this, a file changed between the check (or the human's approval)
    and the run (a script, `psql -f x.sql`) would run unchecked.
    """
    pinned = {
        path: content.encode("utf-8", "surrogateescape")
        for path, content in files.items()
        if os.path.lexists(path)
    }
    if invocation.mode == "script" and text is not None:
        path = os.path.normpath(os.path.join(cwd, invocation.script or ""))
        pinned[path] = text.encode("utf-8", "surrogateescape")
    return {os.path.realpath(path): data for path, data in pinned.items()}


def _launch(
    invocation: Invocation,
    environ: Mapping[str, str],
    space: Workspace,
    profile: Profile,
    binary: bwraps.Bwrap,
    hidden: list[Hidden],
    stdin_script: bytes | None,
    pinned: dict[str, bytes],
    pty: bool,
    network: Session | None = None,
    session: ShellSession | None = None,
    keep: bool = False,
) -> Outcome:
    bash = bash_binary()
    scaffold = ensure_scaffold(space.dirs)
    ctty = setsid_binary() if pty else None
    invocation_dir = private_tmp(environ)
    if session is None:
        tmp_dir = os.path.join(invocation_dir, "tmp")
        os.mkdir(tmp_dir, 0o700)
    else:
        tmp_dir = session.tmp_dir
    stdin_fd = _stdin_from(stdin_script, invocation_dir)
    seccomp_fd = _seccomp_program(space)
    state_fd = -1
    try:
        from agentsh.sandbox.results import after_run, result_files

        results = result_files(invocation.command or "", environ)
        copies = _write_pinned(pinned, invocation_dir) + _redacted_git_config(space, invocation_dir)
        mounts = mounts_for(
            space,
            profile,
            hidden,
            tmp_dir,
            scaffold,
            new_session=not (pty and ctty),
            pinned=copies,
            network="provided" if network is not None else None,
            seccomp_fd=SECCOMP_FD,
            results=results,
        )
        fixed = fixed_environment(profile, environ, bash)
        if session is not None:
            fixed["PWD"] = session.cwd
        if network is not None:
            fixed.update(_proxy_environment(network, tmp_dir))
        env = sandbox_environment(environ, profile.env.pass_, profile.env.block, fixed)
        bash_argv = invocation.bash_argv(bash)
        extra_fds: tuple[int, ...] = ()
        if session is not None:
            state_fd = _session_state(session, fixed)
            bash_argv = [bash, "-c", session.script(invocation.command or ""), "bash"]
            extra_fds = (state_fd,)
        argv = [
            *bwraps.bwrap_args(mounts, STATUS_FD),
            "--",
            *bwraps.inner_command(bash_argv, REAL_STDERR_FD, ctty, keep_jobs=keep),
        ]
        launch = Launch(
            binary.path, argv, env, pty, stdin_fd, network, _warm_audit, seccomp_fd, extra_fds
        )
        launch.scope_abstract_sockets = _scopes_abstract_sockets(profile)
        if keep:
            return _run_keeping_jobs(launch, invocation, space, lambda: after_run(results))
        outcome = launch.run()
        after_run(results)
        if session is not None:
            session.absorb(_read_state(state_fd))
            session.signalled = launch.forwarded
        return outcome
    finally:
        if state_fd >= 0:
            os.close(state_fd)
        os.close(seccomp_fd)
        if stdin_fd is not None:
            os.close(stdin_fd)
        remove_tree(invocation_dir)


def _scopes_abstract_sockets(profile: Profile) -> bool:
    """Under `network.mode: open` the host's abstract Unix sockets would be reachable;
    Landlock scopes them away where the kernel can (Linux 6.12+, `agentshctl doctor`
    says when it cannot)."""
    if profile.network.mode != "open":
        return False
    from agentsh.sandbox import landlock

    return landlock.abi_version() >= landlock.SCOPING_ABI


def _keeps_jobs(
    invocation: Invocation, profile: Profile, pty: bool, session: ShellSession | None
) -> bool:
    """Whether this command's background jobs outlive it (see agentsh.sandbox.keeper)."""
    if profile.sandbox.background != "keep" or pty or session is not None:
        return False
    from agentsh.policy.parse import starts_background_job

    return invocation.command is not None and starts_background_job(invocation.command)


def _run_keeping_jobs(
    launch: Launch, invocation: Invocation, space: Workspace, command_ended: Callable[[], None]
) -> Outcome:
    """From here on this process is the keeper; the agent's agentsh exits with the status."""
    import threading

    from agentsh.sandbox import keeper as keepers

    keeper = keepers.split(
        keepers.sessions_dir(space.dirs.state),
        {"command": invocation.command, "cwd": space.cwd, "project": space.project_root},
    )
    keeper.command_ended = command_ended
    keeper.sandbox_pid = lambda: launch.pid
    stdout_read, stdout_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    status_read, status_write = os.pipe()
    placeholder = os.open(os.devnull, os.O_RDONLY)
    launch.extra_fds = (placeholder, status_write)
    launch.output_fds = (stdout_write, stderr_write)
    launch.handed_over = (placeholder, status_write)
    relay = threading.Thread(
        target=keeper.relay, args=(stdout_read, stderr_read, status_read), daemon=True
    )
    relay.start()
    outcome = Outcome(BLOCKED)
    try:
        outcome = launch.run()
    finally:
        relay.join(timeout=5)
        keeper.finish(outcome.status)
    if keeper.command_status is None or outcome.setup_failed is not None:
        return outcome
    return Outcome(
        keeper.command_status, None, cpu_seconds=outcome.cpu_seconds, peak_rss=outcome.peak_rss
    )


def _session_state(session: ShellSession, fixed: dict[str, str]) -> int:
    """A memfd holding the state the line starts from; the line's bash rewrites it."""
    from agentsh.shell.session import fixed_variable_names

    session.fixed_names = fixed_variable_names(fixed)
    fd = os.memfd_create("agentsh-session-state", os.MFD_CLOEXEC)
    write_all(fd, session.state_bytes())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _read_state(fd: int) -> bytes:
    from agentsh.shell.session import MAX_STATE_BYTES

    size = os.fstat(fd).st_size
    if size > MAX_STATE_BYTES:
        return b""
    chunks = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _seccomp_program(space: Workspace) -> int:
    """An open descriptor on the compiled seccomp filter (built once, then cached)."""
    from agentsh.sandbox.seccomp import SeccompUnavailable, program_path

    try:
        return os.open(program_path(space.dirs.cache), os.O_RDONLY | os.O_CLOEXEC)
    except (SeccompUnavailable, OSError) as exc:
        raise SandboxUnavailable(f"cannot set up the seccomp filter ({exc})") from exc


def _warm_audit() -> None:
    """Load what appending the audit entry needs while the command runs, not after it."""
    from agentsh.audit.log import sha256_hex

    sha256_hex(b"")


def _proxy_environment(network: Session, tmp_dir: str) -> dict[str, str]:
    """The proxy variables, and the ssh ProxyCommand script they name, in the private /tmp."""
    from agentsh import net

    values = net.environment(network.plan)
    if values:
        script = net.ssh_connect_script(network.plan.proxy_port).encode()
        _write_beneath(tmp_dir, net.SSH_CONNECT_PATH.removeprefix(SANDBOX_TMP + "/"), script)
    return values


def _write_beneath(top: str, relative: str, data: bytes) -> None:
    """Write a file under `top` without following any symlink: a shell session's /tmp
    persists, and what earlier lines left there is the sandbox's to shape."""
    folder_name, file_name = os.path.split(relative)
    nofollow = os.O_NOFOLLOW | os.O_CLOEXEC
    top_fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | nofollow)
    try:
        try:
            os.mkdir(folder_name, 0o755, dir_fd=top_fd)
        except FileExistsError:
            pass
        folder_fd = os.open(folder_name, os.O_RDONLY | os.O_DIRECTORY | nofollow, dir_fd=top_fd)
    finally:
        os.close(top_fd)
    try:
        try:
            os.unlink(file_name, dir_fd=folder_fd)
        except FileNotFoundError:
            pass
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow
        fd = os.open(file_name, flags, 0o755, dir_fd=folder_fd)
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
    finally:
        os.close(folder_fd)


def _network_session(
    verdict: Verdict,
    approved: bool,
    text: str,
    space: Workspace,
    profile: Profile,
    pty: bool,
    environ: Mapping[str, str],
    entry: Entry,
    early: Child | None,
    keep: bool = False,
) -> Session | None:
    """The proxy and forwards this invocation needs, with any hosts its approval granted.

    The namespace started early is used when it listens where this plan needs.
    Under `network.mode: none` with `sandbox.background: keep`, a command that keeps
    jobs gets a namespace of agentsh's, and the project's later commands join the
    one a kept job holds, so they reach the ports it listens on (a dev server).
    """
    from agentsh import net

    grants: tuple[str, ...] = ()
    if approved:
        grants = tuple(sorted({host for f in verdict.findings for host in f.grants}))
        if grants:
            entry.data["granted"] = list(grants)
    joining = _kept_network(space, profile)
    plan = net.plan(profile.network, grants, own_namespace=keep or joining is not None)
    if plan is None:
        return None
    if plan.listen_addresses():
        joining = None
    ask = _host_asker(text, space, profile, pty, environ, entry) if plan.proxy else None

    def say(line: str) -> None:
        try:
            os.write(2, (line + ("\r\n" if pty else "\n")).encode("utf-8", "replace"))
        except OSError:
            pass

    session = net.Session(plan, ask, say)
    if joining is not None:
        session.joining = joining
        entry.data["joined_network_of"] = joining
    elif early is not None and early.addresses == tuple(plan.listen_addresses()):
        session.child = early
    return session


def _kept_network(space: Workspace, profile: Profile) -> int | None:
    """A process holding the network namespace of this project's kept jobs, if any."""
    if profile.sandbox.background != "keep" or profile.network.mode != "none":
        return None
    from agentsh.sandbox.keeper import network_holder

    return network_holder(space.dirs.state, space.project_root)


def _host_asker(
    text: str,
    space: Workspace,
    profile: Profile,
    pty: bool,
    environ: Mapping[str, str],
    entry: Entry,
) -> Callable[[str, int], bool] | None:
    """Asks a human about a host the profile neither allows nor denies, if a channel can.

    While the command runs on a terminal agentsh relays, the terminal prompt
    would fight the command for the keyboard, so only the console is asked.
    """
    channels = tuple(c for c in profile.approval.channels if not (pty and c == "tty"))
    if not (profile.network.ask and channels):
        return None

    def ask(host: str, port: int) -> bool:
        from agentsh import approve
        from agentsh.approve.request import build
        from agentsh.policy.model import Finding

        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        reason = Finding(
            "network.unlisted-host",
            Decision.CONFIRM,
            f"connect to {where}",
            f"the command wants to connect to {where}, which network.allow does not list; "
            "allowing it lasts until this command ends",
            where,
        )
        request = build(Verdict(Decision.CONFIRM, (reason,)), text, space.cwd, space.project_root)
        answer = approve.obtain(
            request,
            channels,
            float(profile.approval.timeout),
            space.dirs.runtime,
            False,
            environ.get("TERM"),
        )
        entry.data.setdefault("network_asks", []).append(
            {"host": host, "port": port, "channel": answer.channel, "answer": answer.answer}
        )
        return answer.approved

    return ask


@record
class BeforeRun:
    """What the command could plant for tools outside the sandbox, as it was at the start."""

    absent: list[str]
    """Protected paths that did not exist."""
    nested_git: Snapshot | None
    """The git settings of the repositories nested in the project (sandbox.nested_git)."""


def _absent_protected(space: Workspace, profile: Profile) -> BeforeRun:
    """Protected paths that do not exist yet: a read-only mount cannot guard those;
    nor the git config and hooks of nested repositories, which are checked afterwards.

    Paths inside a `.git` that does not exist yet are left out: a command that
    runs `git init` makes them, and moving them aside would break the new
    repository (the next command protects them like any other); the nested
    repository check still moves aside what in it would run programs.
    """
    if not space.project_writable:
        return BeforeRun([], None)
    from agentsh.sandbox import nested_git

    _make_git_folders(space.project_root, profile.sandbox.protected)
    has_git = os.path.lexists(os.path.join(space.project_root, ".git"))
    absent = [
        path
        for rel in profile.sandbox.protected
        if (has_git or not rel.startswith(".git/"))
        and not os.path.exists(path := os.path.join(space.project_root, rel))
    ]
    snapshot = nested_git.snapshot(space.project_root, space.dirs.cache)
    return BeforeRun(absent, snapshot)


GIT_FOLDERS = (".git/hooks", ".git/info")
"""Folders `git init` makes in every repository, so making a missing one changes nothing."""


def _make_git_folders(project_root: str, protected: tuple[str, ...]) -> None:
    """A repository without `.git/hooks` (cloned with an empty template, say): make the
    empty folder, so that it is a read-only mount inside like any other. Otherwise a
    hook the command writes there would exist on the host until the command ends,
    and a `git commit` of yours meanwhile would run it."""
    if not os.path.isdir(os.path.join(project_root, ".git")):
        return
    for relative in GIT_FOLDERS:
        path = os.path.join(project_root, relative)
        if relative in protected and not os.path.lexists(path):
            try:
                os.mkdir(path)
            except OSError:
                pass


def _quarantine_created(before: BeforeRun, entry: Entry) -> None:
    """Move aside the protected files the command created (a new `.envrc`, a hooks
    directory), and the git settings it planted in nested repositories: tools
    outside the sandbox would run them. Nothing is deleted."""
    moved = []
    for path in before.absent:
        if not os.path.lexists(path):
            continue
        target = _move_aside(path, entry)
        if target is not None:
            moved.append((path, target))
    if before.nested_git is not None:
        _quarantine_nested_git(before.nested_git, entry)
    if not moved:
        return
    entry.data.setdefault("quarantined", []).extend(target for _, target in moved)
    names = ", ".join(f"{os.path.basename(a)} -> {os.path.basename(b)}" for a, b in moved)
    sys.stderr.write(
        f"agentsh: note: the command created files agentsh protects, which tools outside the "
        f"sandbox would run; they were moved aside ({names}). A human can review and rename them\n"
    )
    sys.stderr.flush()


def _move_aside(path: str, entry: Entry) -> str | None:
    """Rename `path` to a free `PATH.agentsh-blocked[-N]`; None (and a warning) if it cannot be."""
    target = f"{path}.agentsh-blocked"
    number = 1
    while os.path.lexists(target):
        number += 1
        target = f"{path}.agentsh-blocked-{number}"
    try:
        os.rename(path, target)
    except OSError as exc:
        sys.stderr.write(
            f"agentsh: warning: the command created {path}, which agentsh protects, and it "
            f"could not be moved aside ({exc.strerror}); review it before any tool runs it\n"
        )
        entry.data.setdefault("unquarantined", []).append(path)
        return None
    return target


def _quarantine_nested_git(before: Snapshot, entry: Entry) -> None:
    """Move aside the git config and hooks the command planted in repositories that the
    host's git enters (gitlinks, submodules), putting back the config that was there."""
    from agentsh.sandbox.nested_git import planted

    for found in planted(before):
        target = _move_aside(found.path, entry)
        if target is None:
            continue
        if found.original is not None:
            temporary = f"{found.path}.agentsh-restore-{os.getpid()}"
            try:
                with open(temporary, "xb") as handle:
                    handle.write(found.original)
                os.replace(temporary, found.path)
            except OSError:
                pass
        entry.data.setdefault("quarantined", []).append(target)
        shown = os.path.relpath(found.path, before.project_root)
        reason = "".join(char if char.isprintable() else "?" for char in found.reason[:200])
        restored = ", and its previous version put back" if found.original is not None else ""
        sys.stderr.write(
            f"agentsh: note: the command set {shown} to make git run a program outside the "
            f"sandbox ({reason}); it was moved aside to {os.path.basename(target)}"
            f"{restored}. A human can review it\n"
        )
    sys.stderr.flush()


def _redacted_git_config(space: Workspace, folder: str) -> tuple[tuple[str, str], ...]:
    """Copies of the git config files without the credentials in them, to mount over them."""
    from agentsh.sandbox.gitrepo import config_files, redacted_config

    copies = []
    for index, path in enumerate(config_files(space.project_root, space.dirs.home)):
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                text = handle.read(1 << 20)
        except OSError:
            continue
        redacted = redacted_config(text)
        if redacted is None:
            continue
        copy = os.path.join(folder, f"git-config-{index}")
        with open(copy, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(redacted)
        os.chmod(copy, 0o444)
        copies.append((os.path.realpath(path), copy))
    return tuple(copies)


def _write_pinned(pinned: dict[str, bytes], folder: str) -> tuple[tuple[str, str], ...]:
    """Copies of the pinned files in the invocation's directory, as (destination, copy)."""
    if not pinned:
        return ()
    directory = os.path.join(folder, "pinned")
    os.mkdir(directory, 0o700)
    copies = []
    for index, (path, data) in enumerate(sorted(pinned.items())):
        copy = os.path.join(directory, str(index))
        with open(copy, "wb") as handle:
            handle.write(data)
        os.chmod(copy, 0o444 | _execute_bits(path))
        copies.append((path, copy))
    return tuple(copies)


def _execute_bits(path: str) -> int:
    """The original's execute bits, so that a pinned `./build.sh` still runs by path."""
    try:
        return os.stat(path).st_mode & 0o111
    except OSError:
        return 0


def _stdin_from(script: bytes | None, folder: str) -> int | None:
    """A file holding the judged script, to become bash's stdin (outside the sandbox's /tmp)."""
    if script is None:
        return None
    path = os.path.join(folder, "stdin")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    write_all(fd, script)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _fallback(
    profile: Profile,
    invocation: Invocation,
    bash: str,
    error: SandboxUnavailable,
    entry: Entry,
    log: AuditLog,
) -> int:
    if profile.sandbox.fallback != "unsandboxed":
        raise error
    print(
        f"agentsh: warning: running WITHOUT a sandbox ({error.message}); "
        "your profile sets sandbox.fallback: unsandboxed",
        file=sys.stderr,
    )
    sys.stderr.flush()
    entry.data["outcome"] = "unsandboxed"
    entry.data["error"] = error.message
    _record(log, entry)
    os.execv(bash, invocation.bash_argv(bash))
