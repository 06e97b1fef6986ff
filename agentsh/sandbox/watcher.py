"""A per-project background process that keeps the list of secret files current.

Checking every directory's mtime costs one stat() per directory on every
command, which on a large tree is tens of milliseconds. The watcher instead
holds an inotify watch on every directory of the project and updates its list
as entries appear, vanish or move. A command asks it over a Unix socket in
agentsh's private runtime directory; before answering, the watcher reads every
event already queued, and the kernel queues an event before the call that
caused it returns, so a `.env` created before the command started is always
in the answer.

The watcher is an optimisation, never a dependency: when it is absent, busy
starting, or cannot watch (too many directories for the inotify limit), the
command falls back to the stat-based scan in `secrets.ProjectScan`.

It exits when nobody asked for IDLE_SECONDS, when the project directory or its
socket disappears, or when the event queue overflows (the next command starts
a fresh one).
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
import time

from agentsh.paths import cache_name
from agentsh.sandbox.secrets import Hidden, SecretMatcher, scan_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

IDLE_SECONDS = 30 * 60
POLL_SECONDS = 5.0
_EVENT = struct.Struct("iIII")

IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_ISDIR = 0x40000000
WATCH_MASK = (
    IN_CREATE
    | IN_DELETE
    | IN_MOVED_FROM
    | IN_MOVED_TO
    | IN_DELETE_SELF
    | IN_MOVE_SELF
    | IN_ONLYDIR
    | IN_DONT_FOLLOW
    | IN_EXCL_UNLINK
)


def socket_path(runtime_dir: str, root: str, key: str) -> str | None:
    path = os.path.join(runtime_dir, cache_name("watch", f"{root}\0{key}")[:-8] + ".sock")
    return path if len(path.encode()) < 100 else None


# -- client side (runs inside every agentsh command; keep it import-light) ----------------


def query(path: str, root: str, key: str, timeout: float = 2.0) -> list[Hidden] | None:
    """The watcher's current list, or None when no watcher answers for this root and key.

    Uses `_socket`, the C module behind `socket`: the `socket` wrapper imports
    selectors and enum, several milliseconds a command would pay for nothing.
    """
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(b"?")
        chunks = []
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        reply = marshal.loads(b"".join(chunks))
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        sock.close()
    if not isinstance(reply, dict) or reply.get("root") != root or reply.get("key") != key:
        return None
    return [Hidden(item_path, bool(is_dir)) for item_path, is_dir in reply["found"]]


def is_starting(path: str) -> bool:
    """True while another watcher for this socket holds its lock (for example, still scanning)."""
    import fcntl

    try:
        fd = os.open(path + ".lock", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def start(
    path: str, root: str, hide: Sequence[str], reveal: Sequence[str], skip: Sequence[str]
) -> None:
    """Start a detached watcher; it reads its settings from a pipe and outlives this command."""
    config = marshal.dumps(
        {
            "socket": path,
            "root": root,
            "hide": list(hide),
            "reveal": list(reveal),
            "skip": list(skip),
        }
    )
    read_end, write_end = os.pipe()
    try:
        os.posix_spawn(
            sys.executable,
            [sys.executable, "-I", "-m", "agentsh.sandbox.watcher"],
            {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            file_actions=[
                (os.POSIX_SPAWN_DUP2, read_end, 0),
                (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0),
            ],
            setsid=True,
        )
        os.write(write_end, config)
    except OSError:
        pass
    finally:
        os.close(read_end)
        os.close(write_end)


# -- the watcher process ------------------------------------------------------------------


class WatchLimitReached(Exception):
    pass


class Inotify:
    def __init__(self) -> None:
        import ctypes

        self._libc = ctypes.CDLL(None, use_errno=True)
        self._get_errno = ctypes.get_errno
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(self._get_errno(), "inotify_init1 failed")

    def add(self, path: str) -> int | None:
        wd = int(self._libc.inotify_add_watch(self.fd, os.fsencode(path), WATCH_MASK))
        if wd >= 0:
            return wd
        error = self._get_errno()
        if error == 28:  # ENOSPC: the per-user watch limit
            raise WatchLimitReached(path)
        return None

    def remove(self, wd: int) -> None:
        self._libc.inotify_rm_watch(self.fd, wd)

    def read(self) -> list[tuple[int, int, str]]:
        events: list[tuple[int, int, str]] = []
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return events
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size
                name = os.fsdecode(data[offset : offset + length].rstrip(b"\0"))
                offset += length
                events.append((wd, mask, name))

    def close(self) -> None:
        os.close(self.fd)


class WatchedTree:
    """The secret files of a project, kept in step with inotify events."""

    def __init__(self, root: str, matcher: SecretMatcher, skip: Sequence[str]) -> None:
        self.root = root
        self.matcher = matcher
        self.skip = frozenset(skip)
        self.inotify = Inotify()
        self.paths: dict[int, str] = {}
        self.children: dict[str, set[str]] = {}
        self.watch_of: dict[str, int] = {}
        self.found: dict[str, bool] = {}
        self.add_tree(root)

    def _relative(self, path: str) -> str:
        return path[len(self.root) + 1 :] if path != self.root else ""

    def add_tree(self, top: str) -> None:
        pending = [top]
        while pending:
            folder = pending.pop()
            wd = self.inotify.add(folder)
            if wd is None:
                continue
            self.paths[wd] = folder
            self.watch_of[folder] = wd
            subdirs = self.children.setdefault(folder, set())
            try:
                entries = list(os.scandir(folder))
            except OSError:
                if folder != self.root and not os.access(folder, os.R_OK):
                    self.found[folder] = True
                continue
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if self._classify(folder, entry.name, is_dir):
                    subdirs.add(entry.name)
                    pending.append(entry.path)

    def _classify(self, folder: str, name: str, is_dir: bool) -> bool:
        """Record `folder/name` if secret; True when it is a directory to descend into."""
        path = os.path.join(folder, name)
        relative = self._relative(path)
        if is_dir:
            if self.matcher.hides_dir(name, relative):
                self.found[path] = True
                return False
            return name not in self.skip
        if self.matcher.hides_file(name, relative):
            self.found[path] = os.path.islink(path) and os.path.isdir(path)
        return False

    def remove_tree(self, top: str) -> None:
        pending = [top]
        while pending:
            folder = pending.pop()
            wd = self.watch_of.pop(folder, None)
            if wd is not None:
                self.paths.pop(wd, None)
                self.inotify.remove(wd)
            pending.extend(os.path.join(folder, n) for n in self.children.pop(folder, ()))
        prefix = top + "/"
        for path in [p for p in self.found if p == top or p.startswith(prefix)]:
            del self.found[path]

    def apply(self, events: list[tuple[int, int, str]]) -> bool:
        """Update from events; False when the tree can no longer be trusted (root gone, overflow)."""
        for wd, mask, name in events:
            if mask & IN_Q_OVERFLOW:
                return False
            folder = self.paths.get(wd)
            if folder is None:
                continue
            if mask & IN_IGNORED:
                self.paths.pop(wd, None)
                if self.watch_of.get(folder) == wd:
                    del self.watch_of[folder]
                continue
            if mask & (IN_DELETE_SELF | IN_MOVE_SELF):
                if folder == self.root:
                    return False
                continue
            path = os.path.join(folder, name)
            is_dir = bool(mask & IN_ISDIR)
            if mask & (IN_DELETE | IN_MOVED_FROM):
                self.found.pop(path, None)
                if is_dir:
                    self.children.get(folder, set()).discard(name)
                    self.remove_tree(path)
            elif mask & (IN_CREATE | IN_MOVED_TO) and self._classify(folder, name, is_dir):
                self.children.setdefault(folder, set()).add(name)
                self.add_tree(path)
        return True

    def snapshot(self) -> list[tuple[str, bool]]:
        return sorted(self.found.items())


def serve(config: dict[str, object]) -> None:
    import fcntl
    import select
    import socket

    path = str(config["socket"])
    root = str(config["root"])
    hide = [str(p) for p in config["hide"]]  # type: ignore[attr-defined]
    reveal = [str(p) for p in config["reveal"]]  # type: ignore[attr-defined]
    skip = [str(p) for p in config["skip"]]  # type: ignore[attr-defined]
    matcher = SecretMatcher(hide, reveal)
    key = scan_key(matcher, skip)
    lock = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    try:
        tree = WatchedTree(root, matcher, skip)
    except (WatchLimitReached, OSError):
        return
    if os.path.lexists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(64)
    identity = os.stat(path).st_ino
    last_query = time.monotonic()
    try:
        while True:
            ready, _, _ = select.select([tree.inotify.fd, server], [], [], POLL_SECONDS)
            if tree.inotify.fd in ready and not tree.apply(tree.inotify.read()):
                return
            if server in ready:
                connection, _ = server.accept()
                with connection:
                    connection.settimeout(2)
                    try:
                        connection.recv(16)
                        if not tree.apply(tree.inotify.read()):
                            return
                        reply = {"root": root, "key": key, "found": tree.snapshot()}
                        connection.sendall(marshal.dumps(reply))
                    except OSError:
                        pass
                last_query = time.monotonic()
            if time.monotonic() - last_query > IDLE_SECONDS or not os.path.isdir(root):
                return
            try:
                if os.stat(path).st_ino != identity:
                    return
            except OSError:
                return
    finally:
        server.close()
        try:
            if os.stat(path).st_ino == identity:
                os.unlink(path)
        except OSError:
            pass


def main() -> None:
    data = sys.stdin.buffer.read()
    os.close(0)
    os.open("/dev/null", os.O_RDONLY)
    try:
        config = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return
    if isinstance(config, dict):
        serve(config)


if __name__ == "__main__":
    main()
