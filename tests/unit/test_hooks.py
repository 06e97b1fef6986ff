"""`agentshctl hook AGENT`: the payloads each agent documents in, its own answer shape out.

The recorded payloads under tests/data/hooks/ follow the shapes in each agent's
hook documentation (see agentsh/ctl/hooks.py for the contracts and URLs); their
paths do not exist here, so the hook falls back to its own working directory,
the throwaway project.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agentsh.ctl import hooks, main
from agentsh.errors import AgentshError
from agentsh.policy.model import Decision, Finding, Verdict
from tests.conftest import AGENTSHCTL, Workspace

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
    ("codex", "bash-ls.json", "proceed", None),
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


def interpret(agent: str, stdout: str, stderr: str, code: int) -> tuple[str, str]:
    """(proceed | ask | deny, reason), asserting the reply has exactly the agent's documented shape."""
    if agent == "codex":
        assert stdout == ""
        if code == 0:
            assert stderr == ""
            return "proceed", ""
        assert code == 2
        assert stderr.endswith("\n") and stderr.count("\n") == 1 and stderr.strip()
        return "deny", stderr.strip()
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
    assert hook_answer(ws, agent, pointing_at(agent, ws.project), cwd=ws.sibling)[0] == "proceed"


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
    reply = hooks.respond(agent, raw, _raising(failure))
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
    reply = hooks.respond(agent, (DATA / agent / name).read_bytes(), judge)
    assert interpret_reply(agent, reply)[0] == "proceed"
    assert judge.commands == []


@pytest.mark.parametrize("agent", hooks.AGENTS)
@pytest.mark.parametrize("decision", list(Decision))
def test_each_decision_maps_to_the_agents_answer(agent: str, decision: Decision) -> None:
    raw = (DATA / agent / SHELL_SAMPLES[agent]).read_bytes()
    advice, reason = interpret_reply(agent, hooks.respond(agent, raw, RecordingJudge(decision)))
    asks = agent in ("claude-code", "cursor")
    expected = {
        Decision.ALLOW: "proceed",
        Decision.CONFIRM: "ask" if asks else "deny",
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
    "codex": [("tool_input",), ("tool_input", "command"), ("cwd",)],
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
    reply = hooks.respond(agent, raw, judge)
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
    assert interpret_reply(agent, hooks.respond(agent, raw, denying))[0] == "deny"

    allowing = RecordingJudge(Decision.ALLOW)
    advice, _ = interpret_reply(agent, hooks.respond(agent, raw, allowing))
    if advice == "proceed":
        assert len(allowing.commands) == 1 and allowing.commands[0].strip()
    else:
        assert allowing.commands == []
