"""`agentshctl hook AGENT`: the payloads each agent documents in, its own answer shape out.

The recorded payloads under tests/data/hooks/ follow the shapes in each agent's
hook documentation (see agentsh/ctl/hooks.py for the contracts and URLs); their
paths do not exist here, so the hook falls back to its own working directory,
the throwaway project.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agentsh.ctl import hooks, install, main
from agentsh.errors import AgentshError
from agentsh.policy.model import Decision, Finding, Verdict
from tests.conftest import AGENTSH, AGENTSHCTL, Workspace

DATA = Path(__file__).parents[1] / "data" / "hooks"
SHELL_SAMPLES = {
    "claude-code": "bash-ls.json",
    "codex": "bash-ls.json",
    "cursor": "before-shell-ls.json",
    "gemini": "shell-ls.json",
    "cline": "execute-ls.json",
}
CASES = [
    ("claude-code", "bash-ls.json", "proceed", None),
    ("claude-code", "bash-rm-rf-root.json", "deny", "fs.rm-catastrophic"),
    ("claude-code", "bash-railway-down.json", "ask", "paas.railway-delete"),
    ("claude-code", "write-tool.json", "proceed", None),
    ("codex", "bash-ls.json", "rewrite", None),
    ("codex", "bash-rm-rf-root.json", "deny", "fs.rm-catastrophic"),
    ("codex", "bash-curl-delete.json", "deny", "http.write-method"),
    ("codex", "apply-patch.json", "proceed", None),
    ("cursor", "before-shell-ls.json", "proceed", None),
    ("cursor", "before-shell-rm-rf-root.json", "deny", "fs.rm-catastrophic"),
    ("cursor", "before-shell-curl-delete.json", "ask", "http.write-method"),
    ("cursor", "before-mcp.json", "proceed", None),
    ("cursor", "pre-tool-use-shell-railway-down.json", "deny", "paas.railway-delete"),
    ("cursor", "pre-tool-use-read.json", "proceed", None),
    ("gemini", "shell-ls.json", "proceed", None),
    ("gemini", "shell-rm-rf-root.json", "deny", "fs.rm-catastrophic"),
    ("gemini", "shell-railway-down.json", "deny", "paas.railway-delete"),
    ("gemini", "write-file.json", "proceed", None),
    ("cline", "execute-ls.json", "proceed", None),
    ("cline", "execute-rm-rf-root.json", "deny", "fs.rm-catastrophic"),
    ("cline", "execute-curl-delete.json", "deny", "http.write-method"),
    ("cline", "write-to-file.json", "proceed", None),
]


def sample(agent: str, name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((DATA / agent / name).read_text())
    return loaded


AGENTSH_AT = "/opt/agentsh/bin/agentsh"
"""Where the unit tests say agentsh is; the recorded Codex answers name it."""


def codex_rewrite(stdout: str) -> tuple[list[str], str]:
    """The argv a Codex rewrite runs instead, and its systemMessage; asserts the exact shape
    Codex 0.131+ accepts: `permissionDecision` "allow" with `updatedInput`."""
    assert stdout.endswith("}\n") and stdout.count("\n") == 1
    answer = json.loads(stdout)
    assert set(answer) <= {"hookSpecificOutput", "systemMessage"}
    output = answer["hookSpecificOutput"]
    assert set(output) == {"hookEventName", "permissionDecision", "updatedInput"}
    assert (output["hookEventName"], output["permissionDecision"]) == ("PreToolUse", "allow")
    updated = output["updatedInput"]
    if "kind" in updated:
        assert set(updated) == {"kind", "program", "args"} and updated["kind"] == "argv"
        argv = [updated["program"], *updated["args"]]
    else:
        assert set(updated) == {"command"}
        argv = shlex.split(updated["command"])
    assert len(argv) == 3 and argv[1] == "-c" and os.path.isabs(argv[0])
    assert os.path.basename(argv[0]) == "agentsh"
    return argv, answer.get("systemMessage", "")


def interpret(agent: str, stdout: str, stderr: str, code: int) -> tuple[str, str]:
    """(proceed | ask | deny | rewrite, reason), asserting the agent's documented reply shape."""
    if agent == "codex":
        if code == 2:
            assert stdout == ""
            assert stderr.endswith("\n") and stderr.count("\n") == 1 and stderr.strip()
            return "deny", stderr.strip()
        assert (code, stderr) == (0, "")
        if stdout == "":
            return "proceed", ""
        return "rewrite", codex_rewrite(stdout)[1]
    assert code == 0
    if agent == "claude-code":
        if stdout == "":
            return "proceed", ""
        output = json.loads(stdout)["hookSpecificOutput"]
        assert json.loads(stdout) == {"hookSpecificOutput": output}
        assert set(output) == {"hookEventName", "permissionDecision", "permissionDecisionReason"}
        assert output["hookEventName"] == "PreToolUse"
        assert output["permissionDecision"] in ("ask", "deny")
        return output["permissionDecision"], output["permissionDecisionReason"]
    answer = json.loads(stdout)
    if agent == "cursor":
        if answer == {"permission": "allow"}:
            return "proceed", ""
        assert set(answer) == {"permission", "user_message", "agent_message"}
        assert answer["permission"] in ("ask", "deny")
        assert answer["user_message"] == answer["agent_message"]
        return answer["permission"], answer["agent_message"]
    if agent == "gemini":
        if answer == {}:
            return "proceed", ""
        assert set(answer) == {"decision", "reason"} and answer["decision"] == "deny"
        return "deny", answer["reason"]
    assert agent == "cline"
    if answer == {"cancel": False}:
        return "proceed", ""
    assert set(answer) == {"cancel", "errorMessage", "contextModification"}
    assert answer["cancel"] is True and answer["errorMessage"] == answer["contextModification"]
    return "deny", answer["errorMessage"]


def interpret_reply(agent: str, reply: hooks.HookReply) -> tuple[str, str]:
    return interpret(agent, reply.stdout, reply.stderr, reply.exit_code)


def handoff(rewrites: hooks.CodexRewrites = hooks.CodexRewrites.APPLIED) -> hooks.Handoff:
    return hooks.Handoff(AGENTSH_AT, lambda: rewrites)


def respond(
    agent: str,
    raw: bytes,
    judge: Callable[[hooks.ShellCall], Verdict],
    rewrites: hooks.CodexRewrites = hooks.CodexRewrites.APPLIED,
) -> hooks.HookReply:
    """hooks.respond with agentsh at AGENTSH_AT and a Codex that does as `rewrites` says."""
    return hooks.respond(agent, raw, judge, lambda: handoff(rewrites))


ALLOWED_FROM_THE_CLI = {
    agent: "rewrite" if agent == "codex" else "proceed" for agent in hooks.AGENTS
}
"""How the real `agentshctl hook` answers an allowed shell command; no Codex runs these tests,
so the Codex adapter cannot tell whether a confirm would be run in agentsh and denies it."""


def run_hook(
    ws: Workspace, agent: str, payload: bytes, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [AGENTSHCTL, "hook", agent],
        input=payload,
        cwd=cwd or ws.project,
        env=ws.env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def hook_answer(
    ws: Workspace, agent: str, payload: bytes, cwd: Path | None = None
) -> tuple[str, str]:
    done = run_hook(ws, agent, payload, cwd)
    assert b"Traceback" not in done.stderr
    return interpret(agent, done.stdout.decode(), done.stderr.decode(), done.returncode)


@pytest.mark.parametrize(("agent", "name", "expected", "rule"), CASES)
def test_recorded_payloads(
    ws: Workspace, agent: str, name: str, expected: str, rule: str | None
) -> None:
    advice, reason = hook_answer(ws, agent, (DATA / agent / name).read_bytes())
    assert advice == expected
    if rule is not None:
        assert f"[rule {rule}]" in reason
        assert "\n" not in reason
    if expected == "deny":
        assert reason.startswith("agentsh: blocked: ")
    if expected == "ask":
        assert reason.startswith("agentsh asks a human to approve: ")


def test_a_confirm_turned_deny_says_how_a_human_can_approve(ws: Workspace) -> None:
    _, reason = hook_answer(
        ws, "gemini", (DATA / "gemini" / "shell-railway-down.json").read_bytes()
    )
    assert "a human can approve it" in reason


def _without(mapping: dict[str, object], *path: str) -> dict[str, object]:
    copy: dict[str, object] = json.loads(json.dumps(mapping))
    inner: Any = copy
    for key in path[:-1]:
        inner = inner[key]
    inner.pop(path[-1], None)
    return copy


def _with(mapping: dict[str, object], value: object, *path: str) -> dict[str, object]:
    copy: dict[str, object] = json.loads(json.dumps(mapping))
    inner: Any = copy
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    return copy


COMMAND_PATHS = {
    "claude-code": ("tool_input", "command"),
    "codex": ("tool_input", "command"),
    "cursor": ("command",),
    "gemini": ("tool_input", "command"),
    "cline": ("preToolUse", "parameters", "command"),
}


def malformed_payloads(agent: str) -> dict[str, bytes]:
    shell = sample(agent, SHELL_SAMPLES[agent])
    path = COMMAND_PATHS[agent]
    return {
        "not JSON": b"ls -la\n",
        "empty": b"",
        "binary garbage": b"\xff\xfe\x00\x9c{\x00garbage\x80",
        "a JSON array": b'[{"command": "ls"}]',
        "missing command": json.dumps(_without(shell, *path)).encode(),
        "command of the wrong type": json.dumps(_with(shell, ["ls", "-la"], *path)).encode(),
        "blank command": json.dumps(_with(shell, "   ", *path)).encode(),
        "huge": json.dumps(
            _with(shell, "ls " + "a" * (hooks.MAX_PAYLOAD_BYTES + 10), *path)
        ).encode(),
        "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    }


@pytest.mark.parametrize("agent", hooks.AGENTS)
def test_malformed_input_is_denied_with_one_line_on_stderr(ws: Workspace, agent: str) -> None:
    for problem, payload in malformed_payloads(agent).items():
        done = run_hook(ws, agent, payload)
        stderr = done.stderr.decode()
        advice, reason = interpret(agent, done.stdout.decode(), stderr, done.returncode)
        assert advice == "deny", problem
        assert stderr.count("\n") == 1 and stderr.startswith(f"agentshctl hook {agent}: "), problem
        assert "Traceback" not in stderr
        assert "cannot judge" in reason


def pointing_at(agent: str, folder: Path) -> bytes:
    """The agent's shell sample, naming `folder` as where the command runs."""
    payload = sample(agent, SHELL_SAMPLES[agent])
    if agent == "cline":
        payload["workspaceRoots"] = [str(folder)]
    elif agent == "gemini":
        payload["cwd"] = str(folder.parent)
        payload = _with(payload, folder.name, "tool_input", "dir_path")
    else:
        payload["cwd"] = str(folder)
    return json.dumps(payload).encode()


@pytest.mark.parametrize("agent", hooks.AGENTS)
def test_the_payloads_directory_is_judged_not_the_hooks(ws: Workspace, agent: str) -> None:
    """A project profile in the sibling denies `ls`: it applies where the payload says."""
    (ws.sibling / ".git").mkdir()
    (ws.sibling / ".agentsh.yaml").write_text(
        "rules:\n  - match: [ls]\n    decision: deny\n    reason: listing is off limits here\n"
    )
    advice, reason = hook_answer(ws, agent, pointing_at(agent, ws.sibling), cwd=ws.project)
    assert advice == "deny"
    assert "listing is off limits here" in reason
    allowed = hook_answer(ws, agent, pointing_at(agent, ws.project), cwd=ws.sibling)[0]
    assert allowed == ALLOWED_FROM_THE_CLI[agent]


@pytest.mark.parametrize("agent", hooks.AGENTS)
def test_a_broken_profile_is_a_deny_naming_it(ws: Workspace, agent: str) -> None:
    profile = ws.user_profile("sandbox:\n  bogus_key: 1\n")
    done = run_hook(ws, agent, (DATA / agent / SHELL_SAMPLES[agent]).read_bytes())
    advice, reason = interpret(agent, done.stdout.decode(), done.stderr.decode(), done.returncode)
    assert advice == "deny"
    assert str(profile) in reason
    assert str(profile) in done.stderr.decode()


def test_the_verb_offers_exactly_the_adapters() -> None:
    parser = main.build_parser()
    verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    agent = next(a for a in verbs.choices["hook"]._actions if a.dest == "agent")
    assert agent.choices is not None and tuple(agent.choices) == hooks.AGENTS


def _verdict(decision: Decision) -> Verdict:
    if decision == Decision.ALLOW:
        return Verdict(decision)
    return Verdict(decision, (Finding("test.rule", decision, "x", "x would do something"),))


class RecordingJudge:
    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.commands: list[str] = []

    def __call__(self, call: hooks.ShellCall) -> Verdict:
        self.commands.append(call.command)
        return _verdict(self.decision)


def _raising(exc: Exception) -> Callable[[hooks.ShellCall], Verdict]:
    def judge(call: hooks.ShellCall) -> Verdict:
        raise exc

    return judge


@pytest.mark.parametrize("agent", hooks.AGENTS)
@pytest.mark.parametrize(
    "failure",
    [RuntimeError("tree-sitter fell over"), AgentshError("profile.yaml:3: unknown key"), OSError()],
)
def test_a_failing_judge_is_a_deny(agent: str, failure: Exception) -> None:
    raw = (DATA / agent / SHELL_SAMPLES[agent]).read_bytes()
    reply = respond(agent, raw, _raising(failure))
    assert interpret_reply(agent, reply)[0] == "deny"
    assert reply.stderr.count("\n") == 1 and reply.stderr.startswith(f"agentshctl hook {agent}: ")


OTHER_TOOLS = [
    (agent, name)
    for agent, name, expected, _ in CASES
    if expected == "proceed" and name != SHELL_SAMPLES[agent]
]


@pytest.mark.parametrize(("agent", "name"), OTHER_TOOLS)
def test_other_tools_are_not_judged(agent: str, name: str) -> None:
    judge = RecordingJudge(Decision.DENY)
    reply = respond(agent, (DATA / agent / name).read_bytes(), judge)
    assert interpret_reply(agent, reply)[0] == "proceed"
    assert judge.commands == []


@pytest.mark.parametrize("agent", hooks.AGENTS)
@pytest.mark.parametrize("decision", list(Decision))
def test_each_decision_maps_to_the_agents_answer(agent: str, decision: Decision) -> None:
    raw = (DATA / agent / SHELL_SAMPLES[agent]).read_bytes()
    advice, reason = interpret_reply(agent, respond(agent, raw, RecordingJudge(decision)))
    asks = agent in ("claude-code", "cursor")
    runs_in_agentsh = agent == "codex"
    expected = {
        Decision.ALLOW: "rewrite" if runs_in_agentsh else "proceed",
        Decision.CONFIRM: "rewrite" if runs_in_agentsh else "ask" if asks else "deny",
        Decision.DENY: "deny",
    }
    assert advice == expected[decision]
    if decision != Decision.ALLOW:
        assert reason.endswith("[rule test.rule]") or "[rule test.rule];" in reason


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
MUTABLE_PATHS: dict[str, list[tuple[str, ...]]] = {
    "claude-code": [("tool_input",), ("tool_input", "command"), ("cwd",)],
    "codex": [("tool_input",), ("tool_input", "command"), ("tool_input", "kind"), ("cwd",)],
    "cursor": [("command",), ("cwd",), ("workspace_roots",)],
    "gemini": [("tool_input",), ("tool_input", "command"), ("tool_input", "dir_path"), ("cwd",)],
    "cline": [
        ("preToolUse",),
        ("preToolUse", "parameters"),
        ("preToolUse", "parameters", "command"),
        ("workspaceRoots",),
    ],
}
mutations = st.sampled_from(hooks.AGENTS).flatmap(
    lambda agent: st.tuples(
        st.just(agent),
        st.sampled_from(MUTABLE_PATHS[agent]),
        st.one_of(st.just("<missing>"), json_values),
    )
)


def _is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw.decode("utf-8")), dict)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    agent=st.sampled_from(hooks.AGENTS),
    raw=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.binary(max_size=40).map(lambda tail: b'{"tool_name": "Bash", "tool_input": ' + tail),
    ),
)
def test_arbitrary_bytes_are_never_allowed(agent: str, raw: bytes) -> None:
    assume(not _is_json_object(raw))
    judge = RecordingJudge(Decision.ALLOW)
    reply = respond(agent, raw, judge)
    assert interpret_reply(agent, reply)[0] == "deny"
    assert reply.stderr.count("\n") == 1
    assert judge.commands == []


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=mutations)
def test_mutated_shell_payloads_reach_an_allow_only_through_the_judge(
    mutation: tuple[str, tuple[str, ...], object],
) -> None:
    agent, path, value = mutation
    shell = sample(agent, SHELL_SAMPLES[agent])
    payload = _without(shell, *path) if value == "<missing>" else _with(shell, value, *path)
    raw = json.dumps(payload).encode()

    denying = RecordingJudge(Decision.DENY)
    assert interpret_reply(agent, respond(agent, raw, denying))[0] == "deny"

    allowing = RecordingJudge(Decision.ALLOW)
    advice, _ = interpret_reply(agent, respond(agent, raw, allowing))
    if advice in ("proceed", "rewrite"):
        assert len(allowing.commands) == 1 and allowing.commands[0].strip()
    else:
        assert allowing.commands == []


# Codex: allowed calls run in agentsh, through the hook's rewrite ---------------------------


def _confirming_curl(call: hooks.ShellCall) -> Verdict:
    message = "curl would send DELETE to api.example.com/x"
    finding = Finding("http.write-method", Decision.CONFIRM, call.command, message)
    return Verdict(Decision.CONFIRM, (finding,))


RECORDED_CODEX_ANSWERS = [
    ("bash-ls", "allow", RecordingJudge(Decision.ALLOW)),
    ("bash-quoted-pipeline", "allow", RecordingJudge(Decision.ALLOW)),
    ("bash-argv", "allow", RecordingJudge(Decision.ALLOW)),
    ("bash-through-agentsh", "allow", RecordingJudge(Decision.ALLOW)),
    ("bash-curl-delete", "confirm", _confirming_curl),
]


@pytest.mark.parametrize(("name", "decision", "judge"), RECORDED_CODEX_ANSWERS)
def test_codex_answers_are_exactly_the_recorded_ones(
    name: str, decision: str, judge: Callable[[hooks.ShellCall], Verdict]
) -> None:
    """tests/data/hooks/codex/NAME.DECISION.stdout, byte for byte, for a Codex (0.131+) that
    applies `updatedInput`, with agentsh at /opt/agentsh/bin/agentsh."""
    reply = respond("codex", (DATA / "codex" / f"{name}.json").read_bytes(), judge)
    assert (reply.exit_code, reply.stderr) == (0, "")
    assert reply.stdout == (DATA / "codex" / f"{name}.{decision}.stdout").read_text()


@pytest.mark.parametrize(("name", "decision", "judge"), RECORDED_CODEX_ANSWERS)
def test_codex_rewrites_run_the_original_command_in_agentsh(
    name: str, decision: str, judge: Callable[[hooks.ShellCall], Verdict]
) -> None:
    """Whatever the quoting, the rewrite is `<agentsh> -c <the command Codex sent>`."""
    payload = sample("codex", f"{name}.json")
    command = _with_command(payload)
    reply = respond("codex", json.dumps(payload).encode(), judge)
    if reply.stdout == "":  # already `<agentsh> -c ...`: Codex runs it as it is
        assert hooks.command_run_by(AGENTSH_AT, command) == "ls -la"
        return
    argv, message = codex_rewrite(reply.stdout)
    assert argv == [AGENTSH_AT, "-c", command]
    assert bool(message) == (decision == "confirm")


def _with_command(payload: dict[str, object]) -> str:
    tool_input = payload["tool_input"]
    assert isinstance(tool_input, dict)
    command: str = tool_input["command"]
    return command


def test_a_command_already_run_by_agentsh_is_judged_inside_and_left_alone() -> None:
    judge = RecordingJudge(Decision.CONFIRM)
    raw = (DATA / "codex" / "bash-through-agentsh.json").read_bytes()
    assert interpret_reply("codex", respond("codex", raw, judge)) == ("proceed", "")
    assert judge.commands == ["ls -la"]
    denied = respond("codex", raw, RecordingJudge(Decision.DENY))
    assert interpret_reply("codex", denied)[0] == "deny"


@pytest.mark.parametrize(
    ("command", "inner"),
    [
        (f"{AGENTSH_AT} -c 'ls -la'", "ls -la"),
        (f"{AGENTSH_AT} -c ls", "ls"),
        (f"{AGENTSH_AT} -c 'echo \"it'\"'\"'s\"'", 'echo "it\'s"'),
        (f"{AGENTSH_AT} -c 'ls'; cat .env", None),
        (f"{AGENTSH_AT} -c 'ls' && cat .env", None),
        (f"{AGENTSH_AT} -c 'ls'$(cat .env)", None),
        (f'{AGENTSH_AT} -c "ls -la"', None),
        (f"{AGENTSH_AT} -lc 'ls'", None),
        (f"{AGENTSH_AT} -c 'ls' extra", None),
        (f"cd /tmp; {AGENTSH_AT} -c 'ls'", None),
        ("agentsh -c 'ls'", None),
        ("/usr/bin/bash -c 'ls'", None),
        (f"{AGENTSH_AT} -c 'unterminated", None),
    ],
)
def test_only_the_exact_rewrite_counts_as_already_in_agentsh(
    command: str, inner: str | None
) -> None:
    assert hooks.command_run_by(AGENTSH_AT, command) == inner


def test_a_link_to_agentsh_counts_as_agentsh(tmp_path: Path) -> None:
    link = tmp_path / "agentsh-bash"
    link.symlink_to(AGENTSH)
    assert hooks.command_run_by(AGENTSH, f"{link} -c 'ls -la'") == "ls -la"


@pytest.mark.parametrize(
    ("rewrites", "allowed", "confirmed"),
    [
        (hooks.CodexRewrites.APPLIED, "rewrite", "rewrite"),
        (hooks.CodexRewrites.UNKNOWN, "rewrite", "deny"),
        (hooks.CodexRewrites.IGNORED, "proceed", "deny"),
    ],
)
def test_a_confirm_runs_in_agentsh_only_on_a_codex_that_applies_rewrites(
    rewrites: hooks.CodexRewrites, allowed: str, confirmed: str
) -> None:
    """Codex 0.124-0.130 report a rewrite as an error and run the original command: there a
    confirm must stay a deny, and an allow gains nothing from a rewrite. A Codex the hook
    cannot identify gets the rewrite for an allow (harmless if ignored), a deny otherwise."""
    raw = (DATA / "codex" / "bash-ls.json").read_bytes()
    for decision, expected in ((Decision.ALLOW, allowed), (Decision.CONFIRM, confirmed)):
        reply = respond("codex", raw, RecordingJudge(decision), rewrites)
        advice, reason = interpret_reply("codex", reply)
        assert advice == expected, decision
        if advice == "deny":
            assert "a human can approve it" in reason


def test_a_codex_call_agentsh_cannot_run_is_denied() -> None:
    raw = (DATA / "codex" / "bash-powershell-script.json").read_bytes()
    judge = RecordingJudge(Decision.ALLOW)
    advice, reason = interpret_reply("codex", respond("codex", raw, judge))
    assert advice == "deny" and "powershell_script" in reason
    assert judge.commands == []


def test_when_agentsh_cannot_be_found_codex_calls_are_denied() -> None:
    def nowhere() -> hooks.Handoff:
        raise AgentshError("cannot find the installed `agentsh`")

    raw = (DATA / "codex" / "bash-ls.json").read_bytes()
    reply = hooks.respond("codex", raw, RecordingJudge(Decision.ALLOW), nowhere)
    advice, reason = interpret_reply("codex", reply)
    assert advice == "deny" and "cannot find the installed `agentsh`" in reason


def test_the_cli_hands_allowed_codex_commands_to_the_agentsh_beside_it(ws: Workspace) -> None:
    """The real `agentshctl hook codex`: the rewrite names the agentsh installed next to it."""
    payload = sample("codex", "bash-quoted-pipeline.json")
    payload["cwd"] = str(ws.project)
    done = run_hook(ws, "codex", json.dumps(payload).encode())
    assert (done.returncode, done.stderr) == (0, b"")
    argv, _ = codex_rewrite(done.stdout.decode())
    assert argv == [AGENTSH, "-c", _with_command(payload)]


# Which Codex runs the hook --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "applies"),
    [
        ("codex-cli 0.131.0\n", True),
        ("codex-cli 0.155.1\n", True),
        ("codex-cli 0.132.0-alpha.1\n", True),
        ("codex-cli 1.0.0\n", True),
        ("codex-cli 0.130.0\n", False),
        ("codex-cli 0.124.0\n", False),
        ("codex-cli 0.131.0-alpha.4\n", False),
        ("GNU bash, version 5.2.15(1)-release\n", None),
        ("", None),
    ],
)
def test_codex_versions_that_apply_rewrites(output: str, applies: bool | None) -> None:
    assert install.codex_applies_hook_rewrites(output) is applies


def _fake_process(proc: Path, pid: int, parent: int, executable: Path) -> None:
    folder = proc / str(pid)
    folder.mkdir(parents=True)
    (folder / "stat").write_text(f"{pid} ({executable.name[:15]}) S {parent} {pid} {pid} 0\n")
    (folder / "exe").symlink_to(executable)


def _fake_codex(folder: Path, version: str) -> Path:
    codex = folder / "codex"
    codex.parent.mkdir(parents=True, exist_ok=True)
    codex.write_text(f'#!/bin/sh\n[ "$1" = --version ] && echo "codex-cli {version}"\n')
    codex.chmod(0o755)
    return codex


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.131.0", hooks.CodexRewrites.APPLIED),
        ("0.130.0", hooks.CodexRewrites.IGNORED),
        ("unknown", hooks.CodexRewrites.UNKNOWN),
    ],
)
def test_the_codex_running_the_hook_is_found_among_its_ancestors(
    tmp_path: Path, version: str, expected: hooks.CodexRewrites
) -> None:
    """Codex runs `$SHELL -lc 'agentshctl hook codex'`: agentshctl, maybe a shell, then Codex."""
    proc = tmp_path / "proc"
    codex = _fake_codex(tmp_path / "bin", version)
    _fake_process(proc, 300, 200, Path("/usr/bin/python3"))
    _fake_process(proc, 200, 100, Path("/usr/bin/bash"))
    _fake_process(proc, 100, 1, codex)
    assert hooks.running_codex(300, str(proc)) == str(codex)
    assert hooks.codex_rewrites(300, str(proc)) is expected


def test_no_codex_among_the_ancestors_is_unknown(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    codex = _fake_codex(tmp_path / "bin", "0.131.0")
    _fake_process(proc, 500, 400, Path("/usr/bin/python3"))
    _fake_process(proc, 400, 300, Path("/usr/bin/bash"))
    _fake_process(proc, 300, 200, Path("/usr/bin/bash"))
    _fake_process(proc, 200, 100, Path("/usr/bin/bash"))
    _fake_process(proc, 100, 1, codex)  # too far up to be the Codex running the hook
    assert hooks.running_codex(500, str(proc)) is None
    assert hooks.codex_rewrites(500, str(proc)) is hooks.CodexRewrites.UNKNOWN
    assert hooks.codex_rewrites(999, str(proc)) is hooks.CodexRewrites.UNKNOWN
