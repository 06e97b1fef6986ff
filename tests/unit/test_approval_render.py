"""What the human sees: nothing in the agent's text may act on their terminal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agentsh.approve import render
from agentsh.approve.request import Reason, Request


def _request(command: str, **changes: object) -> Request:
    base = {
        "id": "abc",
        "command": command,
        "cwd": "/work/project/sub",
        "project": "/work/project",
        "decision": "confirm",
        "reasons": (
            Reason("paas.railway", "confirm", command, "railway would delete a volume", "prod"),
        ),
        "pid": 42,
        "asked_by": "claude (pid 41)",
        "time": 0.0,
    }
    base.update(changes)
    return Request(**base)  # type: ignore[arg-type]


def test_escape_sequences_are_shown_not_sent() -> None:
    shown = render.plain(render.highlight("echo \x1b[2J\x1b]0;pwned\x07 done"))
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b[2J" in shown and "\\x07" in shown


def test_bidi_overrides_and_zero_width_characters_are_visible() -> None:
    shown = render.plain(render.neutralise("rm -rf /safe\u202e\u200b/gnp.tsil"))
    assert "\\u202e" in shown and "\\u200b" in shown
    assert "\u202e" not in shown


def test_bytes_that_are_not_utf8_are_shown_as_bytes() -> None:
    shown = render.plain(render.neutralise(b"cat \xff\xfe".decode("utf-8", "surrogateescape")))
    assert shown == "cat \\xff\\xfe"


@given(st.text())
def test_highlighting_keeps_every_character_in_order(command: str) -> None:
    assert render.plain(render.highlight(command)) == render.plain(render.neutralise(command))


@given(st.text())
def test_no_control_character_survives_into_the_card(command: str) -> None:
    text = render.plain(render.card(_request(command)))
    assert all(c in "\n\t" or c.isprintable() for c in text)


def test_the_command_name_flags_and_strings_get_their_styles() -> None:
    styles = dict((text, style) for style, text in render.highlight('rm -rf "$HOME/x" | cat'))
    assert styles["rm"] == "command"
    assert styles["-rf"] == "flag"
    assert styles["|"] == "operator"


def test_the_card_names_reason_rule_target_and_place() -> None:
    text = render.plain(render.card(_request("railway volume delete data")))
    for expected in (
        "railway volume delete data",
        "railway would delete a volume",
        "[paas.railway]",
        "prod",
        "/work/project/sub",
        "project /work/project",
        "claude (pid 41)",
    ):
        assert expected in text


def test_a_long_command_is_cut_in_the_card_and_whole_in_the_details() -> None:
    command = "\n".join(f"echo {n}" for n in range(100))
    short = render.plain(render.card(_request(command)))
    assert "echo 99" not in short and "76 more lines" in short
    assert "echo 99" in render.plain(render.card(_request(command), details=True))


def test_ansi_output_styles_only_what_it_was_given() -> None:
    text = render.ansi([("command", "rm"), ("", " x")])
    assert text == "\x1b[1mrm\x1b[0m x"
