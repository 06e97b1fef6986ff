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
from agentsh.errors import SandboxUnavailable
from agentsh.profile.model import Profile
from agentsh.records import record
from agentsh.sandbox import bwrap as bwraps
from agentsh.sandbox.environment import sandbox_environment
from agentsh.sandbox.launch import REAL_STDERR_FD, STATUS_FD, Launch, setsid_binary, terminal_mode
from agentsh.sandbox.secrets import Hidden, ProjectScan, SecretMatcher, fixed_locations, scan_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from agentsh.shell.args import Invocation

NOTICE = (
    "hidden by agentsh: this file may hold secrets, so commands run through agentsh "
    "cannot read or change it. If the task needs it, ask the user; they can reveal it "
    "with secrets.reveal in their agentsh profile (see: agentshctl profile show).\n"
)
SANDBOX_TMP = "/tmp"
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


def hidden_paths(space: Workspace, profile: Profile, environ: Mapping[str, str]) -> list[Hidden]:
    """Secrets, agentsh's own state and host service sockets, as they exist now."""
    home = space.dirs.home
    found = fixed_locations(profile.secrets.paths, profile.secrets.reveal, home)
    found += fixed_locations(profile.sandbox.hidden_sockets, (), home)
    runtime = environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    for own in (space.dirs.config, space.dirs.state, space.dirs.runtime, runtime):
        if os.path.isdir(own):
            found.append(Hidden(own, True))
    if space.project_root != "/":
        found += project_secrets(space, profile)
    return found


def project_secrets(space: Workspace, profile: Profile) -> list[Hidden]:
    """Ask the project's watcher; without one, scan (and start a watcher for next time)."""
    settings = profile.secrets
    matcher = SecretMatcher(settings.hide, settings.reveal)
    key = scan_key(matcher, settings.skip_dirs)
    root = space.project_root
    socket = None
    if settings.watch:
        from agentsh.sandbox import watcher

        paths.ensure_private_dir(space.dirs.runtime)
        socket = watcher.socket_path(space.dirs.runtime, root, key)
        if socket:
            answer = watcher.query(socket, root, key)
            if answer is not None:
                return answer
    found = ProjectScan(root, matcher, settings.skip_dirs, space.dirs.cache).run()
    if socket and not watcher.is_starting(socket):
        watcher.start(socket, root, settings.hide, settings.reveal, settings.skip_dirs)
    return found


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def mounts_for(
    space: Workspace,
    profile: Profile,
    hidden: list[Hidden],
    tmp_dir: str,
    scaffold: tuple[str, str],
    extra_visible: tuple[str, ...] = (),
    new_session: bool = True,
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
    visible_roots = (*writable, *extra_visible, *home_visible)
    masks = _effective_masks(hidden, visible_roots, home if home_hidden else None)
    masked_dirs = tuple(item.path for item in masks if item.is_dir)
    read_only = [path for path in read_only if not _under(path, masked_dirs)]
    return bwraps.Mounts(
        cwd=space.cwd,
        tmp_dir=tmp_dir,
        writable=tuple(writable),
        read_only=tuple(read_only),
        visible_ro=extra_visible,
        hidden=tuple(masks),
        notice_file=scaffold[0],
        empty_dir=scaffold[1],
        home=home,
        home_hidden=home_hidden,
        home_visible=home_visible,
        network=profile.network.mode,
        new_session=new_session,
    )


def _effective_masks(
    hidden: list[Hidden], visible_roots: tuple[str, ...], hidden_home: str | None
) -> list[Hidden]:
    """Drop masks the sandbox could not see anyway, and masks inside masked directories.

    bwrap would otherwise create mount points for them inside read-only or
    private directories, which fails or litters the host.
    """
    result: list[Hidden] = []
    covered: list[str] = []
    for item in sorted(set(hidden), key=lambda h: h.path):
        path = item.path
        if _under(path, tuple(covered)):
            continue
        if _under(path, (SANDBOX_TMP,)) and not _under(path, visible_roots):
            continue
        if hidden_home and _under(path, (hidden_home,)) and not _under(path, visible_roots):
            continue
        if not os.path.exists(path):
            continue
        result.append(item)
        if item.is_dir:
            covered.append(path)
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


def check(
    invocation: Invocation,
    space: Workspace,
    profile: Profile,
    hidden: list[Hidden],
    text: str | None,
) -> bool:
    """Judge the command; print the blocked line and return False when it must not run."""
    from agentsh import judge

    if text is None:
        verdict = judge.unreadable_script(invocation.script or "")
    elif not text.strip():
        return True
    else:
        verdict = judge.judge(text, space.cwd, space.project_root, space.dirs.home, profile, hidden)
    if str(verdict.decision) == "allow":
        return True
    sys.stderr.write(judge.blocked_line(verdict) + "\n")
    sys.stderr.flush()
    return False


def run(invocation: Invocation, environ: Mapping[str, str]) -> int:
    space = workspace(environ)
    profile = load_profile(space)
    bash = bash_binary()
    try:
        binary = bwraps.locate(profile.sandbox.bwrap, space.dirs.cache)
    except SandboxUnavailable as exc:
        return _fallback(profile, invocation, bash, exc)
    hidden = hidden_paths(space, profile, environ)
    text, stdin_script = command_text(invocation, space.cwd)
    if not check(invocation, space, profile, hidden, text):
        return BLOCKED
    scaffold = ensure_scaffold(space.dirs)
    pty = terminal_mode()
    ctty = setsid_binary() if pty else None
    extra_visible = _script_bind(invocation, space.cwd)
    invocation_dir = private_tmp(environ)
    tmp_dir = os.path.join(invocation_dir, "tmp")
    os.mkdir(tmp_dir, 0o700)
    stdin_fd = _stdin_from(stdin_script, invocation_dir)
    try:
        mounts = mounts_for(
            space,
            profile,
            hidden,
            tmp_dir,
            scaffold,
            extra_visible,
            new_session=not (pty and ctty),
        )
        env = sandbox_environment(
            environ, profile.env.pass_, profile.env.block, fixed_environment(profile, environ, bash)
        )
        argv = [
            *bwraps.bwrap_args(mounts, STATUS_FD),
            "--",
            *bwraps.inner_command(invocation.bash_argv(bash), REAL_STDERR_FD, ctty),
        ]
        outcome = Launch(binary.path, argv, env, pty, stdin_fd).run()
    finally:
        if stdin_fd is not None:
            os.close(stdin_fd)
        remove_tree(invocation_dir)
    if outcome.setup_failed is not None:
        failure = SandboxUnavailable(f"bwrap could not build the sandbox ({outcome.setup_failed})")
        return _fallback(profile, invocation, bash, failure)
    return outcome.status


def _stdin_from(script: bytes | None, folder: str) -> int | None:
    """A file holding the judged script, to become bash's stdin (outside the sandbox's /tmp)."""
    if script is None:
        return None
    path = os.path.join(folder, "stdin")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    view = memoryview(script)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _script_bind(invocation: Invocation, cwd: str) -> tuple[str, ...]:
    """A script under the host's /tmp is invisible inside (private /tmp): bind it read-only."""
    script = invocation.script
    if not script:
        return ()
    path = os.path.normpath(os.path.join(cwd, script))
    if _under(path, (SANDBOX_TMP,)) and os.path.isfile(path):
        return (path,)
    return ()


def _fallback(
    profile: Profile, invocation: Invocation, bash: str, error: SandboxUnavailable
) -> int:
    if profile.sandbox.fallback != "unsandboxed":
        raise error
    print(
        f"agentsh: warning: running WITHOUT a sandbox ({error.message}); "
        "your profile sets sandbox.fallback: unsandboxed",
        file=sys.stderr,
    )
    sys.stderr.flush()
    os.execv(bash, invocation.bash_argv(bash))
