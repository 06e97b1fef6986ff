"""Fixtures that run the real `agentsh` (real bwrap) against a throwaway home and project.

The workspace lives under /var/tmp, not /tmp: inside the sandbox /tmp is a
private directory, so a fake home under /tmp would be invisible rather than
masked, and the tests could not tell a notice from a missing file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
AGENTSH = str(BIN / "agentsh")
AGENTSHCTL = str(BIN / "agentshctl")
POLICY_OFF = "\nrules:\n  - match: ['*']\n    decision: allow\n    reason: test the sandbox alone\n"
SECRET = "sk_live_" + "9" * 24
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
"""A value that must never appear in any sandboxed command's output."""


@dataclass
class Workspace:
    root: Path
    home: Path
    project: Path
    sibling: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        input: bytes | str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [AGENTSH, *args],
            cwd=cwd or self.project,
            input=input if isinstance(input, (str, type(None))) else input.decode(),
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            start_new_session=True,
        )

    def ctl(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [AGENTSHCTL, *args],
            cwd=cwd or self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            start_new_session=True,
        )

    def user_profile(self, text: str, *, policy_off: bool = False) -> Path:
        """Write the user profile; `policy_off` adds a rule allowing every command shape,
        so that a test exercises the sandbox itself rather than the policy in front of it
        (the engine's own findings, such as redirects outside the project, still apply)."""
        if policy_off:
            text += POLICY_OFF
        path = self.home / ".config" / "agentsh" / "profile.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path


def _make_secret_files(home: Path, project: Path) -> None:
    (project / ".env").write_text(f"RAILWAY_TOKEN={SECRET}\n")
    (project / ".env.example").write_text("RAILWAY_TOKEN=changeme\n")
    nested = project / "sub" / "dir"
    nested.mkdir(parents=True)
    (nested / ".env.production").write_text(f"DATABASE_URL=postgres://app:{SECRET}@db/prod\n")
    (project / "deploy.pem").write_text(f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n")
    (project / "README.md").write_text("# demo project\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(f"[default]\naws_secret_access_key={SECRET}\n")
    (home / ".railway").mkdir()
    (home / ".railway" / "config.json").write_text(f'{{"token": "{SECRET}"}}\n')
    (home / ".ssh").mkdir(mode=0o700)
    (home / ".ssh" / "id_ed25519").write_text(SECRET)
    (home / ".bash_history").write_text(f"export RAILWAY_TOKEN={SECRET}\n")
    (home / "notes.txt").write_text("plain notes\n")


@pytest.fixture(scope="session")
def base_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"agentsh-test-{os.getuid()}-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def ws(base_dir: Path, request: pytest.FixtureRequest) -> Iterator[Workspace]:
    root = Path(tempfile.mkdtemp(prefix="ws-", dir=base_dir))
    home = root / "home"
    project = root / "work" / "project"
    sibling = root / "work" / "sibling"
    for folder in (home, project, sibling):
        folder.mkdir(parents=True)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(project)], check=True)
    else:  # a fresh machine may lack git; agentsh only needs .git to find the project
        (project / ".git" / "hooks").mkdir(parents=True)
        (project / ".git" / "config").write_text("[core]\n")
    _make_secret_files(home, project)
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "AGENTSH", "PYTEST", "COV_"))
    }
    env.update(
        HOME=str(home),
        PATH=f"{os.environ.get('PATH', '/usr/bin:/bin')}:{Path(sys.executable).parent}",
        RAILWAY_TOKEN=SECRET,
        AWS_SECRET_ACCESS_KEY=SECRET,
        GITHUB_TOKEN="ghp_" + "A" * 36,
        DATABASE_URL=f"postgres://app:{SECRET}@db.internal/prod",
        LANG="C.UTF-8",
        XDG_RUNTIME_DIR=str(runtime),
    )
    yield Workspace(root, home, project, sibling, env)
    subprocess.run(["chmod", "-R", "u+w", str(root)], check=False)
    shutil.rmtree(root, ignore_errors=True)
