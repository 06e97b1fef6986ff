"""`agentshctl`: every management verb, so that `agentsh` itself stays only a shell."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

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
    try:
        profile = _profile_for(args)
        bwrap_choice, network = profile.sandbox.bwrap, profile.network.mode
        profile_line = ("ok", "profile", " <- ".join(reversed(profile.sources)), "")
    except AgentshError as exc:
        profile_line = ("FAIL", "profile", exc.message, "fix the file named above")
    checks = doctor.run_checks(bwrap_choice, network, dirs)
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
    lines: list[str] = []
    _render(profile.values, "", dict(profile.origins), 0, lines)
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentshctl", description="Manage agentsh, the sandboxed shell for AI agents."
    )
    parser.add_argument("--version", action="version", version=f"agentshctl {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

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


if __name__ == "__main__":
    sys.exit(main())
