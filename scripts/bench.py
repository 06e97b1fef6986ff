#!/usr/bin/env python3
"""Measure agentsh against its floor: per-command overhead and secret discovery.

Prints medians and min-max over repeated runs after a warm-up; the commands of
one table are interleaved round by round so machine noise hits them alike,
and ratios are computed inside the same run.

    scripts/bench [--quick] [--markdown] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
AGENTSH = str(BIN / "agentsh")


def machine() -> str:
    cores = os.cpu_count()
    try:
        with open("/proc/meminfo") as handle:
            memory = int(handle.readline().split()[1]) // 1024 // 1024
    except OSError:
        memory = 0
    from agentsh.sandbox import bwrap

    found = bwrap.locate("auto")
    return (
        f"{cores} cores, {memory} GiB, Linux {platform.release()}, Python {platform.python_version()}, "
        f"bwrap {found.version_text} ({found.origin})"
    )


def run_quietly(argv: Sequence[str], cwd: str, env: dict[str, str]) -> None:
    subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


class Table:
    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, list[float], str]] = []
        self.units: dict[str, str] = {}

    def add(self, name: str, samples: list[float], note: str = "", unit: str = "ms") -> None:
        self.rows.append((name, samples, note))
        self.units[name] = unit

    def median(self, name: str) -> float:
        for row_name, samples, _ in self.rows:
            if row_name == name:
                return statistics.median(samples)
        raise KeyError(name)

    def render(self, markdown: bool) -> str:
        lines = []
        if markdown:
            lines += [
                f"**{self.title}**",
                "",
                "| | median | min-max | |",
                "|---|---:|---:|---|",
            ]
            for name, samples, note in self.rows:
                unit = self.units.get(name, "ms")
                lines.append(
                    f"| {name} | {statistics.median(samples):.1f} {unit} | "
                    f"{min(samples):.1f}-{max(samples):.1f} | {note} |"
                )
        else:
            lines.append(self.title)
            for name, samples, note in self.rows:
                unit = self.units.get(name, "ms")
                lines.append(
                    f"  {name:44s} {statistics.median(samples):8.1f} {unit:5s} "
                    f"[{min(samples):6.1f} - {max(samples):7.1f}]  {note}"
                )
        return "\n".join(lines)


def interleaved(
    commands: dict[str, Callable[[], object]], rounds: int, warmup: int
) -> dict[str, list[float]]:
    for _ in range(warmup):
        for action in commands.values():
            action()
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, action in commands.items():
            samples[name].append(timed(action))
    return samples


def make_project(base: Path, files: int, dirs: int) -> Path:
    """A git-like tree with `files` files spread over `dirs` directories, fan-out 10."""
    root = base / f"tree-{files}"
    root.mkdir()
    (root / ".git").mkdir()
    folders = [root]
    index = 0
    while len(folders) < dirs:
        parent = folders[index]
        index += 1
        for child in range(10):
            if len(folders) >= dirs:
                break
            folder = parent / f"pkg{child}"
            folder.mkdir()
            folders.append(folder)
    for number in range(files):
        folder = folders[(number * 7919) % len(folders)]
        (folder / (".env" if number % 25000 == 0 else f"mod{number}.py")).touch()
    return root


def per_command(rounds: int, env: dict[str, str], project: Path) -> Table:
    from agentsh.sandbox import bwrap

    found = bwrap.locate("auto")
    python = str(BIN / "python")
    bare = bwrap.probe_argv(found.path, "true")
    cwd = str(project)
    commands: dict[str, Callable[[], object]] = {
        "agentsh -c true": lambda: run_quietly([AGENTSH, "-c", "true"], cwd, env),
        "bash -c true": lambda: run_quietly(["bash", "-c", "true"], cwd, env),
        "python -I -S -c pass": lambda: run_quietly([python, "-I", "-S", "-c", "pass"], cwd, env),
        "bwrap ... true": lambda: run_quietly(bare, cwd, env),
    }
    samples = interleaved(commands, rounds, warmup=3)
    table = Table("Per-command overhead (small project, default profile)")
    floor = statistics.median(samples["python -I -S -c pass"]) + statistics.median(
        samples["bwrap ... true"]
    )
    for name, values in samples.items():
        table.add(name, values)
    agentsh = statistics.median(samples["agentsh -c true"])
    table.add("floor = python + bwrap", [floor], f"agentsh / floor = {agentsh / floor:.2f}x")
    table.rows[0] = (table.rows[0][0], table.rows[0][1], "target <= 60 ms")
    return table


def discovery(rounds: int, base: Path, env: dict[str, str], files: int, dirs: int) -> Table:
    from agentsh import paths, supervisor
    from agentsh.sandbox.secrets import ProjectScan, SecretMatcher

    project = make_project(base, files, dirs)
    os.chdir(project)
    space = supervisor.workspace(env)
    profile = supervisor.load_profile(space)
    settings = profile.secrets
    matcher = SecretMatcher(settings.hide, settings.reveal)
    cold_samples = []
    for _ in range(max(2, rounds // 10)):
        fresh_cache = tempfile.mkdtemp(dir=base)
        scan = ProjectScan(str(project), matcher, settings.skip_dirs, fresh_cache)
        cold_samples.append(timed(scan.run))
    cache = tempfile.mkdtemp(dir=base)
    ProjectScan(str(project), matcher, settings.skip_dirs, cache).run()
    time.sleep(1.1)
    ProjectScan(str(project), matcher, settings.skip_dirs, cache).run()
    warm_scan = [
        timed(lambda: ProjectScan(str(project), matcher, settings.skip_dirs, cache).run())
        for _ in range(rounds)
    ]
    paths.ensure_private_dir(space.dirs.runtime)
    supervisor.project_secrets(space, profile, matcher)
    deadline = time.monotonic() + 120
    from agentsh.sandbox import watcher
    from agentsh.sandbox.secrets import scan_key

    socket = watcher.socket_path(
        space.dirs.runtime, str(project), scan_key(matcher, settings.skip_dirs)
    )
    while (
        socket
        and watcher.query(socket, str(project), scan_key(matcher, settings.skip_dirs)) is None
    ):
        if time.monotonic() > deadline:
            raise SystemExit("bench: the watcher did not come up")
        time.sleep(0.1)
    warm_watch = [timed(lambda: supervisor.project_secrets(space, profile, matcher)) for _ in range(rounds)]
    end_to_end = interleaved(
        {
            "agentsh -c true in this tree": lambda: run_quietly(
                [AGENTSH, "-c", "true"], str(project), env
            )
        },
        rounds,
        warmup=2,
    )
    table = Table(f"Secret discovery, {files:,} files in {dirs:,} directories")
    table.add("cold scan (no cache, no watcher)", cold_samples)
    table.add("warm, mtime cache (no watcher)", warm_scan)
    table.add("warm, watcher (what a command pays)", warm_watch, "target <= 25 ms")
    table.add("agentsh -c true in this tree", end_to_end["agentsh -c true in this tree"])
    return table


def corpus_lines() -> list[str]:
    import json

    lines = []
    for path in sorted((ROOT / "tests" / "data" / "corpus").glob("*.jsonl")):
        lines += [json.loads(row)["cmd"] for row in path.read_text().splitlines() if row.strip()]
    return [line for line in lines if "\n" not in line]


def policy(rounds: int, env: dict[str, str], project: Path) -> Table:
    """Throughput of agentshctl check, the cost of one decision, and of importing the engine."""
    from agentsh.policy.engine import decide
    from agentsh.policy.model import Context

    lines = corpus_lines()

    def check_batch(copies: int) -> float:
        batch = "\n".join(lines * copies) + "\n"
        start = time.perf_counter()
        subprocess.run(
            [str(BIN / "agentshctl"), "check", "--json", "--stdin"],
            input=batch,
            capture_output=True,
            text=True,
            cwd=project,
            env=env,
            check=False,
        )
        return time.perf_counter() - start

    small_runs, large_runs = [], []
    for _ in range(max(3, rounds // 10)):
        small_runs.append(check_batch(5))
        large_runs.append(check_batch(45))
    extra = statistics.median(large_runs) - statistics.median(small_runs)
    per_second = len(lines) * 40 / extra
    with_start = len(lines) * 45 / statistics.median(large_runs)
    ctx = Context(cwd=str(project), project_root=str(project), home=env["HOME"])
    for line in lines:
        decide(line, ctx)
    single = []
    for _ in range(5):
        for line in lines:
            single.append(timed(lambda line=line: decide(line, ctx)))
    single.sort()
    python = str(BIN / "python")
    code = (
        "from agentsh.policy import engine; from agentsh.policy.model import Context; "
        "engine.decide({line!r}, Context())"
    )
    starts = interleaved(
        {
            "python -c pass": lambda: run_quietly([python, "-c", "pass"], str(project), env),
            "import engine + decide 'true'": lambda: run_quietly(
                [python, "-c", code.format(line="true")], str(project), env
            ),
            "import engine + decide 'git status'": lambda: run_quietly(
                [python, "-c", code.format(line="git status")], str(project), env
            ),
        },
        rounds,
        warmup=2,
    )
    base = statistics.median(starts["python -c pass"])
    table = Table(f"Policy ({len(lines)} corpus lines)")
    table.add(
        "agentshctl check --json --stdin, per command",
        [1000 / per_second],
        f"{per_second:,.0f} commands/s steady (target >= 3,000); "
        f"{with_start:,.0f}/s for {len(lines) * 45:,} lines including start-up",
    )
    p99 = single[int(len(single) * 0.99)]
    table.add("one decision, warm (p50)", single, f"p99 {p99:.2f} ms (target: adds <= 3 ms median)")
    for name in ("import engine + decide 'true'", "import engine + decide 'git status'"):
        added = statistics.median(starts[name]) - base
        table.add(name, starts[name], f"adds {added:.1f} ms to start-up (target <= 30 ms)")
    return table


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


def approval(rounds: int, base: Path, env: dict[str, str]) -> Table:
    """What asking and recording cost: the audit entry per command, the prompt's first frame."""
    folder = base / "audit-probe"
    python = str(BIN / "python")
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for index in range(rounds + 23):
        for variant in ("with", "without"):
            result = subprocess.run(
                [python, "-c", LOGGING_PROBE, str(folder), variant],
                capture_output=True,
                text=True,
                check=True,
            )
            if index >= 3:
                timings[variant].append(float(result.stdout))
    added = statistics.median(timings["with"]) - statistics.median(timings["without"])
    table = Table("Approval and audit")
    table.add("sandboxed true, as the supervisor runs it", timings["without"])
    table.add(
        "the same, recorded in the audit log",
        timings["with"],
        f"logging adds {added:.2f} ms (target <= 2 ms median; imports included)",
    )
    project = base / "prompted"
    project.mkdir()
    (project / ".git").mkdir()
    first_frame, interactive = [], []
    for index in range(max(5, rounds // 2) + 2):
        (project / "data").mkdir(exist_ok=True)
        card, ready = _prompt_timing(project, env)
        if index >= 2:
            first_frame.append(card)
            interactive.append(ready)
    table.add("inline prompt: first frame drawn", first_frame, "target <= 150 ms from start")
    table.add(
        "inline prompt: keys handled by prompt-toolkit", interactive, "keys typed earlier are kept"
    )
    return table


def _prompt_timing(project: Path, env: dict[str, str]) -> tuple[float, float]:
    """Start agentsh with a terminal of its own, as under an agent: stdin and stdout are pipes."""
    import select

    master, slave = os.openpty()
    slave_name = os.ttyname(slave)

    def controlling_terminal() -> None:
        os.setsid()
        os.close(os.open(slave_name, os.O_RDWR))

    started = time.perf_counter()
    process = subprocess.Popen(
        [AGENTSH, "-c", "rm -rf data"],
        cwd=project,
        env={**env, "TERM": "xterm-256color"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=controlling_terminal,
    )
    seen = b""
    first = ready = 0.0
    while not ready:
        readable, _, _ = select.select([master], [], [], 10)
        if not readable:
            process.kill()
            raise RuntimeError(f"no prompt from agentsh; the terminal showed {seen[-300:]!r}")
        seen += os.read(master, 65536)
        now = (time.perf_counter() - started) * 1000
        first = first or now
        if b"\x1b[J" in seen and b"denied in" in seen.split(b"\x1b[J", 1)[1]:
            ready = now
    os.write(master, b"d")
    process.wait(30)
    os.close(master)
    os.close(slave)
    return first, ready


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


def _serve_bytes(size: int) -> tuple[int, Callable[[], None]]:
    """A loopback server answering every GET with `size` bytes sent by sendfile (zero-copy)."""
    import socket
    import threading

    blob = Path(tempfile.mkstemp(prefix="agentsh-bench-blob-", dir="/var/tmp")[1])
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

    def stop() -> None:
        listener.close()
        blob.unlink()

    return listener.getsockname()[1], stop


def network(rounds: int, base: Path, env: dict[str, str], size: int) -> Table:
    """What the allowlist costs: namespace and proxy set-up, throughput, concurrent connections."""
    from tests.sandbox.servers import start_echo_server

    project = base / "net"
    project.mkdir()
    (project / ".git").mkdir()
    config = base / "config-allowlist"
    (config / "agentsh").mkdir(parents=True)
    (config / "agentsh" / "profile.yaml").write_text(
        "network:\n  mode: allowlist\n  allow: [bench.test]\n  hosts: {bench.test: 127.0.0.1}\n"
        "rules:\n  - match: ['*']\n    decision: allow\n    reason: benchmark\n"
    )
    allow_env = {**env, "XDG_CONFIG_HOME": str(config)}
    cwd = str(project)
    samples = interleaved(
        {
            "agentsh -c true, network none": lambda: run_quietly([AGENTSH, "-c", "true"], cwd, env),
            "agentsh -c true, network allowlist": lambda: run_quietly(
                [AGENTSH, "-c", "true"], cwd, allow_env
            ),
        },
        rounds,
        warmup=3,
    )
    table = Table(f"Network allowlist ({size >> 20} MiB transfers)")
    for name, values in samples.items():
        table.add(name, values)
    added = statistics.median(samples["agentsh -c true, network allowlist"]) - statistics.median(
        samples["agentsh -c true, network none"]
    )
    table.rows[1] = (table.rows[1][0], table.rows[1][1], f"adds {added:.1f} ms (target <= 10 ms)")
    port, stop = _serve_bytes(size)
    curl = ["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_download}"]
    direct, proxied = [], []
    try:
        for _ in range(3):
            out = subprocess.run(
                [*curl, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True
            ).stdout
            direct.append(float(out) / (1 << 20))
            out = subprocess.run(
                [
                    AGENTSH,
                    "-c",
                    " ".join([*curl[:-1], "'%{speed_download}'", f"http://bench.test:{port}/"]),
                ],
                cwd=cwd,
                env=allow_env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            proxied.append(float(out) / (1 << 20))
    finally:
        stop()
    ratio = statistics.median(proxied) / statistics.median(direct)
    table.add("download, direct from loopback", direct, unit="MiB/s")
    table.add(
        "download through the proxy", proxied, f"{ratio:.0%} of direct (target >= 80%)", "MiB/s"
    )
    echo = start_echo_server()
    try:
        probe = project / "concurrent.py"
        probe.write_text(CONCURRENT_PROBE)
        result = subprocess.run(
            [AGENTSH, "-c", f"python3 concurrent.py 200 {echo.port}"],
            cwd=cwd,
            env=allow_env,
            capture_output=True,
            text=True,
            check=False,
        )
        opened, failures, took = result.stdout.split()
        table.add(
            "200 concurrent connections through the proxy",
            [float(took)],
            f"{opened} held open at once, {failures} failed",
        )
    finally:
        echo.shutdown()
        echo.server_close()
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds, smaller trees (about a minute)"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print Markdown tables for the README"
    )
    parser.add_argument("--rounds", type=int, default=0)
    args = parser.parse_args()
    rounds = args.rounds or (10 if args.quick else 40)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "agentsh")], check=True)
    base = Path(tempfile.mkdtemp(prefix="agentsh-bench-", dir="/var/tmp"))
    home = base / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    os.environ["HOME"] = str(home)
    for key in [k for k in os.environ if k.startswith("XDG_")]:
        del os.environ[key]
    small = base / "small"
    small.mkdir()
    (small / ".git").mkdir()
    (small / "README.md").write_text("x")
    try:
        print(f"agentsh benchmark, {time.strftime('%Y-%m-%d')}: {machine()}\n")
        tables = [
            per_command(rounds, env, small),
            policy(rounds, env, small),
            approval(rounds, base, env),
            network(rounds, base, env, (256 if args.quick else 1024) << 20),
        ]
        sizes = [(10_000, 1_000)] if args.quick else [(100_000, 10_000)]
        for files, dirs in sizes:
            tables.append(discovery(rounds, base, env, files, dirs))
        for table in tables:
            print(table.render(args.markdown))
            print()
    finally:
        os.chdir(ROOT)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
