"""The host side of a shell session: what is judged, what is carried, what is complete."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentsh.shell import syntax
from agentsh.shell.args import parse
from agentsh.shell.repl import _escape_command, initial_options
from agentsh.shell.session import MAGIC, ShellSession


def _session() -> ShellSession:
    return ShellSession("/p", "/p", "/tmp/agentsh-x")


def _dump(**fields: str) -> bytes:
    parts = [MAGIC]
    for key, value in fields.items():
        parts += [key, value]
    return ("\0".join(parts) + "\0").encode()


def test_a_line_is_judged_with_the_definitions_it_reaches() -> None:
    session = _session()
    session.functions = {"deploy": "deploy () \n{ \n    cleanup\n}", "other": "other () { ls; }"}
    session.aliases = {"cleanup": "rm -rf data", "ll": "ls -la"}
    judged = session.judged_text("echo start && deploy")
    assert "rm -rf data" in judged
    assert "deploy ()" in judged
    assert "other ()" not in judged
    assert "ls -la" not in judged
    assert judged.endswith("echo start && deploy")
    assert session.judged_text("echo deployment") == "echo deployment"


def test_a_dump_becomes_the_next_lines_state() -> None:
    session = _session()
    dump = _dump(
        rc="3",
        how="end",
        cwd="/p/sub",
        prompt="[3]$ ",
        ps2="",
        variables='declare -x A="1"\n',
        options="set -o errexit\nset +o monitor\nshopt -s extglob\nshopt -u login_shell\n",
        umask="0027",
    )
    dump = dump.replace(b"variables", b"function\0f\0f () { :; }\0alias\0ll\0ls -la\0variables", 1)
    assert session.absorb(dump)
    assert (session.status, session.exited, session.cwd, session.prompt) == (
        3,
        False,
        "/p/sub",
        "[3]$ ",
    )
    assert session.functions == {"f": "f () { :; }"}
    assert session.aliases == {"ll": "ls -la"}
    restore = session.restore
    assert restore.index("shopt -s extglob") < restore.index("f () { :; }")
    assert restore.index("f () { :; }") < restore.index("set -o errexit")
    assert "monitor" not in restore and "login_shell" not in restore
    assert "builtin alias -- 'll=ls -la'" in restore
    assert "umask 0027" in restore
    assert "(builtin exit 3) && :" in session.script("echo hi")


def test_a_missing_or_foreign_dump_keeps_the_state() -> None:
    session = _session()
    session.restore = "kept"
    assert not session.absorb(b"")
    assert not session.absorb(b"something else\0rc\x000\0")
    assert session.restore == "kept"
    assert session.absorb(_dump(rc="0", how="exit", cwd="/p"))
    assert session.exited


def test_the_session_tmp_is_a_host_directory_but_the_project_is_not_moved() -> None:
    session = ShellSession("/tmp/x", "/tmp/proj", "/var/tmp/s")
    assert session.host_cwd() == "/var/tmp/s/x"
    session.cwd = "/tmp/proj/src"
    assert session.host_cwd() == "/tmp/proj/src"


@pytest.mark.parametrize(
    ("text", "complete", "error"),
    [
        ("echo ok\n", True, False),
        ("if true; then\n", False, False),
        ("echo 'open\n", False, False),
        ("cat <<EOF\nbody\n", False, False),
        ("cat <<EOF\nbody\nEOF\n", True, False),
        ("echo a |\n", False, False),
        ("echo a \\\n", False, False),
        ("echo a \\\\\n", True, False),
        ("fi\n", True, True),
        ("ls !(x)\n", True, False),
    ],
)
def test_bash_decides_when_a_command_is_complete(text: str, complete: bool, error: bool) -> None:
    parsed = syntax.check(text)
    assert parsed.complete == complete
    assert (parsed.error is not None) == error


def test_invocation_options_become_set_commands() -> None:
    assert initial_options(parse(["-e", "-o", "pipefail", "-s"])) == (
        "builtin set -e -o pipefail\n"
    )
    assert initial_options(parse(["-s"])) == ""


@given(st.text())
def test_osc_633_command_text_never_carries_a_control_character_or_separator(text: str) -> None:
    escaped = _escape_command(text)
    assert ";" not in escaped
    assert all(ord(char) >= 0x20 for char in escaped)
