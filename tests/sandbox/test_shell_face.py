"""agentsh accepts bash's command line: flags in any order, scripts, stdin."""

from __future__ import annotations

import pytest

from tests.conftest import Workspace


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "echo $0 $1 $2", "name", "a", "b"],
        ["-c", "-l", "echo $0 $1 $2", "name", "a", "b"],
        ["-lc", "echo $0 $1 $2", "name", "a", "b"],
        ["-l", "-c", "echo $0 $1 $2", "name", "a", "b"],
        ["--login", "-c", "echo $0 $1 $2", "name", "a", "b"],
        ["-c", "--login", "echo $0 $1 $2", "name", "a", "b"],
        ["--norc", "--noprofile", "-c", "echo $0 $1 $2", "name", "a", "b"],
        ["-e", "-u", "-c", "echo $0 $1 $2", "name", "a", "b"],
        ["-o", "pipefail", "-c", "echo $0 $1 $2", "name", "a", "b"],
        ["-c", "-o", "pipefail", "echo $0 $1 $2", "name", "a", "b"],
        ["-eo", "pipefail", "-c", "echo $0 $1 $2", "name", "a", "b"],
    ],
)
def test_flags_in_any_order(ws: Workspace, args: list[str]) -> None:
    result = ws.run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "name a b\n"


def test_flags_take_effect_inside(ws: Workspace) -> None:
    assert ws.run("-e", "-c", "false; echo after").stdout == ""
    assert ws.run("-o", "pipefail", "-c", "false | true").returncode == 1
    assert ws.run("-u", "-c", "echo $UNSET_VAR").returncode != 0
    traced = ws.run("-x", "-c", "echo traced")
    assert "+ echo traced" in traced.stderr
    assert "i" in ws.run("-i", "-c", "echo $-").stdout
    login = ws.run("-lc", "shopt -q login_shell && echo login")
    assert login.stdout == "login\n"


def test_quoting_and_expansion_are_bashs(ws: Workspace) -> None:
    command = """x='a  b'; printf '[%s]' "$x" $x; echo; printf '%s\\n' "$(echo 'q"uote')" {1..3}"""
    result = ws.run("-c", command)
    assert result.stdout == '[a  b][a][b]\nq"uote\n1\n2\n3\n'


def test_a_script_file_with_arguments(ws: Workspace) -> None:
    script = ws.project / "script.sh"
    script.write_text('echo "script $0 $1 $2"\nexit 7\n')
    result = ws.run("script.sh", "one", "two")
    assert result.returncode == 7
    assert result.stdout == "script script.sh one two\n"


def test_a_script_in_the_hosts_tmp_is_readable(
    ws: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    script = folder / "agent-step.sh"
    script.write_text("echo from-tmp-script $1\n")
    try:
        result = ws.run(str(script), "x")
    finally:
        script.unlink()
        folder.rmdir()
    assert result.stdout == "from-tmp-script x\n", result.stderr


@pytest.mark.parametrize("args", [[], ["-s"], ["-s", "a1"], ["-"]])
def test_commands_on_stdin(ws: Workspace, args: list[str]) -> None:
    result = ws.run(*args, input="echo from-stdin ${1:-none}\nexit 3\n")
    assert result.returncode == 3
    assert result.stdout.startswith("from-stdin")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-q", "-c", "true"], "-q: invalid option"),
        (["--frobnicate", "-c", "true"], "--frobnicate: invalid option"),
        (["-c"], "-c: option requires an argument"),
        (["-o"], "-o: option requires an argument"),
    ],
)
def test_unsupported_options_are_clear_errors(ws: Workspace, args: list[str], message: str) -> None:
    result = ws.run(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("agentsh: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_version_and_help(ws: Workspace) -> None:
    version = ws.run("--version")
    assert version.returncode == 0
    assert "agentsh" in version.stdout and "bash" in version.stdout
    assert "agentshctl" in ws.run("--help").stdout
