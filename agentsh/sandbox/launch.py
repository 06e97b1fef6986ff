"""Start bwrap, pass the terminal and signals through, and return the command's status.

Without a terminal the command gets agentsh's own stdin, stdout and stderr
(no copying: binary-safe and unbuffered) and runs in a session of its own, so
it cannot inject keystrokes into a terminal (TIOCSTI needs a controlling tty).

With a terminal, the command gets a pseudo-terminal that agentsh relays to the
real one. Inside, the pty is its controlling terminal, so job control, Ctrl-C
and /dev/tty work, while keystrokes it injects only reach itself.

bwrap runs in its own process group: a signal sent to agentsh's group reaches
agentsh, which forwards it to the command; bwrap itself dies only when agentsh
does (--die-with-parent), taking the whole sandbox with it.

Signals come from `_signal`, the C module that `signal` re-exports: `signal`
only adds enum wrappers, and importing enum, collections and functools for
them would cost every command several milliseconds.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import time

from agentsh.errors import SandboxUnavailable
from agentsh.records import record

TYPE_CHECKING = False
if not TYPE_CHECKING:
    import _signal as signal
else:
    import signal
    from collections.abc import Callable, Sequence
    from types import FrameType
    from typing import Any

    from agentsh.net import Session

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
ENDING = (signal.SIGTERM, signal.SIGHUP)
KILL_AFTER = 5.0
"""Seconds a command has to end after agentsh passed it SIGTERM or SIGHUP; then the
whole sandbox is killed. A shell defers SIGTERM that lands just before it forks the
next command until that command exits, and a process may ignore it: either would
keep agentsh running after it was told to end."""
STATUS_FD = 3
REAL_STDERR_FD = 4
SECCOMP_FD = 5
"""The compiled seccomp filter bwrap reads (`--seccomp 5`), when there is one."""
_SETSID_PATHS = ("/usr/bin/setsid", "/bin/setsid")


@record
class Outcome:
    status: int
    """The command's exit status, 128+N when it died of signal N."""
    setup_failed: str | None = None
    """bwrap's own error when it could not build the sandbox (the command never ran)."""
    cpu_seconds: float | None = None
    """User and system CPU time of the whole process tree (every process in the
    sandbox is reaped inside it, so the kernel's rusage of bwrap counts them all)."""
    peak_rss: int | None = None
    """Peak memory in bytes: the larger of the biggest single process's peak
    (kernel rusage, exact) and the highest total over the tree that psutil
    sampled while the command ran (commands longer than SAMPLE_AFTER)."""


SAMPLE_AFTER = 0.25
"""Short commands are not sampled at all, so they never pay for importing psutil."""


class TreeSampler:
    """Samples the total RSS of bwrap and its descendants from a background thread."""

    def __init__(self, pid: int, meanwhile: Callable[[], object] | None = None):
        import _thread

        self.pid = pid
        self.meanwhile = meanwhile
        self.peak = 0
        self._stop = _thread.allocate_lock()
        self._stop.acquire()
        _thread.start_new_thread(self._run, ())

    def stop(self) -> int:
        if self._stop.locked():
            self._stop.release()
        return self.peak

    def _run(self) -> None:
        if self.meanwhile is not None:
            try:
                self.meanwhile()
            except Exception:
                pass
        if self._stop.acquire(timeout=SAMPLE_AFTER):
            return
        try:
            import psutil

            root = psutil.Process(self.pid)
            while True:
                total = 0
                for process in (root, *root.children(recursive=True)):
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
                if self._stop.acquire(timeout=SAMPLE_AFTER):
                    return
        except Exception:
            return


def terminal_mode() -> bool:
    """Relay a terminal when agentsh has one in the foreground on stdin and stdout."""
    try:
        return os.isatty(0) and os.isatty(1) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


def setsid_binary() -> str | None:
    for path in _SETSID_PATHS:
        if os.access(path, os.X_OK):
            return path
    return None


def _high_dup(fd: int) -> int:
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)


def close_inherited_fds() -> None:
    """Mark every descriptor above stderr close-on-exec so none leaks into the sandbox."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        names = [str(fd) for fd in range(3, 256)]
    for name in names:
        fd = int(name)
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    os.set_inheritable(fd, False)
            except OSError:
                pass


class Launch:
    def __init__(
        self,
        bwrap_path: str,
        argv: Sequence[str],
        env: dict[str, str],
        pty: bool,
        stdin_fd: int | None = None,
        network: Session | None = None,
        meanwhile: Callable[[], object] | None = None,
        seccomp_fd: int | None = None,
        extra_fds: Sequence[int] = (),
        output_fds: tuple[int, int] | None = None,
        handed_over: Sequence[int] = (),
        scope_abstract_sockets: bool = False,
    ):
        self.scope_abstract_sockets = scope_abstract_sockets
        """Start bwrap in a Landlock domain that cannot reach the host's abstract
        sockets (sandbox.landlock; for commands sharing the host's network)."""
        self.handed_over = tuple(handed_over)
        """Descriptors only bwrap needs: closed here once it has them."""
        self.output_fds = output_fds
        """Where the command's stdout and stderr go instead of agentsh's (a keeper's pipes);
        closed here once bwrap has them."""
        self.seccomp_fd = seccomp_fd
        self.extra_fds = tuple(extra_fds)
        """Given to bwrap right after the seccomp descriptor (a shell session's state)."""
        self.meanwhile = meanwhile
        """Work for the sampler thread while the command runs (warming what comes after)."""
        self.network = network
        self.bwrap_path = bwrap_path
        self.stdin_fd = stdin_fd
        self.argv = list(argv)
        self.env = env
        self.pty = pty
        self.pid = 0
        self.master = -1
        self.status_buffer = b""
        self.status_read = -1
        self.forwarded: int | None = None
        self.kill_at: float | None = None
        """When the sandbox is killed, once a SIGTERM or SIGHUP was forwarded."""

    def run(self) -> Outcome:
        close_inherited_fds()
        status_read, status_write = os.pipe()
        error_read, error_write = os.pipe()
        os.set_blocking(status_read, False)
        os.set_blocking(error_read, False)
        self.status_read = status_read
        sources = [0 if self.stdin_fd is None else self.stdin_fd, 1, 2]
        if self.output_fds is not None:
            sources[1:] = self.output_fds
        slave = -1
        if self.pty:
            self.master, slave = os.openpty()
            _copy_terminal(0, slave)
            sources = [slave if os.isatty(fd) else fd for fd in sources]
        child_fds = [
            _high_dup(sources[0]),
            _high_dup(sources[1]),
            _high_dup(error_write),
            _high_dup(status_write),
            _high_dup(sources[2]),
        ]
        if self.seccomp_fd is not None:
            child_fds.append(_high_dup(self.seccomp_fd))
        child_fds += [_high_dup(fd) for fd in self.extra_fds]
        actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(child_fds)]
        previous = {sig: signal.signal(sig, self._forward) for sig in FORWARDED}
        saved_terminal = None
        try:
            if self.network is None and self.scope_abstract_sockets:
                self.pid = _fork_scoped(
                    self.bwrap_path, [self.bwrap_path, *self.argv], self.env, child_fds
                )
            elif self.network is None:
                self.pid = os.posix_spawn(
                    self.bwrap_path,
                    [self.bwrap_path, *self.argv],
                    self.env,
                    file_actions=actions,
                    setpgroup=0,
                    setsigdef=(signal.SIGPIPE, signal.SIGXFSZ, *FORWARDED),
                    setsigmask=(),
                )
            else:
                self.pid = self._spawn_in_namespace(child_fds, self.network)
        except OSError as exc:
            raise SandboxUnavailable(
                f"cannot start bwrap at {self.bwrap_path}: {exc.strerror}"
            ) from exc
        finally:
            for fd in (
                *child_fds,
                status_write,
                error_write,
                *(self.output_fds or ()),
                *self.handed_over,
            ):
                os.close(fd)
            if slave >= 0:
                os.close(slave)
        sampler = TreeSampler(self.pid, self.meanwhile)
        try:
            if self.pty:
                saved_terminal = _enter_raw(0)
                previous[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, self._resize)
                wait_status, usage = self._relay()
            else:
                wait_status, usage = self._wait()
        finally:
            sampled = sampler.stop()
            if saved_terminal is not None:
                _leave_raw(0, saved_terminal)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.master >= 0:
                os.close(self.master)
        self._drain_status()
        os.close(status_read)
        code = os.waitstatus_to_exitcode(wait_status)
        status = 128 - code if code < 0 else code
        setup_failed = None
        if b'"exit-code"' not in self.status_buffer and self.forwarded is None:
            setup_failed = _read_all(error_read).decode("utf-8", "replace").strip() or (
                f"bwrap exited with status {status} before starting the command"
            )
        os.close(error_read)
        if usage is None:
            return Outcome(status, setup_failed)
        return Outcome(
            status,
            setup_failed,
            cpu_seconds=round(usage.ru_utime + usage.ru_stime, 4),
            peak_rss=max(usage.ru_maxrss * 1024, sampled),
        )

    def _spawn_in_namespace(self, child_fds: list[int], network: Session) -> int:
        """bwrap from the child that already made the network namespace (agentsh.net)."""
        try:
            return network.launch(
                self.bwrap_path, [self.bwrap_path, *self.argv], self.env, child_fds
            )
        except OSError as exc:
            raise SandboxUnavailable(
                f"cannot create the sandbox's network namespace ({exc.strerror or exc})"
            ) from exc

    def _drain_status(self) -> None:
        while True:
            try:
                chunk = os.read(self.status_read, 4096)
            except BlockingIOError:
                return
            except OSError:
                return
            if not chunk:
                return
            self.status_buffer += chunk

    def _sandbox_init_pid(self) -> int | None:
        self._drain_status()
        marker = b'"child-pid":'
        start = self.status_buffer.find(marker)
        if start < 0:
            return None
        digits = self.status_buffer[start + len(marker) :].lstrip().split(b",")[0].strip(b" }")
        return int(digits) if digits.isdigit() else None

    def _command_group(self) -> int | None:
        """The process group to signal, as seen from the host.

        With a terminal it is the pty's foreground job. Without one, bwrap's
        --new-session makes the sandbox's init a session (and group) leader and
        every command inside inherits that group; init itself ignores the
        signal, as a pid namespace's init does for signals it has no handler for.
        """
        if self.pty and self.master >= 0:
            try:
                group = os.tcgetpgrp(self.master)
                if group > 0:
                    return group
            except OSError:
                pass
        return self._sandbox_init_pid()

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.forwarded = signum
        if signum in ENDING and self.kill_at is None:
            self.kill_at = time.monotonic() + KILL_AFTER
        group = self._command_group()
        try:
            if group is not None:
                os.killpg(group, signum)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _wait(self) -> tuple[int, Any]:
        """The wait status and the resource usage of bwrap and every descendant it reaped.

        A blocking wait4 would keep a forwarded signal from being forwarded when it lands
        just before the call or on one of agentsh's helper threads: Python runs handlers
        in the main thread only, between bytecodes. So this selects on bwrap's pidfd and
        on signal's wakeup fd, which the C-level handler writes from whichever thread
        took the signal.
        """
        try:
            pidfd = os.pidfd_open(self.pid)
        except OSError:
            return _reap(self.pid)
        woken, wake = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        previous = signal.set_wakeup_fd(wake, warn_on_full_buffer=False)
        try:
            while True:
                timeout = None
                if self.kill_at is not None:
                    timeout = max(0.0, self.kill_at - time.monotonic())
                ready = select.select([pidfd, woken], [], [], timeout)[0]
                if pidfd in ready:
                    break
                _drain(woken)
                self._kill_when_due()
        finally:
            signal.set_wakeup_fd(previous)
            for fd in (pidfd, woken, wake):
                os.close(fd)
        return _reap(self.pid)

    def _kill_when_due(self) -> None:
        if self.kill_at is None or time.monotonic() < self.kill_at:
            return
        self.kill_at = None
        init = self._sandbox_init_pid()
        try:
            os.kill(init if init is not None else self.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        name = "SIGHUP" if self.forwarded == signal.SIGHUP else "SIGTERM"
        line = f"agentsh: the command did not end within {KILL_AFTER:g} s of {name}; killed it"
        try:
            os.write(2, (line + ("\r\n" if self.pty else "\n")).encode())
        except OSError:
            pass

    def _resize(self, signum: int, frame: FrameType | None) -> None:
        if self.master >= 0:
            _copy_window_size(0, self.master)

    def _relay(self) -> tuple[int, Any]:
        """Copy between the real terminal and the pty until the sandbox ends."""
        stdin_open = True
        master = self.master
        while True:
            readers = [master, 0] if stdin_open else [master]
            try:
                ready, _, _ = select.select(readers, [], [], 0.25)
            except InterruptedError:
                continue
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError as exc:
                    if exc.errno != errno.EIO:
                        raise
                    data = b""
                if not data:
                    return self._wait()
                write_all(1, data)
            if stdin_open and 0 in ready:
                data = os.read(0, 65536)
                if data:
                    write_all(master, data)
                else:
                    stdin_open = False
            self._kill_when_due()
            if not ready:
                done, wait_status, usage = os.wait4(self.pid, os.WNOHANG)
                if done:
                    self._drain_master()
                    return wait_status, usage

    def _drain_master(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0)
                if not ready:
                    return
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            write_all(1, data)


def _fork_scoped(path: str, argv: list[str], env: dict[str, str], fds: list[int]) -> int:
    """posix_spawn's work done by hand, plus the Landlock scoping, which has no spawn
    attribute. A failure is written where bwrap's own errors go (the third fd), so
    the supervisor reports it and the command does not run."""
    from agentsh.sandbox import landlock

    pid = os.fork()
    if pid:
        return pid
    try:  # pragma: no cover - the child execs or exits
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.setpgid(0, 0)
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, *FORWARDED):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        landlock.scope_abstract_sockets()
        os.execve(path, argv, env)
    except BaseException as exc:
        try:
            os.write(2, f"cannot enter the Landlock domain: {exc}".encode())
        except OSError:
            pass
    os._exit(127)


def _reap(pid: int) -> tuple[int, Any]:
    while True:
        try:
            _, wait_status, usage = os.wait4(pid, 0)
            return wait_status, usage
        except ChildProcessError:
            return 0, None
        except InterruptedError:
            continue


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        view = view[written:]


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _copy_window_size(source: int, target: int) -> None:
    import termios

    try:
        size = fcntl.ioctl(source, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(target, termios.TIOCSWINSZ, size)
    except OSError:
        pass


def _copy_terminal(source: int, target: int) -> None:
    import termios

    try:
        termios.tcsetattr(target, termios.TCSANOW, termios.tcgetattr(source))
    except termios.error:
        pass
    _copy_window_size(source, target)


def _enter_raw(fd: int) -> list[Any] | None:
    import termios
    import tty

    try:
        saved: list[Any] = termios.tcgetattr(fd)
        tty.setraw(fd, termios.TCSANOW)
        return saved
    except termios.error:
        return None


def _leave_raw(fd: int, saved: list[Any]) -> None:
    import termios

    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    except termios.error:
        pass
