"""Shells that commands start inside the sandbox: make's SHELL, npm's script shell,
`#!` scripts and `sh -c`. agentsh runs the agent's command in a real bash in the sandbox,
so these are ordinary child processes there; they must keep working, and stay confined.

Sources: GNU make manual, "Choosing the Shell" (SHELL is used for recipes; `make
SHELL=/bin/bash` on the command line overrides the makefile); npm docs, `npm run`
("scripts run with `sh -c`" on POSIX unless `script-shell` is set).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.agents.helpers import agent_env, bash_path_shim, run_piped
from tests.conftest import AGENTSH, SECRET, Workspace

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
needs_npm = pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")

MAKEFILE = """\
SHELL := /bin/bash

bashisms:
\t@[[ -n "$$BASH_VERSION" ]] && echo "bash recipe $${BASH_VERSINFO[0]}"
\t@arr=(a b c); echo "array $${arr[2]}"

posix:
\t@echo "posix recipe"; test -z "$$BASH_VERSION" || echo "and bash"

nested:
\t@./tool.sh from-make
\t@sh -c 'echo "sh -c inside make"'

secret:
\t@head -c 17 .env; echo
"""


def run(ws: Workspace, command: str) -> subprocess.CompletedProcess[str]:
    """`agentsh -c` the way an agent runs it: pipes, no terminal, stdin closed."""
    return run_piped([AGENTSH, "-c", command], ws.project, agent_env(ws))


def write_scripts(ws: Workspace) -> None:
    sh_script = ws.project / "tool.sh"
    sh_script.write_text('#!/bin/sh\necho "sh script $1"\nexit 0\n')
    sh_script.chmod(0o755)
    env_script = ws.project / "build.bash"
    env_script.write_text(
        '#!/usr/bin/env bash\nset -euo pipefail\ndeclare -A seen=([x]=1)\necho "env bash ${seen[x]} $*"\n'
    )
    env_script.chmod(0o755)
    (ws.project / "Makefile").write_text(MAKEFILE)


@needs_make
def test_make_with_bash_as_its_shell(ws: Workspace) -> None:
    """GNU make "Choosing the Shell": `SHELL := /bin/bash` in the makefile runs recipes,
    bash-isms and all, with /bin/bash -c."""
    write_scripts(ws)
    result = run(ws, "make -s bashisms")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("bash recipe ")
    assert result.stdout.splitlines()[1] == "array c"


@needs_make
@pytest.mark.parametrize("shell", ["/bin/sh", "/bin/bash"])
def test_make_shell_on_the_command_line(ws: Workspace, shell: str) -> None:
    """GNU make: a command-line `SHELL=...` overrides the makefile's."""
    write_scripts(ws)
    result = run(ws, f"make -s SHELL={shell} posix")
    assert result.returncode == 0, result.stderr
    expected = "posix recipe\n" if shell == "/bin/sh" else "posix recipe\nand bash\n"
    assert result.stdout == expected


@needs_make
def test_make_runs_scripts_and_nested_sh(ws: Workspace) -> None:
    """A recipe that runs a `#!/bin/sh` script by path and an `sh -c`."""
    write_scripts(ws)
    result = run(ws, "make -s SHELL=/bin/sh nested")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "sh script from-make\nsh -c inside make\n"


@needs_make
def test_nested_shells_stay_in_the_sandbox(ws: Workspace) -> None:
    """A recipe is a child of the sandboxed bash: .env still reads as agentsh's notice."""
    write_scripts(ws)
    result = run(ws, "make -s secret")
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout
    assert result.stdout == "hidden by agentsh\n"


def test_sh_script_run_by_path(ws: Workspace) -> None:
    """`./script` (an executable `#!/bin/sh` file): agents run `./gradlew`, `./test.sh`."""
    write_scripts(ws)
    result = run(ws, "./tool.sh direct; echo status=$?")
    assert (result.returncode, result.stdout) == (0, "sh script direct\nstatus=0\n"), result.stderr


def test_env_bash_script(ws: Workspace) -> None:
    """`#!/usr/bin/env bash` found through PATH inside the sandbox."""
    write_scripts(ws)
    result = run(ws, "./build.bash one two")
    assert (result.returncode, result.stdout) == (0, "env bash 1 one two\n"), result.stderr


def test_nested_sh_c(ws: Workspace) -> None:
    """npm and many tools run `sh -c '<script>'`, which may itself run `bash -c`."""
    result = run(ws, """sh -c 'echo "sh $0"; bash -c "echo bash-in-sh; exit 6"'; echo "rc=$?" """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "sh sh\nbash-in-sh\nrc=6\n"


def test_nested_bash_is_the_real_bash(ws: Workspace) -> None:
    """`bash` inside the sandbox must be bash itself, not agentsh again (an agent's PATH may
    start with agentsh's `bash` shim)."""
    shims = bash_path_shim(ws)
    env = agent_env(ws, PATH=f"{shims}:{ws.env['PATH']}")
    result = run_piped(
        ["bash", "-c", "bash -c 'echo $BASH_VERSION' | cut -c1; command -v bash"],
        ws.project,
        env,
    )
    assert result.returncode == 0, result.stderr
    first, where = result.stdout.splitlines()
    assert first.isdigit()
    assert not where.startswith(str(shims))


@needs_npm
def test_npm_run_script(ws: Workspace) -> None:
    """`npm run` starts the script with `sh -c`; here the script runs a `#!/bin/sh` file."""
    write_scripts(ws)
    package = {
        "name": "demo",
        "version": "1.0.0",
        "private": True,
        "scripts": {"hello": "echo npm-$npm_lifecycle_event && ./tool.sh from-npm && exit 0"},
    }
    (ws.project / "package.json").write_text(json.dumps(package))
    result = run(ws, "npm run --silent hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "npm-hello\nsh script from-npm\n"
