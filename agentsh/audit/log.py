"""The audit log: one JSON line per invocation, hash-chained, appended under a lock.

Layout, in `<state>/audit/` (hidden from every sandbox, mode 0700):

- `audit.jsonl`: the current file. Each line is a JSON object whose `seq`
  counts entries since the log began and whose `prev` is the SHA-256 of the
  previous line's bytes, so editing or deleting a line breaks the chain.
- `audit.<first seq>.jsonl`: older files, renamed when the current one would
  grow past `max_bytes`; the chain continues across them, and only the newest
  `keep` are kept.
- `audit.head`: the last entry's seq and hash, the current file's size and
  first seq. It is also the lock file. Because it records the end of the
  chain, `verify` notices lines cut from the end, which no chain alone can.
- `pending/`: one small file per command still running (see `Pending`).

Reading and verifying live in `reader.py`, so that a command pays only for writing.

Appending costs one lock, one read of the head, one write and one rewrite of
the head: no reading back through the log.
"""

from __future__ import annotations

import fcntl
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from agentsh.approve.request import Answer
    from agentsh.policy.model import Verdict
    from agentsh.sandbox.launch import Outcome

GENESIS = "0" * 64
"""The `prev` of the first entry ever written."""
CURRENT = "audit.jsonl"
HEAD = "audit.head"
PENDING = "pending"
DEFAULT_MAX_BYTES = 16 << 20
DEFAULT_KEEP = 8
MAX_MARKER = 1 << 20
LOST = {
    "outcome": "lost",
    "status": None,
    "note": "agentsh was killed before it could record how the command ended",
}


class AuditUnavailable(OSError):
    """The log cannot be written; agentsh does not run commands it cannot record."""


def sha256_hex(data: bytes) -> str:
    """SHA-256 from the small builtin module: hashlib would load OpenSSL (3-8 ms) per command."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found]
        except ImportError:
            from hashlib import sha256
    return str(sha256(data).hexdigest())


def encode(entry: Mapping[str, Any]) -> bytes:
    """One compact JSON line, ASCII only (bytes the command held that are not UTF-8
    stay recoverable as \\udcXX escapes).

    Written by hand instead of with the json package, whose import would cost
    every command about 3 ms (and its C escaper alone 0.3 ms more than this).
    """
    return _json_value(entry).encode("ascii")


_ESCAPES = {i: f"\\u{i:04x}" for i in range(0x20)} | {
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0x7F: "\\u007f",
}


def _json_string(text: str) -> str:
    escaped = text.translate(_ESCAPES)
    if not escaped.isascii():
        escaped = "".join(char if char < "\x80" else _utf16_escape(ord(char)) for char in escaped)
    return f'"{escaped}"'


def _utf16_escape(code: int) -> str:
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _json_value(value: object) -> str:
    if isinstance(value, str):
        return _json_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "null"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{_json_string(str(key))}:{_json_value(item)}" for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_value(item) for item in value) + "]"
    return _json_string(str(value))


class Head:
    """The end of the chain, as `audit.head` records it."""

    __slots__ = ("digest", "first_seq", "seq", "size")

    def __init__(self, seq: int = 0, digest: str = GENESIS, size: int = 0, first_seq: int = 1):
        self.seq = seq
        self.digest = digest
        self.size = size
        self.first_seq = first_seq

    def dump(self) -> bytes:
        return f"{self.seq} {self.digest} {self.size} {self.first_seq}\n".encode()

    @classmethod
    def parse(cls, data: bytes) -> Head | None:
        parts = data.split()
        if len(parts) != 4 or not all(p.isdigit() for p in (parts[0], parts[2], parts[3])):
            return None
        digest = parts[1].decode("ascii", "replace")
        if len(digest) != 64:
            return None
        return cls(int(parts[0]), digest, int(parts[2]), int(parts[3]))


class AuditLog:
    def __init__(self, folder: str, max_bytes: int = DEFAULT_MAX_BYTES, keep: int = DEFAULT_KEEP):
        self.folder = folder
        self.max_bytes = max_bytes
        self.keep = keep
        self._head_fd = -1

    @property
    def current(self) -> str:
        return os.path.join(self.folder, CURRENT)

    @property
    def head_path(self) -> str:
        return os.path.join(self.folder, HEAD)

    def open(self) -> AuditLog:
        """Make sure the log can be written, before anything runs."""
        if self._head_fd >= 0:
            return self
        from agentsh.paths import ensure_private_dir

        try:
            ensure_private_dir(self.folder)
            self._head_fd = os.open(self.head_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise AuditUnavailable(
                exc.errno, f"cannot open the audit log in {self.folder}: {exc.strerror}"
            ) from exc
        return self

    def close(self) -> None:
        if self._head_fd >= 0:
            os.close(self._head_fd)
            self._head_fd = -1

    def append(self, entry: Mapping[str, Any], marker: str | None = None) -> dict[str, Any]:
        """Chain `entry` to the log and write it as one line; returns what was written.

        `marker` is the command's `Pending` file, removed under the same lock.
        """
        self.open()
        fd = self._head_fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            head = Head.parse(os.pread(fd, 256, 0))
            log_fd = os.open(
                self.current, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
            try:
                size = os.fstat(log_fd).st_size
                if head is None or head.size != size:
                    head = self._recover(head)
                for path, orphan in Pending(self.folder).orphans():
                    lost = {"seq": head.seq + 1, "prev": head.digest, **orphan, **LOST}
                    lost_line = encode(lost)
                    _write_all(log_fd, lost_line + b"\n")
                    head.seq += 1
                    head.digest = sha256_hex(lost_line)
                    head.size += len(lost_line) + 1
                    size += len(lost_line) + 1
                    _unlink(path)
                written = {"seq": head.seq + 1, "prev": head.digest, **entry}
                line = encode(written)
                if size and size + len(line) + 1 > self.max_bytes:
                    os.close(log_fd)
                    log_fd = -1
                    self._rotate(head)
                    log_fd = os.open(
                        self.current,
                        os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                        0o600,
                    )
                    head.size = 0
                    head.first_seq = head.seq + 1
                _write_all(log_fd, line + b"\n")
                if marker:
                    _unlink(marker)
            finally:
                if log_fd >= 0:
                    os.close(log_fd)
            head.seq += 1
            head.digest = sha256_hex(line)
            head.size += len(line) + 1
            data = head.dump()
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
            return written
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _recover(self, stale: Head | None) -> Head:
        """Rebuild the head from the log itself (first use, or a write that was interrupted).

        The chain continues from the last complete line. A torn last line (a
        crash mid-write) is left in place, for `verify` to report.
        """
        files = log_files(self.folder)
        for path in reversed(files):
            last = _last_line(path)
            if last is None:
                continue
            import json

            try:
                seq = int(json.loads(last)["seq"])
            except (ValueError, KeyError, TypeError):
                seq = stale.seq + 1 if stale else 1
            first = _first_seq(self.current) or seq + 1
            try:
                size = os.path.getsize(self.current)
            except OSError:
                size = 0
            return Head(seq, sha256_hex(last), size, first)
        if stale is not None:
            return Head(stale.seq, stale.digest, 0, stale.seq + 1)
        return Head()

    def _rotate(self, head: Head) -> None:
        os.replace(self.current, os.path.join(self.folder, f"audit.{head.first_seq:012d}.jsonl"))
        rotated = [p for p in log_files(self.folder) if not p.endswith(os.sep + CURRENT)]
        for path in rotated[: max(0, len(rotated) - self.keep)]:
            _unlink(path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def log_files(folder: str) -> list[str]:
    """Rotated files, oldest first, then the current file (when they exist)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    rotated = sorted(
        name
        for name in names
        if name.startswith("audit.") and name.endswith(".jsonl") and name[6:-6].isdigit()
    )
    files = [os.path.join(folder, name) for name in rotated]
    if CURRENT in names:
        files.append(os.path.join(folder, CURRENT))
    return files


def _last_line(path: str) -> bytes | None:
    """The last complete line of `path`, reading backwards in blocks."""
    try:
        with open(path, "rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            tail = b""
            position = end
            while position > 0:
                step = min(65536, position)
                position -= step
                handle.seek(position)
                tail = handle.read(step) + tail
                body = tail[:-1] if tail.endswith(b"\n") else tail[: tail.rfind(b"\n") + 1]
                body = body.rstrip(b"\n")
                cut = body.rfind(b"\n")
                if cut >= 0:
                    return body[cut + 1 :]
                if position == 0 and body:
                    return body
            return None
    except OSError:
        return None


def _first_seq(path: str) -> int | None:
    import json

    try:
        with open(path, "rb") as handle:
            first = handle.readline()
        return int(json.loads(first)["seq"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Pending:
    """A marker for a command that is running, so that its entry survives a kill -9.

    The supervisor writes the entry it would log (without the outcome) before
    the command starts and holds a lock on the file while it runs; it removes
    the file when it appends the real entry. Any later append finds markers
    nobody holds a lock on (their agentsh is gone: the kernel drops a dead
    process's locks) and logs them with `"status": null`, `"outcome": "lost"`.
    """

    def __init__(self, folder: str):
        self.folder = folder
        self.held: int = -1

    @property
    def directory(self) -> str:
        return os.path.join(self.folder, PENDING)

    def mark(self, entry: Mapping[str, Any]) -> str:
        """Record `entry` as running; returns the marker's path (kept locked until exit)."""
        directory = self.directory
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        path = os.path.join(directory, f"{os.getpid()}-{os.urandom(4).hex()}.json")
        fd = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _write_all(fd, encode(entry))
        os.rename(path + ".new", path)
        self.held = fd
        return path

    def orphans(self) -> list[tuple[str, dict[str, Any]]]:
        """Markers whose agentsh is no longer running (no one holds their lock)."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            return []
        found = []
        for name in names:
            if not name.endswith(".json"):
                continue
            path = os.path.join(self.directory, name)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                data = os.read(fd, MAX_MARKER)
            finally:
                os.close(fd)
            import json

            try:
                entry = json.loads(data)
            except ValueError:
                entry = {"command": None}
            if isinstance(entry, dict):
                found.append((path, entry))
        return found


MAX_COMMAND_CHARS = 256 * 1024
"""Longer command texts are cut in the log; `command_sha256` identifies the whole."""


def iso_time(seconds: float) -> str:
    whole = int(seconds)
    millis = int((seconds - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


class Entry:
    """One invocation's entry, filled in as the supervisor goes.

    Fields, in this order after `seq` and `prev`: time (UTC, ISO 8601), mode,
    command, cwd, project, profile (hash), decision, findings, approval
    ({channel, answer, tried}), outcome (ran, approved, blocked, denied, error,
    unsandboxed, lost), status, duration_s, cpu_s, peak_rss (bytes), pid,
    parent; `error` when something failed, `network` (each connection) and
    `network_asks` when the proxy ran, `granted` for hosts an approval gave.
    It lives here so that a command imports one module to record itself.
    """

    def __init__(self, mode: str):
        self.started = time.monotonic()
        self.marker: str | None = None
        self.recorded = False
        self.data: dict[str, Any] = {
            "time": iso_time(time.time()),
            "mode": mode,
            "command": None,
            "cwd": None,
            "project": None,
            "profile": None,
            "decision": None,
            "findings": [],
            "approval": None,
            "outcome": None,
            "status": None,
            "duration_s": None,
            "cpu_s": None,
            "peak_rss": None,
            "pid": os.getpid(),
            "parent": os.getppid(),
        }

    def place(self, cwd: str, project: str) -> None:
        self.data["cwd"] = cwd
        self.data["project"] = project

    def command(self, text: str | None, script: str | None) -> None:
        if text is None:
            self.data["command"] = None
            self.data["script"] = script
            return
        if len(text) > MAX_COMMAND_CHARS:
            self.data["command_sha256"] = sha256_hex(text.encode("utf-8", "surrogateescape"))
            text = text[:MAX_COMMAND_CHARS]
            self.data["command_truncated"] = True
        self.data["command"] = text
        if script:
            self.data["script"] = script

    def verdict(self, verdict: Verdict) -> None:
        self.data["decision"] = str(verdict.decision)
        self.data["findings"] = [
            {
                "rule": f.rule,
                "decision": str(f.decision),
                "command": f.command,
                "message": f.message,
                **({"target": f.target} if f.target else {}),
            }
            for f in verdict.findings
        ]

    def approval(self, answer: Answer) -> None:
        self.data["approval"] = {
            "channel": answer.channel,
            "answer": answer.answer,
            "tried": list(answer.tried),
        }

    def ran(self, outcome: Outcome) -> None:
        if self.data["outcome"] is None:
            self.data["outcome"] = "ran"
        if outcome.setup_failed is not None:
            self.data["outcome"] = "error"
            self.data["error"] = outcome.setup_failed
        self.data["status"] = outcome.status
        self.data["cpu_s"] = outcome.cpu_seconds
        self.data["peak_rss"] = outcome.peak_rss

    def failed(self, message: str) -> None:
        self.data["outcome"] = "error"
        self.data["error"] = message
        self.data["status"] = 126

    def pending(self, folder: str) -> str:
        """Leave a marker so that the entry is logged even if agentsh is killed while running.

        It is the command's record before it runs, so failing to write it (a
        full disk, a quota) raises AuditUnavailable: the command must not run.
        """
        try:
            return Pending(folder).mark(self.snapshot())
        except OSError as exc:
            raise AuditUnavailable(
                exc.errno,
                f"cannot record the command in the audit log before it runs ({exc.strerror})",
            ) from exc

    def snapshot(self) -> dict[str, Any]:
        data = dict(self.data)
        data["duration_s"] = round(time.monotonic() - self.started, 4)
        return data

    def finish(self) -> dict[str, Any]:
        return self.snapshot()
