#!/usr/bin/env python3
"""Create or refresh `.venv` with agentsh and its test tools, using only the standard library.

Works on a fresh Debian/Ubuntu where `python3 -m venv` cannot install pip
(no python3-venv package): the venv is then made without pip and pip is
fetched from PyPI as a wheel and run from that file.

Usage: python3 scripts/bootstrap.py [--venv DIR] [--quiet]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_PYTHON = (3, 11)


def say(message: str) -> None:
    print(f"bootstrap: {message}", file=sys.stderr, flush=True)


def stamp_of(root: Path) -> str:
    """Changes when the project's declared dependencies change, so the venv is refreshed."""
    return hashlib.sha256((root / "pyproject.toml").read_bytes()).hexdigest()


def has_pip(python: Path) -> bool:
    return (
        subprocess.run(
            [str(python), "-m", "pip", "--version"], capture_output=True, check=False
        ).returncode
        == 0
    )


def fetch_pip_wheel(folder: Path) -> Path:
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        release = json.load(response)
    for item in release["urls"]:
        if item["packagetype"] == "bdist_wheel":
            target = folder / item["filename"]
            with urllib.request.urlopen(item["url"], timeout=120) as response:
                data = response.read()
            if hashlib.sha256(data).hexdigest() != item["digests"]["sha256"]:
                raise SystemExit("bootstrap: the pip wheel from PyPI failed its checksum")
            target.write_bytes(data)
            return target
    raise SystemExit("bootstrap: PyPI lists no pip wheel")


def create_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        say(f"creating {venv} with {sys.executable} ({sys.version.split()[0]})")
        result = subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            say("this Python cannot install pip into a venv (no python3-venv); fetching pip")
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    if not has_pip(python):
        with tempfile.TemporaryDirectory() as folder:
            wheel = fetch_pip_wheel(Path(folder))
            subprocess.run(
                [str(python), f"{wheel}/pip", "install", "--quiet", str(wheel)], check=True
            )
    # Python 3.11's venv adds setuptools, whose .pth hook runs at every interpreter start
    # (agentsh starts one per command); nothing here needs it.
    subprocess.run(
        [str(python), "-m", "pip", "uninstall", "--quiet", "--yes", "setuptools"],
        capture_output=True,
        check=False,
    )
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default=str(ROOT / ".venv"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    if sys.version_info < MIN_PYTHON:
        raise SystemExit(
            f"bootstrap: agentsh needs Python >= 3.11, this is {sys.version.split()[0]}"
        )
    venv = Path(args.venv)
    stamp = venv / ".agentsh-stamp"
    wanted = stamp_of(ROOT)
    if stamp.exists() and stamp.read_text() == wanted and (venv / "bin" / "agentsh").exists():
        return 0
    python = create_venv(venv)
    say("installing agentsh and its test tools (pip install -e '.[test]')")
    quiet = ["--quiet"] if args.quiet else []
    environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            *quiet,
            "--editable",
            f"{ROOT}[test]",
        ],
        check=True,
        env=environment,
    )
    subprocess.run(
        [str(python), "-m", "compileall", "-q", str(ROOT / "agentsh")], check=False, env=environment
    )
    stamp.write_text(wanted)
    say(f"ready: {venv}/bin/agentsh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
