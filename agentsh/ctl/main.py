"""`agentshctl`: every management verb, so that `agentsh` itself stays only a shell."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from typing import Any, NoReturn

from agentsh import __version__, paths
from agentsh import profile as profiles
from agentsh.errors import AgentshError
from agentsh.profile.model import Profile


def _profile_for(args: argparse.Namespace) -> Profile:
    dirs = paths.dirs(os.environ)
    cwd = os.path.abspath(args.cwd) if getattr(args, "cwd", None) else os.getcwd()
    top = profiles.explicit(args.profile) if args.profile else profiles.discover(cwd, dirs)
    return profiles.load(top, dirs)


def cmd_doctor(args: argparse.Namespace) -> int:
    from agentsh.ctl import doctor

    dirs = paths.dirs(os.environ)
    bwrap_choice, network = "auto", "none"
    channels: tuple[str, ...] = ("tty", "console")
    try:
        profile = _profile_for(args)
        bwrap_choice, network = profile.sandbox.bwrap, profile.network.mode
        channels = profile.approval.channels
        profile_line = ("ok", "profile", " <- ".join(reversed(profile.sources)), "")
    except AgentshError as exc:
        profile_line = ("FAIL", "profile", exc.message, "fix the file named above")
    checks = doctor.run_checks(bwrap_choice, network, dirs, channels)
    rows = [profile_line] + [(c.status, c.name, c.detail, c.fix) for c in checks]
    worst = 0
    for status, name, detail, fix in rows:
        print(f"[{status:>4}] {name}: {detail}")
        if fix:
            print(f"       fix: {fix}")
        worst = max(worst, {"ok": 0, "warn": 0, "FAIL": 1}[status])
    if worst:
        print("agentsh will refuse to run commands until the FAIL items are fixed.")
    return worst


def _render(value: Any, key: str, origins: dict[str, str], indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for name, item in value.items():
            dotted = f"{key}.{name}" if key else name
            if isinstance(item, dict) and item:
                out.append(f"{pad}{name}:")
                _render(item, dotted, origins, indent + 1, out)
            elif isinstance(item, list) and item:
                out.append(f"{pad}{name}:")
                for element in item:
                    origin = origins.get(f"{dotted}\0{element}", "built-in default")
                    out.append(f"{pad}  - {json.dumps(element)}  # {origin}")
            else:
                origin = origins.get(dotted, "built-in default")
                shown = json.dumps(item) if not isinstance(item, str) else item
                if isinstance(item, dict) and key == "env":
                    shown = "{}"
                out.append(f"{pad}{name}: {shown}  # {origin}")


def cmd_profile_show(args: argparse.Namespace) -> int:
    profile = _profile_for(args)
    if args.json:
        json.dump(
            {"sources": list(profile.sources), "digest": profile.digest, "profile": profile.values},
            sys.stdout,
            indent=2,
        )
        print()
        return 0
    print("# effective agentsh profile, merged from (lowest precedence first):")
    for source in profile.sources:
        print(f"#   {source}")
    print(f"# digest {profile.digest}")
    for item in profile.ignored:
        print(f"# ignored, untrusted (agentshctl trust to accept): {item}")
    lines: list[str] = []
    _render(profile.values, "", dict(profile.origins), 0, lines)
    print("\n".join(lines))
    return 0


EXIT_FOR_DECISION = {"allow": 0, "confirm": 1, "deny": 2}
USAGE_ERROR = 3


def cmd_check(args: argparse.Namespace) -> int:
    """Judge command lines without running them: `-- CMD`, or one per line with --stdin."""
    from agentsh import judge, supervisor

    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if args.stdin == bool(args.command):
        print("agentshctl check: give a command after --, or --stdin (not both)", file=sys.stderr)
        return USAGE_ERROR
    cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    if not os.path.isdir(cwd):
        print(f"agentshctl check: --cwd {cwd} is not a directory", file=sys.stderr)
        return USAGE_ERROR
    dirs = paths.dirs(os.environ)
    root = paths.project_root(cwd)
    profile = _profile_for(args)
    space = supervisor.Workspace(cwd, root, True, dirs)
    hidden = supervisor.hidden_paths(space, profile, os.environ)
    single = args.command[0] if len(args.command) == 1 else shlex.join(args.command)
    lines = (line.rstrip("\n") for line in sys.stdin) if args.stdin else [single]
    worst = 0
    for line in lines:
        if args.stdin and not line.strip():
            continue
        verdict = judge.judge(line, cwd, root, dirs.home, profile, hidden)
        decision = str(verdict.decision)
        worst = max(worst, EXIT_FOR_DECISION[decision])
        if args.json:
            sys.stdout.write(json.dumps(verdict.to_json()) + "\n")
            if args.stdin:
                sys.stdout.flush()
        else:
            print(decision)
            for reason in verdict.findings:
                print(
                    f"  {reason.decision}: {reason.message}  [{reason.rule}] in: {reason.command}"
                )
    return worst


def cmd_trust(args: argparse.Namespace) -> int:
    """Show the project's profile (what changed since it was last trusted) and trust it."""
    import difflib

    from agentsh.profile import trust

    dirs = paths.dirs(os.environ)
    cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    path = paths.find_upward(cwd, profiles.PROJECT_FILE)
    if path is None:
        print(f"agentshctl trust: no {profiles.PROJECT_FILE} in {cwd} or above", file=sys.stderr)
        return 1
    with open(path, "rb") as handle:
        data = handle.read()
    store = trust.read_store(trust.store_path(dirs.state))
    if trust.is_trusted(store, path, data):
        print(f"{path} is already trusted as it is.")
        return 0
    previous = store.get(path, {}).get("text")
    text = data.decode("utf-8", "replace")
    if previous is None:
        print(f"{path} (never trusted):\n")
        print(text)
    else:
        print(f"{path} changed since you last trusted it:\n")
        sys.stdout.writelines(
            difflib.unified_diff(
                previous.splitlines(keepends=True),
                text.splitlines(keepends=True),
                "trusted",
                "now",
            )
        )
    profiles.load([(path, "user")], dirs)
    if not args.yes and not _confirm("Trust this file, so agentsh applies what it loosens? [y/N] "):
        print("not trusted.")
        return 1
    trust.trust(dirs.state, path, data)
    print(f"trusted {path}")
    return 0


def cmd_approvals(args: argparse.Namespace) -> int:
    from agentsh.ctl import approvals

    dirs = paths.dirs(os.environ)
    notify = not args.no_notify
    if notify:
        try:
            notify = _profile_for(args).approval.notify
        except AgentshError:
            pass
    return approvals.run(dirs.runtime, notify)


def cmd_log(args: argparse.Namespace) -> int:
    from agentsh.ctl import auditlog

    return auditlog.run(
        paths.dirs(os.environ).state,
        verify=args.verify,
        as_json=args.json,
        since=args.since,
        decision=args.decision,
        grep=args.grep,
        count=args.n,
    )


def cmd_sessions(args: argparse.Namespace) -> int:
    """List the sandboxes kept for background jobs (sandbox.background: keep), or stop them."""
    from agentsh.sandbox import keeper

    state = paths.dirs(os.environ).state
    running = keeper.live_sessions(state)
    if args.action == "list":
        if args.json:
            for record in running:
                print(json.dumps(record))
            return 0
        if not running:
            print("no background sessions")
        for record in running:
            started = record.get("started")
            since = int(time.time() - started) if isinstance(started, float) else 0
            print(
                f"{record['pid']:>8}  {since:>6}s  {record.get('cwd')}  $ {record.get('command')}"
            )
            print(f"{'':>8}  log: {record.get('log')}")
        return 0
    known = {int(str(record["pid"])) for record in running}
    wanted = known if args.all else {int(item) for item in args.ids if item.isdigit()}
    unknown = sorted(wanted - known)
    for pid in unknown:
        print(f"agentshctl sessions: no background session {pid}", file=sys.stderr)
    stopped = keeper.stop(sorted(wanted & known))
    for pid in stopped:
        print(f"stopped {pid}")
    return 1 if unknown or not (args.all or args.ids) else 0


def cmd_hook(args: argparse.Namespace) -> int:
    """An agent's pre-command hook: the payload on stdin, the answer in the agent's format."""
    from agentsh.ctl import hooks

    return hooks.main(args.agent)


def cmd_install(args: argparse.Namespace) -> int:
    """Point an agent at agentsh (`install`), or undo exactly that (`uninstall`)."""
    from agentsh.ctl import install

    return install.run(args.verb, args.agent, args.dry_run, os.environ, sys.argv[0])


def _confirm(question: str) -> bool:
    """Ask on the controlling terminal: never on stdin, which an agent may control."""
    try:
        with open("/dev/tty", "r+", encoding="utf-8") as tty:
            tty.write(question)
            tty.flush()
            return tty.readline().strip().lower() in ("y", "yes")
    except OSError:
        print("agentshctl trust: no terminal to ask on; rerun with --yes", file=sys.stderr)
        return False


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="agentshctl", description="Manage agentsh, the sandboxed shell for AI agents."
    )
    parser.add_argument("--version", action="version", version=f"agentshctl {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    verbs.required = True

    check = verbs.add_parser(
        "check",
        help="judge a command without running it (exit 0 allow, 1 confirm, 2 deny, 3 usage)",
    )
    check.add_argument("--json", action="store_true", help="one JSON object per command")
    check.add_argument("--stdin", action="store_true", help="read one command per line")
    check.add_argument("--profile", help="a built-in profile name or a profile file")
    check.add_argument("--cwd", help="judge as if run in this directory")
    check.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND...")
    check.set_defaults(run=cmd_check)

    trust_verb = verbs.add_parser(
        "trust", help="let the project's .agentsh.yaml loosen settings (shows it first)"
    )
    trust_verb.add_argument("--cwd", help="the project directory")
    trust_verb.add_argument("--yes", action="store_true", help="do not ask")
    trust_verb.set_defaults(run=cmd_trust)

    approvals_verb = verbs.add_parser(
        "approvals", help="the console where you approve or deny what agents ask to run"
    )
    approvals_verb.add_argument("--no-notify", action="store_true", help="no desktop notifications")
    approvals_verb.set_defaults(run=cmd_approvals, profile=None, cwd=None)

    log_verb = verbs.add_parser("log", help="show or verify the audit log")
    log_verb.add_argument("--verify", action="store_true", help="check the hash chain")
    log_verb.add_argument("--json", action="store_true", help="print entries as JSON lines")
    log_verb.add_argument("--since", help="only entries newer than 10m, 2h, 3d or an ISO time")
    log_verb.add_argument(
        "--decision", help="only allow, confirm or deny (or outcome: ran, denied, blocked…)"
    )
    log_verb.add_argument("--grep", help="only entries whose command or reasons match (regex)")
    log_verb.add_argument(
        "-n", type=int, default=20, help="the last N matching entries (0: all; default 20)"
    )
    log_verb.set_defaults(run=cmd_log)

    hook_verb = verbs.add_parser(
        "hook", help="judge the shell command an agent's pre-command hook sends on stdin"
    )
    hook_verb.add_argument(
        "agent", choices=("claude-code", "cursor", "codex", "gemini", "cline"), help="the agent"
    )
    hook_verb.set_defaults(run=cmd_hook)

    from agentsh.ctl.install import AGENTS

    for verb, summary in (
        ("install", "make an agent run its commands through agentsh (shell, hook, PATH shim)"),
        ("uninstall", "undo what `agentshctl install` changed for an agent"),
    ):
        install_verb = verbs.add_parser(verb, help=summary)
        install_verb.add_argument("agent", choices=AGENTS, help="the agent")
        install_verb.add_argument(
            "--dry-run", action="store_true", help="print what would change; change nothing"
        )
        install_verb.set_defaults(run=cmd_install)

    sessions_verb = verbs.add_parser(
        "sessions", help="list or stop the sandboxes kept for background jobs"
    )
    sessions_verb.add_argument("action", nargs="?", choices=("list", "stop"), default="list")
    sessions_verb.add_argument("ids", nargs="*", help="the session numbers to stop")
    sessions_verb.add_argument("--all", action="store_true", help="stop every session")
    sessions_verb.add_argument("--json", action="store_true", help="one JSON object per line")
    sessions_verb.set_defaults(run=cmd_sessions)

    doctor = verbs.add_parser("doctor", help="check that this machine can build the sandbox")
    doctor.add_argument("--profile", help="a built-in profile name or a profile file")
    doctor.add_argument("--cwd", help="judge the profile of this directory")
    doctor.set_defaults(run=cmd_doctor)

    profile = verbs.add_parser("profile", help="inspect profiles")
    profile_verbs = profile.add_subparsers(dest="profile_verb", metavar="ACTION")
    profile_verbs.required = True
    show = profile_verbs.add_parser("show", help="print the effective profile and its origins")
    show.add_argument("--profile", help="a built-in profile name or a profile file")
    show.add_argument("--cwd", help="the directory whose profile to show")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(run=cmd_profile_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
        return status
    except AgentshError as exc:
        print(f"agentshctl: {exc.message}", file=sys.stderr)
        return 3 if exc.exit_status == 2 else 1
    except OSError as exc:
        print(f"agentshctl: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
