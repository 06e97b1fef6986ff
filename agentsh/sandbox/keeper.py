"""Background jobs that outlive their command (`sandbox.background: keep`).

Normally a sandbox ends with its command, taking every process in it along:
no orphans. A dev server started with `npm run dev &` is the one deliberate
exception. For such a command agentsh splits in two before starting bwrap:

- the process the agent started waits only for the command itself and exits
  with its status, as bash would;
- a keeper (a child in a session of its own) owns the sandbox. It relays the
  command's output to the agent until the command ends, then sends what the
  jobs still write to a log, and stays until the last process in the sandbox
  exits or `agentshctl sessions stop` ends it. bwrap still dies with its
  parent, so the keeper is what holds the sandbox alive, and stopping the
  keeper stops everything in it.

Inside, a small sh loop waits while other processes remain (the sandbox's
/proc lists only its own), so nothing of agentsh runs in the sandbox.
"""

from __future__ import annotations

import json
import os
import select
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

COMMAND_STATUS_FD = 7
"""Where the inner wrapper writes the command's exit status (fd 6 is a session's state)."""
LOG_LIMIT = 4 << 20
"""Bytes of the jobs' output kept in the session's log; the rest is read and dropped."""

WAIT_FOR_JOBS = (
    'printf "%s\\n" "$status" >&{fd}; exec {fd}>&- 0</dev/null >/dev/null 2>&1; '
    "others() {{ for p in /proc/[0-9]*; do p=${{p#/proc/}}; "
    '[ "$p" != 1 ] && [ "$p" != $$ ] && return 0; done; return 1; }}; '
    'while others; do sleep 1; done; exit "$status"'
)


def wait_for_jobs_script(stderr_fd: int) -> str:
    """The inner sh: run the command, report its status, then wait for the jobs it left."""
    return f'exec 2>&{stderr_fd} {stderr_fd}>&-; "$@"; status=$?; ' + WAIT_FOR_JOBS.format(
        fd=COMMAND_STATUS_FD
    )


def sessions_dir(state_dir: str) -> str:
    return os.path.join(state_dir, "sessions")


class Keeper:
    """The keeper's side: relays, reports the status to the waiting parent, registers."""

    def __init__(self, status_to_parent: int, folder: str, record: dict[str, object]):
        self.status_to_parent = status_to_parent
        self.folder = folder
        self.record = record
        self.registration = os.path.join(folder, f"{os.getpid()}.json")
        self.log_path = os.path.join(folder, f"{os.getpid()}.log")
        self.reported = False
        self.command_ended: Callable[[], None] | None = None
        """Called once the command has ended, before the agent hears its status."""
        self.command_status: int | None = None
        self.sandbox_pid: Callable[[], int] | None = None
        """bwrap's pid, registered as the holder of the sandbox's network namespace."""
        """The command's own exit status (the sandbox ends later, with the jobs)."""

    def relay(self, stdout_read: int, stderr_read: int, command_status: int) -> None:
        """Copy the command's output to the agent until its status arrives, then detach."""
        targets = {stdout_read: 1, stderr_read: 2}
        open_fds = [stdout_read, stderr_read, command_status]
        status: int | None = None
        while command_status in open_fds:
            ready, _, _ = select.select(open_fds, [], [])
            for fd in ready:
                data = _read(fd)
                if fd == command_status:
                    text = data.decode("ascii", "replace").strip()
                    status = int(text) if text.isdigit() else None
                    open_fds.remove(fd)
                elif data:
                    _write_all(targets[fd], data)
                else:
                    open_fds.remove(fd)
        for fd in open_fds:
            while data := _read(fd, block=False):
                _write_all(targets[fd], data)
        if status is not None:
            self.command_status = status
            self.report(status)
            try:
                self._register()
            except OSError:
                self._end_unlisted()
        self._log(open_fds)

    def report(self, status: int) -> None:
        """Tell the waiting parent the command's status, and let go of the agent's stdio."""
        if self.reported:
            return
        self.reported = True
        if self.command_ended is not None:
            self.command_ended()
        try:
            os.write(self.status_to_parent, f"{status}\n".encode())
        except OSError:
            pass
        os.close(self.status_to_parent)
        null = os.open(os.devnull, os.O_RDWR)
        for target in (0, 1, 2):
            os.dup2(null, target)
        os.close(null)

    def _register(self) -> None:
        from agentsh import paths

        paths.ensure_private_dir(self.folder)
        record = {**self.record, "pid": os.getpid(), "log": self.log_path}
        if self.sandbox_pid is not None:
            record["sandbox_pid"] = self.sandbox_pid()
        temporary = f"{self.registration}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.replace(temporary, self.registration)

    def _end_unlisted(self) -> None:
        """A kept sandbox nobody could list or stop must not run on: end it (the SIGTERM
        goes to the jobs through the launcher's handler, as `sessions stop` does)."""
        import signal

        os.kill(os.getpid(), signal.SIGTERM)

    def _log(self, fds: list[int]) -> None:
        written = 0
        with open(self.log_path, "ab") as log:
            while fds:
                ready, _, _ = select.select(fds, [], [])
                for fd in ready:
                    data = _read(fd)
                    if not data:
                        fds.remove(fd)
                    elif written < LOG_LIMIT:
                        log.write(data[: LOG_LIMIT - written])
                        log.flush()
                        written += len(data)

    def finish(self, status: int) -> None:
        self.report(status)
        try:
            os.unlink(self.registration)
        except FileNotFoundError:
            pass


def split(folder: str, record: dict[str, object]) -> Keeper:
    """Fork. The parent waits for the command's status and exits with it (never returns);
    the child, returned as a Keeper, goes on to run the sandbox."""
    import signal

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.setsid()
        return Keeper(write_end, folder, {**record, "started": time.time()})
    os.close(write_end)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, lambda number, _frame: _pass_on(pid, number))
    data = b""
    while chunk := _read(read_end):
        data += chunk
    text = data.decode("ascii", "replace").strip()
    if text.isdigit():
        os._exit(int(text))
    _, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    os._exit(128 - code if code < 0 else code)


def _pass_on(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _read(fd: int, block: bool = True) -> bytes:
    if not block:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            return b""
    while True:
        try:
            return os.read(fd, 1 << 16)
        except InterruptedError:
            continue
        except OSError:
            return b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except InterruptedError:
            continue
        except OSError:
            return


def live_sessions(state_dir: str) -> list[dict[str, object]]:
    """Registered keepers that are still running (stale registrations are removed)."""
    folder = sessions_dir(state_dir)
    found = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in names:
        if not name.endswith(".json"):
            continue
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as handle:
                record = json.load(handle)
            pid = int(record["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _is_keeper(pid):
            found.append(record)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass
    return found


def network_holder(state_dir: str, project_root: str) -> int | None:
    """bwrap of the newest kept sandbox of this project that still runs: its network
    namespace is the one the project's later commands join."""
    for record in reversed(live_sessions(state_dir)):
        holder = record.get("sandbox_pid")
        if record.get("project") != project_root or not isinstance(holder, int):
            continue
        try:
            if os.stat(f"/proc/{holder}").st_uid == os.getuid():
                with open(f"/proc/{holder}/status", encoding="ascii", errors="replace") as handle:
                    parent = next(
                        (line.split()[1] for line in handle if line.startswith("PPid:")), ""
                    )
                if parent == str(record["pid"]):
                    return holder
        except (OSError, ValueError):
            continue
    return None


def _is_keeper(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read().split(b"\0")
    except OSError:
        return False
    return any(b"agentsh" in word for word in words[:3]) and os.stat(f"/proc/{pid}").st_uid == (
        os.getuid()
    )


def stop(pids: Sequence[int], patience: float = 5.0) -> list[int]:
    """End these keepers' sandboxes: SIGTERM, which the keeper passes to the jobs; a
    keeper still there after `patience` seconds is killed, and bwrap (and every
    process in the sandbox) dies with it."""
    import signal

    stopped = []
    for pid in pids:
        if not _is_keeper(pid):
            continue
        try:
            os.kill(pid, signal.SIGTERM)
            stopped.append(pid)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + patience
    while any(_is_keeper(pid) for pid in stopped) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in stopped:
        if _is_keeper(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return stopped
