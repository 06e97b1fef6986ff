"""Where agentsh keeps its files, and how it finds the project of a directory.

Config, state and runtime directories follow the XDG base directory spec; all
three are hidden from every sandbox.
"""

from __future__ import annotations

import os

from agentsh.records import record

SANDBOX_TMP = "/tmp"
"""Where every sandbox has its own private temporary directory."""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

APP = "agentsh"


@record
class Dirs:
    home: str
    config: str
    state: str
    runtime: str

    @property
    def user_profile(self) -> str:
        return os.path.join(self.config, "profile.yaml")

    @property
    def cache(self) -> str:
        return os.path.join(self.state, "cache")

    @property
    def scaffold(self) -> str:
        """Read-only stand-ins (the notice file, an empty dir) mounted over hidden paths."""
        return os.path.join(self.state, "scaffold")


def _xdg(environ: Mapping[str, str], name: str, fallback: str) -> str:
    value = environ.get(name, "")
    return value if os.path.isabs(value) else fallback


def dirs(environ: Mapping[str, str]) -> Dirs:
    home = environ.get("HOME") or os.path.expanduser("~")
    uid = os.getuid()
    runtime_base = _xdg(environ, "XDG_RUNTIME_DIR", f"/run/user/{uid}")
    if not os.path.isdir(runtime_base):
        runtime_base = _xdg(environ, "XDG_STATE_HOME", os.path.join(home, ".local", "state"))
    return Dirs(
        home=home,
        config=os.path.join(_xdg(environ, "XDG_CONFIG_HOME", os.path.join(home, ".config")), APP),
        state=os.path.join(
            _xdg(environ, "XDG_STATE_HOME", os.path.join(home, ".local", "state")), APP
        ),
        runtime=os.path.join(runtime_base, APP),
    )


def shim_dir(environ: Mapping[str, str]) -> str:
    """The directory holding the `bash` shim (a link to agentsh) that agent launchers put
    first on PATH. The sandbox strips it from PATH, so a nested `bash` is the real one."""
    home = environ.get("HOME") or os.path.expanduser("~")
    data = _xdg(environ, "XDG_DATA_HOME", os.path.join(home, ".local", "share"))
    return os.path.join(data, APP, "shims")


def expand_home(path: str, home: str) -> str:
    """`~` and `~/x` relative to `home` (the HOME agentsh runs with, not the passwd entry)."""
    if path == "~":
        return home
    if path.startswith("~/"):
        return os.path.join(home, path[2:])
    return path


def cache_name(prefix: str, key: str) -> str:
    """A file name for a cache entry about `key`; the entry itself stores `key` to be checked."""
    import zlib

    return f"{prefix}-{zlib.crc32(key.encode()):08x}-{len(key)}.marshal"


def save_cache(path: str, data: bytes) -> None:
    """Replace the cache file `path` with `data` atomically, in a private directory.

    Best effort: a cache that cannot be written is recomputed next time, so a
    failure here never stops a command.
    """
    try:
        ensure_private_dir(os.path.dirname(path))
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except OSError:
        pass


def ensure_private_dir(path: str) -> str:
    """Create `path` (and parents) owned by us with mode 0700; refuse one we do not own."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.lstat(path)
    if st.st_uid != os.getuid():
        raise PermissionError(f"{path} is owned by uid {st.st_uid}, not by us")
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def project_root(cwd: str) -> str:
    """The git top level above `cwd` (a `.git` dir or file), else `cwd` itself."""
    current = cwd
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return cwd
        current = parent


def find_upward(start: str, name: str) -> str | None:
    current = start
    while True:
        candidate = os.path.join(current, name)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
