from __future__ import annotations

import pytest

from agentsh.errors import UsageError
from agentsh.shell.args import parse


@pytest.mark.parametrize(
    ("argv", "mode", "command", "inner"),
    [
        (["-c", "ls"], "command", "ls", ["-c", "ls"]),
        (["-lc", "ls", "n"], "command", "ls", ["-lc", "ls", "n"]),
        (["-c", "-l", "ls"], "command", "ls", ["-c", "-l", "ls"]),
        (["-c", "--login", "ls"], "command", "ls", ["--login", "-c", "ls"]),
        (["-l", "--norc", "-c", "ls"], "command", "ls", ["--norc", "-l", "-c", "ls"]),
        (["-o", "pipefail", "-ec", "ls"], "command", "ls", ["-o", "pipefail", "-ec", "ls"]),
        (["-c", "ls", "-x"], "command", "ls", ["-c", "ls", "-x"]),
        (["--rcfile=f", "-i"], "stdin", None, ["--rcfile", "f", "-i"]),
        (["script.sh", "-x"], "script", None, ["script.sh", "-x"]),
        (["--", "-weird.sh"], "script", None, ["--", "-weird.sh"]),
        ([], "stdin", None, []),
        (["-s", "a"], "stdin", None, ["-s", "a"]),
        (["-"], "stdin", None, []),
        (["+x", "-c", "ls"], "command", "ls", ["+x", "-c", "ls"]),
    ],
)
def test_bash_command_lines(
    argv: list[str], mode: str, command: str | None, inner: list[str]
) -> None:
    invocation = parse(argv)
    assert invocation.mode == mode
    assert invocation.command == command
    assert invocation.bash_argv("/bin/bash")[1:] == inner


def test_login_and_interactive_are_known() -> None:
    assert parse(["-lc", "x"]).login
    assert parse(["--login", "-c", "x"]).login
    assert parse(["-ic", "x"]).interactive
    assert not parse(["-c", "x"]).login


@pytest.mark.parametrize(
    "argv",
    [["-q"], ["--frob"], ["-c"], ["-o"], ["-cO"], ["--rcfile"], ["+c", "x"], ["--login=yes"]],
)
def test_bad_command_lines_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(UsageError) as error:
        parse(argv)
    assert error.value.exit_status == 2


def test_version_and_help_win() -> None:
    assert parse(["--version", "-c", "x"]).mode == "version"
    assert parse(["--help"]).mode == "help"


def test_rcfile_is_known() -> None:
    assert parse(["--rcfile", "f", "-i"]).rcfile == "f"
    assert parse(["--init-file=g", "-ic", "x"]).rcfile == "g"
    assert parse(["-c", "x"]).rcfile is None
