#!/usr/bin/env python3
"""Measure agentsh against its floor and against the sandboxes users would pick instead.

Prints one table: the machine in its header, then per-command overhead, peak
memory, policy, approval and audit, network, secret discovery and the
interactive shell. Each figure is a median with min-max over runs made after
a warm-up. Commands that are compared run round-robin, one after the other in
every round, so the noise of a shared machine hits them alike, and ratios are
taken round by round. Nothing is installed: missing peers are named with the
command that installs them.

    scripts/bench [--quick] [--markdown] [--rounds N] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import select
import shlex
import shutil
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
AGENTSH = str(BIN / "agentsh")
AGENTSHCTL = str(BIN / "agentshctl")
PYTHON = str(BIN / "python")
MiB = 1 << 20
STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"bench [{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


# -- the report -----------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    samples: list[float] = field(default_factory=list)
    unit: str = "ms"
    compared: str = ""
    target: str = ""
    met: bool | None = None
    """None when the issues set no target for this figure."""
    missing: str = ""
    """Why there is no figure (a peer not installed, a command that failed)."""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)


def number(value: float, unit: str = "ms") -> str:
    if unit in ("MiB/s", "commands/s", "%"):
        return f"{value:,.0f}"
    if abs(value) < 1:
        return f"{value:.2f}"
    if abs(value) < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def span(low: float, high: float, unit: str = "ms") -> str:
    return f"{number(low, unit)}{' to ' if low < 0 else '-'}{number(high, unit)}"


def spread(values: Sequence[float], unit: str = "ms") -> str:
    """median (min-max), for figures taken round by round."""
    if len(values) == 1:
        return number(values[0], unit)
    return f"{number(statistics.median(values), unit)} ({span(min(values), max(values), unit)})"


def times(values: Sequence[float], what: str) -> str:
    """Ratios taken round by round: "3.1x floor (2.8-3.5)"."""
    text = f"{number(statistics.median(values), 'x')}x {what}"
    return text if len(values) == 1 else f"{text} ({span(min(values), max(values), 'x')})"


def change(values: Sequence[float]) -> str:
    """spread() of differences in ms, signed."""
    text = spread(values)
    return f"{text} ms" if text.startswith("-") else f"+{text} ms"


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    return [a / b for a, b in zip(numerators, denominators, strict=True) if b > 0]


def differences(minuends: Sequence[float], subtrahends: Sequence[float]) -> list[float]:
    return [a - b for a, b in zip(minuends, subtrahends, strict=True)]


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def judged(row: Row, value: float, limit: float, at_most: bool, issue: int, unit: str) -> Row:
    """Attach the issue's target to `row`, judged on `value` (a median)."""
    sign = "≤" if at_most else "≥"
    row.target = f"{sign} {limit:,g} {unit} (#{issue})"
    row.met = (value <= limit if at_most else value >= limit) if row.samples else None
    return row


HEADINGS = ("", "median", "min-max", "runs", "compared, round by round", "target (issue)")


def cells(row: Row, markdown: bool) -> list[str]:
    verdict = {None: "", True: "met", False: "**not met**" if markdown else "NOT MET"}[row.met]
    target = f"{row.target}: {verdict}" if row.target and verdict else row.target
    if not row.samples:
        return [row.name, row.missing or "n/a", "", "", row.compared, target]
    low, high = min(row.samples), max(row.samples)
    return [
        row.name,
        f"{number(row.median, row.unit)} {row.unit}",
        span(low, high, row.unit) if len(row.samples) > 1 else "",
        str(len(row.samples)),
        row.compared,
        target,
    ]


def render(header: list[str], sections: list[Section], footer: list[str], markdown: bool) -> str:
    if markdown:
        lines = [f"{line}  " for line in header[:-1]] + header[-1:] + [""]
        lines.append("| " + " | ".join(HEADINGS) + " |")
        lines.append("|---|---:|---:|---:|---|---|")
        for section in sections:
            lines.append(f"| **{section.title}** | | | | | |")
            for row in section.rows:
                text = [cell.replace("|", "\\|") for cell in cells(row, markdown=True)]
                lines.append("| " + " | ".join(text) + " |")
        return "\n".join([*lines, "", *footer])
    measured = [row for section in sections for row in section.rows if row.samples]
    table = [list(HEADINGS)] + [cells(row, markdown=False) for row in measured]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADINGS))]
    widths[0] = max(widths[0], *(len(row.name) for s in sections for row in s.rows))

    def aligned(row: Row | None) -> str:
        if row is not None and not row.samples:
            target = f"  [target {row.target}]" if row.target else ""
            return f"  {row.name:{widths[0]}}  {row.missing or 'n/a'}{target}"
        name, median, low_high, runs, compared, target = (
            cells(row, markdown=False) if row else list(HEADINGS)
        )
        return (
            f"  {name:{widths[0]}}  {median:>{widths[1]}}  {low_high:>{widths[2]}}  "
            f"{runs:>{widths[3]}}  {compared:{widths[4]}}  {target}"
        ).rstrip()

    lines = [*header, "", aligned(None)]
    for section in sections:
        lines += ["", section.title]
        lines += [aligned(row) for row in section.rows]
    return "\n".join([*lines, "", *footer])


def unmet_summary(sections: list[Section]) -> list[str]:
    unmet = [
        f"{row.name} ({number(row.median, row.unit)} {row.unit} median, target {row.target})"
        for section in sections
        for row in section.rows
        if row.met is False and row.samples
    ]
    untested = [
        f"{row.name} ({row.missing})"
        for section in sections
        for row in section.rows
        if row.target and not row.samples
    ]
    lines = ["Targets not met: " + ("; ".join(unmet) if unmet else "none") + "."]
    if untested:
        lines.append("Targets not measured: " + "; ".join(untested) + ".")
    return lines


# -- the machine and the peers --------------------------------------------------------------


@dataclass
class Peer:
    name: str
    path: str | None
    version: str
    install: str
    """How to install it, named when it is missing."""
    options: tuple[str, ...]
    """What goes between the program and the command line, as a user would type it."""
    settings: str

    def argv(self, command_line: str) -> list[str]:
        return [self.path or self.name, *self.options, command_line]

    def sees(self, project: Path, env: dict[str, str]) -> bool:
        look = shlex.join(["test", "-d", str(project)])
        result = subprocess.run(self.argv(look), env=env, capture_output=True, check=False)
        return result.returncode == 0

    def shown(self, command_line: str) -> str:
        return shlex.join([self.name, *self.options, command_line])

    def described(self) -> str:
        if not self.path:
            return f"{self.name} not found — install with: {self.install}"
        return (
            f"{self.name} {self.version} found at {self.path}, run as `{self.shown('CMD')}` "
            f"({self.settings})"
        )


def first_line(argv: Sequence[str]) -> str:
    try:
        output = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "?"
    lines = (output.stdout or output.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def find_peers() -> list[Peer]:
    srt = shutil.which("srt")
    firejail = shutil.which("firejail")
    return [
        Peer(
            "srt",
            srt,
            first_line([srt, "--version"]) if srt else "",
            "npm install -g @anthropic-ai/sandbox-runtime (on Linux it also needs bubblewrap, "
            "socat and ripgrep: apt-get install bubblewrap socat ripgrep)",
            ("-c",),
            "no settings file, so srt's defaults",
        ),
        Peer(
            "firejail",
            firejail,
            first_line([firejail, "--version"]).removeprefix("firejail version ")
            if firejail
            else "",
            "apt-get install firejail",
            ("--quiet", "bash", "-c"),
            "its default profile",
        ),
    ]


def machine(peers: list[Peer], label: str) -> list[str]:
    from agentsh.sandbox import bwrap

    meminfo = Path("/proc/meminfo").read_text().split()
    memory = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    binaries = []
    for origin, path in (("system", bwrap.system_path()), ("bundled", bwrap.bundled_path())):
        if path:
            version = bwrap.version_of(path)
            binaries.append(f"{origin} {path} {'.'.join(map(str, version or ())) or '?'}")
        else:
            binaries.append(f"no {origin} bwrap")
    try:
        used = bwrap.locate("auto").origin
    except Exception as exc:
        used = f"none ({exc})"
    interpreter = os.path.realpath(sys.executable)
    return [
        f"agentsh benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {label}",
        f"Machine: {os.cpu_count()} cores ({model}), {memory:.1f} GiB memory, "
        f"Linux {platform.release()}, load average {os.getloadavg()[0]:.2f} at start",
        f"Python {platform.python_version()} ({interpreter}); bwrap: {'; '.join(binaries)}; "
        f"agentsh uses the {used} one",
        "Peers: " + "; ".join(peer.described() for peer in peers),
    ]


# -- running commands -----------------------------------------------------------------------


@dataclass
class Command:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    role: str = ""
    """agentsh, bash, python, bwrap (the floor) or peer, in the per-command tables."""

    def run(self) -> None:
        subprocess.run(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    def failure(self) -> str:
        """Run once and say why it failed, or "" when it exited 0."""
        result = subprocess.run(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
        if result.returncode == 0:
            return ""
        said = (result.stderr.strip() or result.stdout.strip()).splitlines()
        return f"failed: exit {result.returncode}" + (f": {said[-1][:160]}" if said else "")


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def round_robin(
    commands: Sequence[Command], rounds: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Samples in ms per working command, and why the others failed (their first warm-up run)."""
    failures = {command.name: command.failure() for command in commands}
    working = [command for command in commands if not failures[command.name]]
    for _ in range(warmup - 1):
        for command in working:
            command.run()
    samples: dict[str, list[float]] = {command.name: [] for command in working}
    for _ in range(rounds):
        for command in working:
            samples[command.name].append(timed(command.run))
    return samples, {name: why for name, why in failures.items() if why}


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc/*/stat. Only pids from `root` up are read:
    pids are handed out in increasing order, so a descendant's is higher (until they wrap)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) <= root:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        parent = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending += children.get(pid, [])
    return tree


def resident_peak(pid: int) -> int:
    """VmHWM of a live process in bytes; 0 for one that is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            status = handle.read()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith(b"VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def peak_memory(command: Command) -> float | None:
    """Peak RSS of the command's process tree in MiB: the sum of each process's own peak
    (VmHWM, the last value read while it lived). None for a command that ends before it
    can be sampled three times.

    The tree is looked up in /proc every millisecond and its processes read every
    0.1 ms. The processes of these commands wait for one another (agentsh for
    bwrap, bwrap for bash), so their peaks add up. wait4's ru_maxrss is not
    used: it keeps the RSS of the parent a child was forked from.
    """
    process = subprocess.Popen(
        command.argv,
        cwd=command.cwd,
        env=command.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tree = [process.pid]
    peaks: dict[int, int] = {}
    next_scan = 0.0
    samples = 0
    while process.poll() is None:
        if time.monotonic() >= next_scan:
            tree = process_tree(process.pid)
            next_scan = time.monotonic() + 0.001
        for pid in tree:
            peak = resident_peak(pid)
            if peak:
                peaks[pid] = peak
        samples += 1
        time.sleep(0.0001)
    return sum(peaks.values()) / MiB if samples >= 3 else None


# -- generated projects ---------------------------------------------------------------------


LINKS_PER_INODE = 50_000
"""ext4 allows 65,000 links to one inode."""


def make_tree(root: Path, files: int, dirs: int, content: bytes | None = b"") -> None:
    """`files` files spread over `dirs` directories (fan-out 10), a `.env` every 25,000.

    With `content` None every file but the `.env`s is a hard link to one of a
    few empty files: creating inodes can take minutes on a busy disk, and
    discovery reads only names and directory entries, so links cost it the same."""
    root.mkdir(parents=True, exist_ok=True)
    folders = [str(root)]
    index = 0
    while len(folders) < dirs:
        parent = folders[index]
        index += 1
        for child in range(min(10, dirs - len(folders))):
            folder = os.path.join(parent, f"pkg{child}")
            os.mkdir(folder)
            folders.append(folder)
    sources: list[str] = []
    linked = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
    for serial in range(files):
        folder = folders[(serial * 7919) % len(folders)]
        secret = serial % 25000 == 0
        path = os.path.join(folder, ".env" if secret else f"mod{serial}.py")
        if content is None and not secret:
            if linked % LINKS_PER_INODE == 0:
                sources.append(str(root.parent / f".{root.name}-module-{len(sources)}"))
                Path(sources[-1]).touch()
            os.link(sources[-1], path)
            linked += 1
            continue
        descriptor = os.open(path, flags, 0o644)
        if content:
            os.write(descriptor, content)
        os.close(descriptor)
    for source in sources:
        os.unlink(source)


def make_marked_project(
    root: Path, files: int = 1, dirs: int = 1, content: bytes | None = b""
) -> Path:
    """A tree agentsh takes for a project (it has a `.git`), without a real repository."""
    make_tree(root, files, dirs, content)
    (root / ".git").mkdir()
    return root


def make_git_repository(root: Path, files: int, env: dict[str, str]) -> Path:
    make_tree(root, files, max(1, files // 10), b"value = 1\n")
    (root / ".gitignore").write_text(".env\n")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "generated"], ["status"]):
        subprocess.run([*git, *step], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    return root


# -- agentsh's secret discovery, called in-process ------------------------------------------


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def project_secrets() -> Callable[..., object]:
    """What a command calls to find the project's secrets (in agentsh.sandbox.discovery,
    in agentsh.supervisor before that module existed)."""
    import importlib

    for module in ("agentsh.sandbox.discovery", "agentsh.supervisor"):
        try:
            found = getattr(importlib.import_module(module), "project_secrets", None)
        except ImportError:
            continue
        if callable(found):
            return found  # type: ignore[no-any-return]
    raise ImportError("no project_secrets in agentsh.sandbox.discovery or agentsh.supervisor")


@dataclass
class Discovery:
    """agentsh's secret discovery for one project, called in-process as a command calls it."""

    project: Path
    env: dict[str, str]

    def __post_init__(self) -> None:
        from agentsh import supervisor
        from agentsh.sandbox.secrets import SecretMatcher, scan_key

        with working_directory(self.project):
            self.space = supervisor.workspace(self.env)
            self.profile = supervisor.load_profile(self.space)
        self.settings = self.profile.secrets
        self.matcher = SecretMatcher(self.settings.hide, self.settings.reveal)
        self.key = scan_key(self.matcher, self.settings.skip_dirs)
        self.find_project_secrets = project_secrets()

    def scan(self, cache_dir: str) -> None:
        from agentsh.sandbox.secrets import ProjectScan

        ProjectScan(str(self.project), self.matcher, self.settings.skip_dirs, cache_dir).run()

    def as_a_command(self) -> None:
        self.find_project_secrets(self.space, self.profile, self.matcher)

    def socket(self) -> str | None:
        from agentsh import paths
        from agentsh.sandbox import watcher

        paths.ensure_private_dir(self.space.dirs.runtime)
        return watcher.socket_path(self.space.dirs.runtime, str(self.project), self.key)

    def watcher_answers(self) -> bool:
        from agentsh.sandbox import watcher

        socket_path = self.socket()
        return bool(socket_path) and (
            watcher.query(socket_path or "", str(self.project), self.key) is not None
        )

    def wait_for_watcher(self, timeout: float) -> float:
        """Seconds until the project's watcher answers; raises when it does not come up."""
        started = time.monotonic()
        while not self.watcher_answers():
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"no watcher answered for {self.project} in {timeout:.0f} s")
            time.sleep(0.02)
        return time.monotonic() - started


# -- per-command overhead and memory --------------------------------------------------------


def contenders(
    command_line: str, project: Path, env: dict[str, str], peers: list[Peer]
) -> tuple[list[Command], list[Row]]:
    """The command line under agentsh, bash, the floor and each peer; rows for missing peers."""
    from agentsh.sandbox import bwrap

    words = shlex.split(command_line)
    bare = [*bwrap.probe_argv(bwrap.locate("auto").path, words[0]), *words[1:]]
    commands = [
        Command(
            shlex.join(["agentsh", "-c", command_line]),
            [AGENTSH, "-c", command_line],
            project,
            env,
            "agentsh",
        ),
        Command(
            shlex.join(["bash", "-c", command_line]),
            ["bash", "-c", command_line],
            project,
            env,
            "bash",
        ),
        Command("python -I -S -c pass", [PYTHON, "-I", "-S", "-c", "pass"], project, env, "python"),
        Command(f"bwrap (agentsh's isolation) {command_line}", bare, project, env, "bwrap"),
    ]
    missing = []
    for peer in peers:
        name = peer.shown(command_line)
        if not peer.path:
            missing.append(Row(name, missing=f"not found — install with: {peer.install}"))
        elif not peer.sees(project, env):
            missing.append(
                Row(
                    name,
                    missing=f"n/a: {peer.name} does not show {project} in its sandbox; "
                    "rerun with --workdir in a directory it shows",
                )
            )
        else:
            commands.append(Command(name, peer.argv(command_line), project, env, "peer"))
    return commands, missing


def named(commands: Sequence[Command], role: str) -> str:
    return next(command.name for command in commands if command.role == role)


def overhead(
    command_line: str, project: Path, env: dict[str, str], peers: list[Peer], rounds: int
) -> tuple[Section, list[Command]]:
    commands, missing = contenders(command_line, project, env, peers)
    samples, failures = round_robin(commands, rounds, warmup=3)
    agentsh, bash = named(commands, "agentsh"), named(commands, "bash")
    python, bare = named(commands, "python"), named(commands, "bwrap")
    floor = sums(samples.get(python, []), samples.get(bare, []))
    section = Section(f"Per-command time: {command_line}")
    for command in commands:
        row = Row(
            command.name, samples.get(command.name, []), missing=failures.get(command.name, "")
        )
        section.rows.append(row)
        if command.role == "agentsh" and command_line == "true":
            judged(row, row.median if row.samples else 0, 60, True, 2, "ms")
        if not row.samples or command.role not in ("agentsh", "peer"):
            continue
        compared = [times(ratios(row.samples, floor), "floor")] if floor else []
        if command.role == "agentsh" and bash in samples:
            compared.append(f"{change(differences(row.samples, samples[bash]))} over bash")
        if command.role == "peer" and agentsh in samples:
            compared.append(times(ratios(row.samples, samples[agentsh]), "agentsh"))
        row.compared = "; ".join(compared)
    if floor:
        section.rows.insert(
            4, Row("floor = python + bwrap", floor, compared="summed round by round")
        )
    section.rows += missing
    return section, [command for command in commands if command.name not in failures]


def sums(first: Sequence[float], second: Sequence[float]) -> list[float]:
    return [a + b for a, b in zip(first, second, strict=True)]


def memory(commands: list[Command], runs: int, title: str) -> Section:
    runs_of: dict[str, list[float | None]] = {command.name: [] for command in commands}
    for _ in range(runs):
        for command in commands:
            runs_of[command.name].append(peak_memory(command))
    agentsh = next((c.name for c in commands if c.role == "agentsh"), "")
    section = Section(title)
    for command in commands:
        sampled = [value for value in runs_of[command.name] if value is not None]
        row = Row(command.name, sampled, unit="MiB", missing="n/a: ends too soon to sample")
        paired = [
            mine / theirs
            for mine, theirs in zip(runs_of[command.name], runs_of.get(agentsh, []), strict=False)
            if mine is not None and theirs
        ]
        notes = [times(paired, "agentsh")] if command.role == "peer" and paired else []
        if len(sampled) < runs:
            notes.append(f"{runs - len(sampled)} runs ended too soon to sample")
        row.compared = "; ".join(notes)
        section.rows.append(row)
    return section


def watcher_processes(socket_path: str) -> list[int]:
    """The watcher serving `socket_path`: the one holding its lock file open."""
    import psutil

    lock = socket_path + ".lock"
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if "agentsh.sandbox.watcher" not in (process.info["cmdline"] or []):
            continue
        try:
            if any(item.path == lock for item in process.open_files()):
                found.append(process.pid)
        except psutil.Error:
            pass
    return found


def watcher_rss(pids: Sequence[int]) -> float:
    import psutil

    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            pass
    return total / MiB


def command_overheads(
    small: Path, repository: Path, env: dict[str, str], peers: list[Peer], rounds: int, runs: int
) -> list[Section]:
    sections = []
    for command_line, project in (("true", small), ("git status", repository)):
        progress(f"per-command time: {command_line}")
        section, working = overhead(command_line, project, env, peers, rounds)
        sections.append(section)
        progress(f"peak memory: {command_line}")
        sections.append(memory(working, runs, f"Peak memory of the process tree: {command_line}"))
    probe = Discovery(repository, env)
    probe.wait_for_watcher(60)
    watcher = watcher_processes(probe.socket() or "")
    if watcher:
        sections[-1].rows.append(
            Row(
                "agentsh's watcher for this repository, between commands",
                [watcher_rss(watcher)],
                unit="MiB",
                compared="one per project, shared by its commands",
            )
        )
    return sections


# -- policy ---------------------------------------------------------------------------------


def corpus_lines() -> tuple[list[str], Path]:
    for folder in (ROOT.parent / "shared" / "corpus", ROOT / "tests" / "data" / "corpus"):
        path = folder / "dev.jsonl"
        if path.exists():
            rows = [json.loads(row) for row in path.read_text().splitlines() if row.strip()]
            return [row["cmd"] for row in rows if "\n" not in row["cmd"]], path
    raise FileNotFoundError("no corpus: ../shared/corpus/dev.jsonl or tests/data/corpus/dev.jsonl")


def policy(rounds: int, env: dict[str, str], project: Path) -> Section:
    """Throughput of agentshctl check, the cost of one decision, and of importing the engine."""
    from agentsh.policy.engine import decide
    from agentsh.policy.model import Context

    lines, corpus = corpus_lines()

    def check_batch(copies: int) -> float:
        batch = "\n".join(lines * copies) + "\n"
        start = time.perf_counter()
        result = subprocess.run(
            [AGENTSHCTL, "check", "--json", "--stdin"],
            input=batch,
            capture_output=True,
            text=True,
            cwd=project,
            env=env,
            check=False,
        )
        took = time.perf_counter() - start
        answers = result.stdout.count("\n")
        if answers != len(lines) * copies:
            raise RuntimeError(
                f"agentshctl check answered {answers} of {len(lines) * copies} lines "
                f"(exit {result.returncode}): {result.stderr.strip()[-200:]}"
            )
        return took

    small_copies, large_copies = 5, 45 if rounds >= 20 else 15
    check_batch(small_copies)
    steady, with_start = [], []
    for _ in range(max(3, rounds // 8)):
        small, large = check_batch(small_copies), check_batch(large_copies)
        steady.append(len(lines) * (large_copies - small_copies) / (large - small))
        with_start.append(len(lines) * large_copies / large)
    ctx = Context(cwd=str(project), project_root=str(project), home=env["HOME"])
    for line in lines:
        decide(line, ctx)

    def decision(line: str) -> float:
        start = time.perf_counter()
        decide(line, ctx)
        return (time.perf_counter() - start) * 1000

    single = [decision(line) for _ in range(5) for line in lines]
    code = (
        "from agentsh.policy import engine; from agentsh.policy.model import Context; "
        "engine.decide({line!r}, Context())"
    )
    bare_start = Command("python -c pass", [PYTHON, "-c", "pass"], project, env)
    judging = [
        Command(
            f"import engine + decide {shlex.quote(line)}",
            [PYTHON, "-c", code.format(line=line)],
            project,
            env,
        )
        for line in ("true", "git status")
    ]
    starts, failures = round_robin([bare_start, *judging], rounds, warmup=2)
    section = Section(f"Policy ({len(lines)} lines of {corpus.relative_to(ROOT.parent)})")
    section.rows.append(
        judged(
            Row(
                "agentshctl check --json --stdin, steady",
                steady,
                unit="commands/s",
                compared=f"{large_copies - small_copies} extra copies of the corpus per run",
            ),
            statistics.median(steady),
            3000,
            False,
            3,
            "commands/s",
        )
    )
    section.rows.append(
        Row(
            "agentshctl check --json --stdin, with its start",
            with_start,
            unit="commands/s",
            compared=f"{len(lines) * large_copies:,} lines in one process",
        )
    )
    section.rows.append(
        judged(
            Row(
                "one decision, engine loaded (p50)",
                single,
                compared=f"p99 {percentile(single, 0.99):.2f} ms over {len(single)} decisions",
            ),
            statistics.median(single),
            3,
            True,
            3,
            "ms",
        )
    )
    for command in judging:
        if command.name in failures or bare_start.name not in starts:
            section.rows.append(Row(command.name, missing=failures.get(command.name, "failed")))
            continue
        added = differences(starts[command.name], starts[bare_start.name])
        section.rows.append(
            judged(
                Row(
                    f"{command.name}: added to start-up",
                    added,
                    compared=f"{number(statistics.median(starts[command.name]))} ms in all",
                ),
                statistics.median(added),
                30,
                True,
                3,
                "ms",
            )
        )
    return section


# -- approval and audit ---------------------------------------------------------------------

LOGGING_PROBE = """
import re, enum, fcntl, time, os, sys
import agentsh.records, agentsh.paths  # loaded by every agentsh run before it logs
from agentsh.sandbox import bwrap
from agentsh.sandbox.launch import TreeSampler
folder, logging = sys.argv[1], sys.argv[2] == "with"
argv = bwrap.probe_argv(bwrap.locate("auto").path, "true")
started = time.perf_counter()
if logging:
    from agentsh.audit.log import AuditLog, Entry, sha256_hex
    entry = Entry("command")
    entry.place("/work/project", "/work/project")
    entry.data.update(command="git status", decision="allow", profile="0" * 64)
    log = AuditLog(folder).open()
    entry.marker = entry.pending(folder)
pid = os.posix_spawn(argv[0], argv, {})
sampler = TreeSampler(pid, (lambda: sha256_hex(b"")) if logging else None)
_, status, usage = os.wait4(pid, 0)
sampler.stop()
if logging:
    entry.data.update(outcome="ran", status=0, cpu_s=usage.ru_utime, peak_rss=usage.ru_maxrss)
    log.append(entry.finish(), entry.marker)
    log.close()
print((time.perf_counter() - started) * 1000)
"""


def approval(rounds: int, base: Path, env: dict[str, str]) -> Section:
    """What asking and recording cost: the audit entry per command, the prompt's first frame."""
    folder = base / "audit-probe"
    warmup = 3
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for index in range(warmup + max(rounds, 10)):
        for variant in ("with", "without"):
            result = subprocess.run(
                [PYTHON, "-c", LOGGING_PROBE, str(folder), variant],
                capture_output=True,
                text=True,
                check=True,
            )
            if index >= warmup:
                timings[variant].append(float(result.stdout))
    added = differences(timings["with"], timings["without"])
    section = Section("Approval and audit")
    section.rows.append(Row("sandboxed true, as the supervisor runs it", timings["without"]))
    section.rows.append(Row("the same, recorded in the audit log", timings["with"]))
    section.rows.append(
        judged(
            Row("audit logging: added per command", added, compared="imports included"),
            statistics.median(added),
            2,
            True,
            4,
            "ms",
        )
    )
    project = make_marked_project(base / "prompted")
    first_frame, interactive = [], []
    try:
        for index in range(max(5, rounds // 2) + 2):
            (project / "data").mkdir(exist_ok=True)
            frame, ready = prompt_timing(project, env)
            if index >= 2:
                first_frame.append(frame)
                interactive.append(ready)
        reason = ""
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        reason = f"failed: {exc}"
    frame_row = Row("inline prompt: first frame drawn", first_frame, missing=reason)
    frame_row.compared = "from agentsh's start"
    section.rows.append(
        judged(frame_row, statistics.median(first_frame) if first_frame else 0, 150, True, 4, "ms")
    )
    section.rows.append(
        Row(
            "inline prompt: keys handled by prompt-toolkit",
            interactive,
            compared="keys typed earlier are kept",
            missing=reason,
        )
    )
    return section


ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_=>]")
CURSOR_POSITION_REQUEST = b"\x1b[6n"


class Terminal:
    """The master side of a pty, answering cursor-position requests as a terminal would."""

    def __init__(self, master: int, process: subprocess.Popen[bytes]) -> None:
        self.master = master
        self.process = process
        self.seen = b""

    def read(self, timeout: float) -> bytes | None:
        """Bytes that arrived within `timeout`, b"" when none did, None once the program ended."""
        readable, _, _ = select.select([self.master], [], [], timeout)
        if not readable:
            return None if self.process.poll() is not None else b""
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return None
        if not chunk:
            return None
        if CURSOR_POSITION_REQUEST in chunk:
            os.write(self.master, b"\x1b[1;1R")
        self.seen += chunk
        return chunk

    def settle(self, quiet: float, timeout: float) -> bytes:
        """Read until nothing arrives for `quiet` seconds; what arrived."""
        deadline = time.monotonic() + timeout
        arrived = b""
        while time.monotonic() < deadline:
            chunk = self.read(quiet)
            if chunk is None:
                raise EOFError(self.last_words())
            if not chunk and arrived:
                return arrived
            arrived += chunk
        return arrived

    def wait_for(self, pattern: re.Pattern[bytes], timeout: float) -> float:
        """perf_counter time at which `pattern` matched the escape-stripped output."""
        deadline = time.monotonic() + timeout
        arrived = b""
        while time.monotonic() < deadline:
            chunk = self.read(max(0.0, deadline - time.monotonic()))
            if chunk is None:
                raise EOFError(self.last_words())
            arrived += chunk
            if pattern.search(ESCAPES.sub(b"", arrived)):
                return time.perf_counter()
        raise TimeoutError(f"no match for {pattern.pattern!r} within {timeout:.0f} s")

    def last_words(self) -> str:
        lines = ESCAPES.sub(b"", self.seen).decode(errors="replace").strip().splitlines()
        return lines[-1][:160] if lines else "nothing"


@contextmanager
def on_terminal(
    argv: list[str], cwd: Path, env: dict[str, str], stdio_on_terminal: bool
) -> Iterator[Terminal]:
    """Run `argv` in a new session whose controlling terminal is a fresh 100x30 pty."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    slave_name = os.ttyname(slave)

    def take_terminal() -> None:
        os.close(os.open(slave_name, os.O_RDWR))

    stdio = slave if stdio_on_terminal else subprocess.DEVNULL
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**env, "TERM": "xterm-256color"},
        stdin=stdio,
        stdout=stdio,
        stderr=stdio,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    try:
        yield Terminal(master, process)
    finally:
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(master)
        os.close(slave)


def prompt_timing(project: Path, env: dict[str, str]) -> tuple[float, float]:
    """agentsh with a terminal of its own, as under an agent: stdin and stdout are pipes."""
    started = time.perf_counter()
    first = ready = 0.0
    with on_terminal([AGENTSH, "-c", "rm -rf data"], project, env, False) as terminal:
        while not ready:
            chunk = terminal.read(10)
            if chunk is None:
                raise RuntimeError(f"agentsh ended before its prompt: {terminal.last_words()}")
            if not chunk:
                raise RuntimeError(f"no prompt from agentsh in 10 s: {terminal.last_words()}")
            now = (time.perf_counter() - started) * 1000
            first = first or now
            drawn = terminal.seen.split(b"\x1b[J", 1)
            if len(drawn) == 2 and b"denied in" in drawn[1]:
                ready = now
        os.write(terminal.master, b"d")
    return first, ready


# -- network --------------------------------------------------------------------------------

CONCURRENT_PROBE = """
import os, socket, sys, time
count, port = int(sys.argv[1]), int(sys.argv[2])
proxy = ("127.0.0.1", int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1]))
started = time.perf_counter()
sockets, failures = [], 0
for _ in range(count):
    try:
        s = socket.create_connection(proxy, 10)
        s.sendall(f"CONNECT bench.test:{port} HTTP/1.1\\r\\n\\r\\n".encode())
        head = b""
        while b"\\r\\n\\r\\n" not in head:
            head += s.recv(1024)
        if b" 200 " not in head.split(b"\\r\\n")[0]:
            raise OSError(head[:80])
        sockets.append(s)
    except OSError:
        failures += 1
payload = b"x" * 1024
for s in sockets:
    s.sendall(payload)
for s in sockets:
    got = b""
    while len(got) < len(payload):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    failures += got != payload
print(len(sockets), failures, (time.perf_counter() - started) * 1000)
"""

SETUP_PROBE = """
import os, socket, sys, time
count, port, through_proxy = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "proxy"
if through_proxy:
    address = ("127.0.0.1", int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1]))
else:
    address = ("127.0.0.1", port)
for _ in range(count):
    started = time.perf_counter()
    s = socket.create_connection(address, 10)
    if through_proxy:
        s.sendall(f"CONNECT bench.test:{port} HTTP/1.1\\r\\n\\r\\n".encode())
        head = b""
        while b"\\r\\n\\r\\n" not in head:
            head += s.recv(1024)
        if b" 200 " not in head.split(b"\\r\\n")[0]:
            sys.exit(f"proxy refused: {head[:80]!r}")
    s.sendall(b"x")
    if s.recv(1) != b"x":
        sys.exit("no echo")
    print((time.perf_counter() - started) * 1000)
    s.close()
"""


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


@contextmanager
def echo_server() -> Iterator[int]:
    server = EchoServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def byte_server(size: int, folder: Path) -> Iterator[int]:
    """A loopback server answering every GET with `size` bytes sent by sendfile (zero-copy)."""
    blob = folder / "blob"
    with open(blob, "wb") as handle:
        handle.truncate(size)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(client,), daemon=True).start()

    def answer(client: socket.socket) -> None:
        with client, open(blob, "rb") as data:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            client.sendall(
                f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode()
            )
            client.sendfile(data)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        blob.unlink()


@dataclass
class AllowlistSandbox:
    """agentsh with a profile that lets `bench.test` (the loopback address) through its proxy."""

    project: Path
    env: dict[str, str]

    @classmethod
    def create(cls, base: Path, env: dict[str, str]) -> AllowlistSandbox:
        config = base / "config-allowlist" / "agentsh"
        config.mkdir(parents=True)
        (config / "profile.yaml").write_text(
            "network:\n  mode: allowlist\n  allow: [bench.test]\n"
            "  hosts: {bench.test: 127.0.0.1}\n"
            "rules:\n  - match: ['*']\n    decision: allow\n    reason: benchmark\n"
        )
        project = make_marked_project(base / "net")
        (project / "setup.py").write_text(SETUP_PROBE)
        (project / "concurrent.py").write_text(CONCURRENT_PROBE)
        return cls(project, {**env, "XDG_CONFIG_HOME": str(config.parent)})

    def output(self, command_line: str) -> str:
        result = subprocess.run(
            [AGENTSH, "-c", command_line],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"{command_line!r} failed in agentsh: {result.stderr[-200:]}")
        return result.stdout


def network(rounds: int, base: Path, env: dict[str, str], size: int, downloads: int) -> Section:
    """What the allowlist costs: namespace and proxy set-up, throughput, connections."""
    sandbox = AllowlistSandbox.create(base, env)
    none = Command("agentsh -c true, network none", [AGENTSH, "-c", "true"], sandbox.project, env)
    allowlist = Command(
        "agentsh -c true, network allowlist", [AGENTSH, "-c", "true"], sandbox.project, sandbox.env
    )
    samples, failures = round_robin([none, allowlist], rounds, warmup=3)
    if failures:
        raise RuntimeError("; ".join(f"{name}: {why}" for name, why in failures.items()))
    added = differences(samples[allowlist.name], samples[none.name])
    section = Section(f"Network allowlist (proxy on the host, {size // MiB:,} MiB downloads)")
    section.rows += [
        Row(none.name, samples[none.name]),
        Row(allowlist.name, samples[allowlist.name]),
        judged(
            Row("namespace and proxy set-up: added per command", added),
            statistics.median(added),
            10,
            True,
            5,
            "ms",
        ),
    ]
    section.rows += download_rows(sandbox, base, size, downloads)
    section.rows += connection_rows(sandbox, rounds)
    return section


def download_rows(sandbox: AllowlistSandbox, base: Path, size: int, downloads: int) -> list[Row]:
    """curl from a loopback server, directly and in agentsh through its proxy, in turn."""
    curl = ["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_download}"]
    direct, proxied = [], []
    with byte_server(size, base) as port:
        for _ in range(downloads):
            out = subprocess.run(
                [*curl, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True
            ).stdout
            direct.append(float(out) / MiB)
            out = sandbox.output(shlex.join([*curl, f"http://bench.test:{port}/"]))
            proxied.append(float(out) / MiB)
    share = [100 * ratio for ratio in ratios(proxied, direct)]
    return [
        Row("download, curl direct from loopback", direct, unit="MiB/s"),
        Row("download, curl in agentsh through the proxy", proxied, unit="MiB/s"),
        judged(
            Row("proxy throughput, share of direct", share, unit="%", compared="pair by pair"),
            statistics.median(share),
            80,
            False,
            5,
            "%",
        ),
    ]


def connection_rows(sandbox: AllowlistSandbox, rounds: int) -> list[Row]:
    """Connection set-up, direct and through the proxy, in alternating batches; then 200
    connections held open at once through the proxy."""
    per_batch = max(20, rounds)
    each: dict[str, list[float]] = {"direct": [], "proxy": []}
    batch_medians: dict[str, list[float]] = {"direct": [], "proxy": []}
    opened, failed, took = [], 0, []
    with echo_server() as port:
        for _ in range(max(3, rounds // 8)):
            for mode in ("direct", "proxy"):
                argv = ["python3", "setup.py", str(per_batch), str(port), mode]
                if mode == "direct":
                    output = subprocess.run(
                        argv, cwd=sandbox.project, capture_output=True, text=True, check=True
                    ).stdout
                else:
                    output = sandbox.output(shlex.join(argv))
                batch = [float(line) for line in output.split()]
                each[mode] += batch
                batch_medians[mode].append(statistics.median(batch))
        for _ in range(max(1, rounds // 20)):
            held, failures, milliseconds = sandbox.output(
                f"python3 concurrent.py 200 {port}"
            ).split()
            opened.append(int(held))
            failed += int(failures)
            took.append(float(milliseconds))
    added = differences(batch_medians["proxy"], batch_medians["direct"])
    concurrent = Row(
        "200 concurrent connections through the proxy",
        took,
        compared=f"held open at once: {min(opened)}-{max(opened)}; {failed} failed",
        target="200 held, none failed (#5)",
    )
    concurrent.met = failed == 0 and min(opened) == 200
    return [
        Row(
            "connection set-up, direct (connect + 1-byte echo)",
            each["direct"],
            compared=f"p99 {percentile(each['direct'], 0.99):.2f} ms",
        ),
        Row(
            "connection set-up through the proxy (+ CONNECT)",
            each["proxy"],
            compared=f"p99 {percentile(each['proxy'], 0.99):.2f} ms; "
            f"{change(added)} per batch median",
        ),
        concurrent,
    ]


# -- secret discovery -----------------------------------------------------------------------


DISCOVERY_ROWS = (
    "cold scan (no cache, no watcher)",
    "warm, mtime cache (no watcher)",
    "warm, watcher (what a command pays)",
    "watcher up after its own scan",
    "watcher resident memory",
    "agentsh -c true",
)


def discovery(
    sizes: Sequence[int], base: Path, env: dict[str, str], small: Path, rounds: int
) -> Section:
    """Cold and warm discovery on growing trees, in-process and as a whole command.

    Cold means no cache file and no watcher; the kernel's caches are warm
    either way (the tree was just written)."""
    by_kind: dict[str, list[Row]] = {kind: [] for kind in DISCOVERY_ROWS}
    in_small = Command("agentsh -c true, small project", [AGENTSH, "-c", "true"], small, env)
    for files in sizes:
        project = base / f"tree-{files}"
        progress(f"secret discovery: generating {files:,} files in {files // 10:,} directories")
        make_marked_project(project, files, files // 10, content=None)
        progress(f"secret discovery: {files:,} files")
        for row in discovery_of_tree(project, files, base, env, in_small, rounds):
            by_kind[next(kind for kind in DISCOVERY_ROWS if row.name.startswith(kind))].append(row)
        progress(f"secret discovery: removing {files:,} files")
        shutil.rmtree(project, ignore_errors=True)
    listed = ", ".join(f"{size:,}" for size in sizes)
    return Section(
        f"Secret discovery ({listed} files, 10 per directory)",
        [
            *(row for rows in by_kind.values() for row in rows),
            beside_other_projects(base, env, in_small, rounds),
        ],
    )


OTHER_PROJECTS = 100


def beside_other_projects(base: Path, env: dict[str, str], in_small: Command, rounds: int) -> Row:
    """A project with OTHER_PROJECTS folders beside it, each with a `.env`: every one is
    an empty tmpfs inside (sandbox.other_projects), paid on every command."""
    folder = base / "beside"
    project = make_marked_project(folder / "app")
    for index in range(OTHER_PROJECTS):
        (folder / f"other-{index}").mkdir()
        (folder / f"other-{index}" / ".env").write_text("TOKEN=x\n")
    name = f"agentsh -c true, {OTHER_PROJECTS} other projects beside it"
    in_beside = Command(name, [AGENTSH, "-c", "true"], project, env)
    try:
        samples, failures = round_robin([in_small, in_beside], max(5, rounds // 2), warmup=2)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if failures:
        return Row(name, missing="; ".join(failures.values()))
    added = differences(samples[name], samples[in_small.name])
    return Row(name, samples[name], compared=f"{change(added)} over a small project")


def discovery_of_tree(
    project: Path, files: int, base: Path, env: dict[str, str], in_small: Command, rounds: int
) -> list[Row]:
    label = f"{files:,} files"
    probe = Discovery(project, env)
    fresh_caches = [tempfile.mkdtemp(dir=base) for _ in range(2 if rounds < 20 else 5)]
    cold = []
    for cache in fresh_caches:
        cold.append(timed(lambda: probe.scan(cache)))  # noqa: B023 (called at once)
    cache = tempfile.mkdtemp(dir=base)
    probe.scan(cache)
    time.sleep(1.1)
    probe.scan(cache)
    warm = [timed(lambda: probe.scan(cache)) for _ in range(max(5, rounds // 2))]
    probe.as_a_command()
    ready = probe.wait_for_watcher(180)
    watcher = watcher_processes(probe.socket() or "")
    watched = [timed(probe.as_a_command) for _ in range(rounds)]
    in_tree = Command(f"agentsh -c true, {label}", [AGENTSH, "-c", "true"], project, env)
    samples, failures = round_robin([in_small, in_tree], max(5, rounds // 4), warmup=2)
    served = Row(f"warm, watcher (what a command pays), {label}", watched)
    if files == 100_000:
        judged(served, served.median, 25, True, 2, "ms")
    rows = [
        Row(f"cold scan (no cache, no watcher), {label}", cold),
        Row(f"warm, mtime cache (no watcher), {label}", warm),
        served,
        Row(f"watcher up after its own scan, {label}", [ready * 1000], compared="once per project"),
    ]
    if watcher:
        rows.append(Row(f"watcher resident memory, {label}", [watcher_rss(watcher)], unit="MiB"))
    if failures:
        rows.append(Row(in_tree.name, missing="; ".join(failures.values())))
    else:
        added = differences(samples[in_tree.name], samples[in_small.name])
        rows.append(
            Row(
                in_tree.name,
                samples[in_tree.name],
                compared=f"{change(added)} over a small project",
            )
        )
    return rows


# -- the interactive shell ------------------------------------------------------------------

OUTPUT_LINE_HI = re.compile(rb"(?:^|[\r\n])hi\r?\n")


def repl_latency(project: Path, env: dict[str, str], runs: int) -> Row:
    """Enter pressed after `echo hi` until `hi` arrives, in agentsh started with no command."""
    name = "agentsh on a terminal: Enter to output of echo hi"
    samples: list[float] = []
    with on_terminal([AGENTSH], project, env, True) as terminal:
        try:
            if not terminal.settle(quiet=0.5, timeout=20):
                return Row(name, missing="n/a (REPL not available: no prompt within 20 s)")
            for index in range(2 + runs):
                os.write(terminal.master, b"echo hi")
                terminal.settle(quiet=0.15, timeout=5)
                pressed = time.perf_counter()
                os.write(terminal.master, b"\r")
                arrived = terminal.wait_for(OUTPUT_LINE_HI, timeout=15)
                if index >= 2:
                    samples.append((arrived - pressed) * 1000)
                terminal.settle(quiet=0.3, timeout=10)
        except EOFError as exc:
            return Row(name, missing=f"n/a (REPL not available: agentsh ended, saying {exc})")
        except TimeoutError as exc:
            return Row(name, missing=f"n/a (REPL not available: {exc})")
        finally:
            if terminal.process.poll() is None:
                os.write(terminal.master, b"exit\r")
    return Row(name, samples, compared="to the line `hi`, not to the first redraw")


# -- main -----------------------------------------------------------------------------------


@dataclass
class Sizes:
    rounds: int
    memory_runs: int
    trees: tuple[int, ...]
    download: int
    downloads: int
    repl_runs: int
    repository_files: int = 10_000


def default_workdir() -> Path:
    """The user's cache directory, under home where projects live: firejail hides /tmp and
    /var/tmp (and, for root, /root) from its sandbox, so it would not see projects there."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path("/var/tmp")
    return cache if os.access(cache, os.W_OK) else Path("/var/tmp")


def guarded(
    title: str, failures: list[str], measure: Callable[[], Section | list[Section]]
) -> list[Section]:
    """Run one part of the benchmark; a part that breaks becomes a row saying so."""
    try:
        result = measure()
    except Exception as exc:
        import traceback

        traceback.print_exc()
        failures.append(title)
        return [
            Section(
                title, [Row("(this part failed)", missing=f"failed: {type(exc).__name__}: {exc}")]
            )
        ]
    return result if isinstance(result, list) else [result]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds, smaller trees (about a minute)"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the table as Markdown for the README"
    )
    parser.add_argument(
        "--rounds", type=int, default=0, help="rounds per comparison (default 40, quick 6)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the generated projects go (default: ~/.cache; firejail hides /tmp, /var/tmp "
        "and, for root, /root, so its rows say n/a for projects there)",
    )
    args = parser.parse_args()
    sizes = (
        Sizes(
            rounds=6,
            memory_runs=2,
            trees=(10_000, 30_000),
            download=256 * MiB,
            downloads=2,
            repl_runs=5,
        )
        if args.quick
        else Sizes(
            rounds=40,
            memory_runs=10,
            trees=(10_000, 100_000, 300_000),
            download=1024 * MiB,
            downloads=5,
            repl_runs=20,
        )
    )
    sizes.rounds = args.rounds or sizes.rounds
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "agentsh")], check=True)
    base = Path(tempfile.mkdtemp(prefix=".agentsh-bench-", dir=args.workdir or default_workdir()))
    home = base / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    os.environ["HOME"] = str(home)
    for key in [key for key in os.environ if key.startswith("XDG_")]:
        del os.environ[key]
    peers = find_peers()
    label = (
        f"{'--quick' if args.quick else 'default'} sizes: {sizes.rounds} rounds after a warm-up, "
        f"memory over {sizes.memory_runs} runs"
    )
    header = machine(peers, label)
    failures: list[str] = []
    sections: list[Section] = []
    try:
        small = make_marked_project(base / "small")
        (small / "README.md").write_text("x\n")
        progress(f"generating a git repository of {sizes.repository_files:,} files")
        repository = make_git_repository(base / "repository", sizes.repository_files, env)
        sections += guarded(
            "Per-command time and memory",
            failures,
            lambda: command_overheads(
                small, repository, env, peers, sizes.rounds, sizes.memory_runs
            ),
        )
        progress("policy")
        sections += guarded("Policy", failures, lambda: policy(sizes.rounds, env, small))
        progress("approval and audit")
        sections += guarded(
            "Approval and audit", failures, lambda: approval(sizes.rounds, base, env)
        )
        progress("network")
        sections += guarded(
            "Network allowlist",
            failures,
            lambda: network(sizes.rounds, base, env, sizes.download, sizes.downloads),
        )
        sections += guarded(
            "Secret discovery",
            failures,
            lambda: discovery(sizes.trees, base, env, small, sizes.rounds),
        )
        progress("interactive shell")
        sections += guarded(
            "Interactive shell",
            failures,
            lambda: Section("Interactive shell", [repl_latency(small, env, sizes.repl_runs)]),
        )
    finally:
        os.chdir(ROOT)
        progress("removing the generated projects")
        shutil.rmtree(base, ignore_errors=True)
    footer = [
        *unmet_summary(sections),
        "",
        f"Run took {time.monotonic() - STARTED:.0f} s; load average "
        f"{os.getloadavg()[0]:.2f} at the end. Every command ran in a generated project with "
        "HOME set to an empty directory. Peak memory: the sum of the peak RSS (VmHWM) of "
        "every process in the command's tree, read from /proc every 0.1 ms (the tree every "
        "1 ms) while it runs. Secret discovery: cold means no "
        "cache file and no watcher (the kernel's caches are warm); the trees' files are hard "
        "links to a few empty files, since discovery reads only directory entries.",
    ]
    print(render(header, sections, footer, args.markdown))
    if failures:
        print(f"bench: these parts failed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
