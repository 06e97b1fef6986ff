"""`agentshctl hook AGENT`: agentsh's verdict on a shell command, in a coding agent's own hook format.

Each agent below can run a command before it runs a shell command: it writes
JSON describing the call on the hook's stdin and reads the answer from the
hook's stdout and exit status. This module turns that JSON into a command line
and a working directory, asks the same policy as `agentshctl check`, and
answers in the agent's terms, so that agentsh's decision shows up in the
agent's own UI. The hook only advises: it runs nothing and writes no audit
entry (the audit log records what agentsh runs).

The contracts, as each agent documents them:

claude-code  https://code.claude.com/docs/en/hooks (PreToolUse)
    In: `hook_event_name` "PreToolUse", `tool_name` ("Bash" for shell commands),
    `tool_input.command`, `cwd`. Out (exit 0): `hookSpecificOutput` with
    `hookEventName` "PreToolUse", `permissionDecision` "allow" | "deny" | "ask"
    and `permissionDecisionReason` (shown to Claude on deny, to the user on ask).
    Exit 0 with no output lets the normal flow run; exit 2 blocks with stderr as
    the reason; other statuses are non-blocking errors (the call proceeds).
cursor  https://cursor.com/docs/hooks (beforeShellExecution, preToolUse)
    In: `hook_event_name`, `command`, `cwd`, `workspace_roots`. Out (exit 0):
    `permission` "allow" | "deny" | "ask", `user_message`, `agent_message`
    (Cursor 1.7's first docs spelled them `userMessage`/`agentMessage`; the
    current docs use snake_case, which is what this emits). The generic
    preToolUse event (`tool_name` "Shell", `tool_input.command`) documents only
    allow and deny. Exit 2 also denies. A crash, a timeout or no output fails
    open unless the hook is configured with `failClosed`; invalid JSON is a deny.
codex  https://developers.openai.com/codex/hooks (PreToolUse)
    In: Claude Code's shape (`tool_name` "Bash", `tool_input.command`, `cwd`,
    plus `turn_id`, `model`). Codex acts only on a deny: exit 2 with the reason
    on stderr, or `permissionDecision` "deny" JSON. It reports `ask`, and an
    `allow` without `updatedInput`, as unsupported hook output and runs the
    command anyway (codex-rs/hooks/src/engine/output_parser.rs), as it does for
    any JSON it cannot parse. So a confirm becomes a deny here, and a deny uses
    exit 2 with stderr, the form with the fewest ways to be misread.
gemini  https://geminicli.com/docs/hooks/reference (BeforeTool)
    In: `hook_event_name` "BeforeTool", `tool_name` "run_shell_command",
    `tool_input.command` (and `dir_path`, relative to the project), `cwd`.
    Out (exit 0): `decision` "allow" | "deny" (alias "block") and `reason`,
    sent to the model as the tool's error; `{}` has no effect. Newer releases
    also act on an undocumented `decision: "ask"` (gemini-cli PR #21146), but
    older ones treat any other value as not blocking, so a confirm is a deny.
cline  https://docs.cline.bot/features/hooks/hook-reference (PreToolUse)
    In: `hookName` "PreToolUse", `preToolUse.toolName` ("execute_command"),
    `preToolUse.parameters.command`, `workspaceRoots`. Out: `cancel` (required),
    `errorMessage` (shown to the user), `contextModification` (given to the
    model). There is no ask, and the hook runs after Cline's own approval, so a
    confirm is a deny.

"Allow" means letting the agent's normal flow run, never an explicit allow
that would skip the agent's own permission prompt: Claude Code and Codex get
no output, Gemini `{}`. Cursor has no "no opinion" answer (no output counts as
a failed hook), so it gets `permission: allow`; Cline requires `cancel: false`,
which bypasses nothing since Cline has already asked. Tool calls that are not
shell commands get the same answer: agentsh judges shell commands only.
Input that does not match the agent's documented shape, and any failure while
judging, is denied with a one-line message on stderr, never allowed.
"""

from __future__ import annotations

import enum
import importlib
import json
import os
import sys

from agentsh import judge
from agentsh.errors import AgentshError
from agentsh.policy.model import Decision, Verdict
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import BinaryIO

    from agentsh.profile.model import Profile
    from agentsh.sandbox.secrets import Hidden
    from agentsh.supervisor import Workspace

MAX_PAYLOAD_BYTES = 1 << 20
"""Hook input beyond this is refused; no agent sends a shell command this long."""
MAX_DRAINED_BYTES = 64 << 20
"""Input past the limit is read and dropped up to here, so the agent's write does not fail."""
MAX_LINE = 500


class MalformedPayload(Exception):
    """The hook input does not have the shape the agent documents."""


class Advice(enum.Enum):
    PROCEED = "proceed"
    ASK = "ask"
    DENY = "deny"


@record
class ShellCall:
    """The shell command an agent is about to run, and where."""

    command: str
    cwd: str | None = None
    subdir: str | None = None
    """A directory the agent names relative to `cwd` (Gemini's `dir_path`)."""
    can_ask: bool = True
    """Whether this agent event can hand the decision to the user."""


@record
class Ruling:
    advice: Advice
    reason: str = ""


@record
class HookReply:
    stdout: str
    exit_code: int = 0
    stderr: str = ""


@record
class Adapter:
    name: str
    shell_call: Callable[[Mapping[str, object]], ShellCall | None]
    """The shell command in a payload; None for other tools and events."""
    reply: Callable[[Ruling], HookReply]


def one_line(text: str) -> str:
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return cleaned if len(cleaned) <= MAX_LINE else cleaned[: MAX_LINE - 1] + "…"


def _text(mapping: Mapping[str, object], key: str, where: str = "") -> str | None:
    value = mapping.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MalformedPayload(f"{where}{key} is {type(value).__name__}, not a string")


def _required_text(mapping: Mapping[str, object], key: str, where: str = "") -> str:
    value = _text(mapping, key, where)
    if value is None:
        raise MalformedPayload(f"{where}{key} is missing")
    return value


def _required_object(
    mapping: Mapping[str, object], key: str, where: str = ""
) -> Mapping[str, object]:
    value = mapping.get(key)
    if isinstance(value, dict):
        return value
    if value is None:
        raise MalformedPayload(f"{where}{key} is missing")
    raise MalformedPayload(f"{where}{key} is {type(value).__name__}, not an object")


def _command(mapping: Mapping[str, object], where: str) -> str:
    command = _required_text(mapping, "command", where)
    if not command.strip():
        raise MalformedPayload(f"{where}command is empty")
    return command


def _first_root(mapping: Mapping[str, object], key: str) -> str | None:
    roots = mapping.get(key)
    if roots is None:
        return None
    if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
        raise MalformedPayload(f"{key} is not a list of strings")
    return str(roots[0]) if roots else None


def claude_code_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    if _text(payload, "hook_event_name") not in (None, "PreToolUse"):
        return None
    if _required_text(payload, "tool_name") != "Bash":
        return None
    tool_input = _required_object(payload, "tool_input")
    return ShellCall(_command(tool_input, "tool_input."), _text(payload, "cwd"))


def codex_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    call = claude_code_shell_call(payload)
    return None if call is None else ShellCall(call.command, call.cwd, can_ask=False)


def cursor_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    event = _text(payload, "hook_event_name")
    if event in (None, "beforeShellExecution"):
        cwd = _text(payload, "cwd") or _first_root(payload, "workspace_roots")
        return ShellCall(_command(payload, ""), cwd)
    if event == "preToolUse" and _required_text(payload, "tool_name") == "Shell":
        tool_input = _required_object(payload, "tool_input")
        cwd = (
            _text(tool_input, "working_directory", "tool_input.")
            or _text(payload, "cwd")
            or _first_root(payload, "workspace_roots")
        )
        return ShellCall(_command(tool_input, "tool_input."), cwd, can_ask=False)
    return None


def gemini_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    if _text(payload, "hook_event_name") not in (None, "BeforeTool"):
        return None
    if _required_text(payload, "tool_name") != "run_shell_command":
        return None
    tool_input = _required_object(payload, "tool_input")
    subdir = _text(tool_input, "dir_path", "tool_input.") or _text(
        tool_input, "directory", "tool_input."
    )
    return ShellCall(
        _command(tool_input, "tool_input."), _text(payload, "cwd"), subdir, can_ask=False
    )


def cline_shell_call(payload: Mapping[str, object]) -> ShellCall | None:
    if _text(payload, "hookName") not in (None, "PreToolUse"):
        return None
    tool = _required_object(payload, "preToolUse")
    if _required_text(tool, "toolName", "preToolUse.") != "execute_command":
        return None
    parameters = _required_object(tool, "parameters", "preToolUse.")
    cwd = _first_root(payload, "workspaceRoots")
    return ShellCall(_command(parameters, "preToolUse.parameters."), cwd, can_ask=False)


def _json_reply(value: object, exit_code: int = 0) -> HookReply:
    return HookReply(json.dumps(value) + "\n", exit_code)


def claude_code_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return HookReply("")
    return _json_reply(
        {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": ruling.advice.value,
                "permissionDecisionReason": ruling.reason,
            }
        }
    )


def codex_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return HookReply("")
    return HookReply("", 2, ruling.reason + "\n")


def cursor_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return _json_reply({"permission": "allow"})
    return _json_reply(
        {
            "permission": ruling.advice.value,
            "user_message": ruling.reason,
            "agent_message": ruling.reason,
        }
    )


def gemini_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return _json_reply({})
    return _json_reply({"decision": "deny", "reason": ruling.reason})


def cline_reply(ruling: Ruling) -> HookReply:
    if ruling.advice is Advice.PROCEED:
        return _json_reply({"cancel": False})
    return _json_reply(
        {"cancel": True, "errorMessage": ruling.reason, "contextModification": ruling.reason}
    )


ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        Adapter("claude-code", claude_code_shell_call, claude_code_reply),
        Adapter("cursor", cursor_shell_call, cursor_reply),
        Adapter("codex", codex_shell_call, codex_reply),
        Adapter("gemini", gemini_shell_call, gemini_reply),
        Adapter("cline", cline_shell_call, cline_reply),
    )
}
AGENTS = tuple(ADAPTERS)


def decode_payload(raw: bytes) -> dict[str, object]:
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise MalformedPayload(f"the hook input is larger than {MAX_PAYLOAD_BYTES >> 10} KiB")
    if not raw.strip():
        raise MalformedPayload("the hook input is empty")
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise MalformedPayload("the hook input is not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise MalformedPayload("the hook input is not valid JSON") from None
    if not isinstance(value, dict):
        raise MalformedPayload(f"the hook input is a JSON {type(value).__name__}, not an object")
    return value


def _first_reason(verdict: Verdict) -> tuple[str, str, int]:
    """The message and rule of the first finding behind the decision, and how many more."""
    shown = [f for f in verdict.findings if f.decision == verdict.decision] or list(
        verdict.findings
    )
    if not shown:
        return f"the policy decided {verdict.decision} without a reason", "none", 0
    return shown[0].message, shown[0].rule, len(shown) - 1


def rule_on(verdict: Verdict, can_ask: bool) -> Ruling:
    if verdict.decision == Decision.ALLOW:
        return Ruling(Advice.PROCEED)
    message, rule, more = _first_reason(verdict)
    if verdict.decision == Decision.CONFIRM and can_ask:
        extra = f" (and {more} more)" if more else ""
        return Ruling(
            Advice.ASK, one_line(f"agentsh asks a human to approve: {message}{extra} [rule {rule}]")
        )
    if verdict.findings:
        return Ruling(Advice.DENY, one_line(judge.blocked_line(verdict)))
    return Ruling(Advice.DENY, one_line(f"agentsh: blocked: {message} [rule {rule}]"))


def refusal(adapter: Adapter, problem: str) -> HookReply:
    """A deny for input or a failure agentsh cannot judge, with the one-line error on stderr."""
    line = one_line(
        f"agentshctl hook {adapter.name}: {problem}; denied, as agentsh cannot judge it"
    )
    reply = adapter.reply(Ruling(Advice.DENY, line))
    return HookReply(reply.stdout, reply.exit_code, reply.stderr or line + "\n")


def respond(agent: str, raw: bytes, judge_call: Callable[[ShellCall], Verdict]) -> HookReply:
    """The whole answer to one hook invocation; `judge_call` is the only I/O."""
    adapter = ADAPTERS[agent]
    try:
        call = adapter.shell_call(decode_payload(raw))
    except MalformedPayload as exc:
        return refusal(adapter, str(exc))
    except Exception as exc:
        return refusal(adapter, f"internal error reading the input ({type(exc).__name__}: {exc})")
    if call is None:
        return adapter.reply(Ruling(Advice.PROCEED))
    try:
        verdict = judge_call(call)
        return adapter.reply(rule_on(verdict, call.can_ask))
    except AgentshError as exc:
        return refusal(adapter, exc.message)
    except Exception as exc:
        return refusal(adapter, f"internal error ({type(exc).__name__}: {exc})")


def working_directory(call: ShellCall) -> str:
    """The payload's directory when it names an existing absolute one, else the hook's own."""
    if call.cwd and os.path.isabs(call.cwd) and os.path.isdir(call.cwd):
        base = call.cwd
    else:
        base = os.getcwd()
    if call.subdir:
        candidate = os.path.normpath(os.path.join(base, call.subdir))
        if os.path.isdir(candidate):
            return candidate
    return base


def _hidden_paths(space: Workspace, profile: Profile, environ: Mapping[str, str]) -> list[Hidden]:
    """`hidden_paths`, wherever it lives (it may move from supervisor to sandbox.discovery)."""
    from agentsh import supervisor

    finder = getattr(supervisor, "hidden_paths", None)
    if finder is None:
        finder = importlib.import_module("agentsh.sandbox.discovery").hidden_paths
    hidden: list[Hidden] = finder(space, profile, environ)
    return hidden


def judge_shell_call(call: ShellCall) -> Verdict:
    """What `agentshctl check` decides for this command in its directory."""
    from agentsh import paths, supervisor
    from agentsh import profile as profiles

    cwd = working_directory(call)
    dirs = paths.dirs(os.environ)
    root = paths.project_root(cwd)
    profile = profiles.load(profiles.discover(cwd, dirs), dirs)
    space = supervisor.Workspace(cwd, root, True, dirs)
    hidden = _hidden_paths(space, profile, os.environ)
    return judge.judge(call.command, cwd, root, dirs.home, profile, hidden)


def read_payload(stream: BinaryIO) -> bytes:
    """Up to MAX_PAYLOAD_BYTES + 1 bytes (one more tells that it was too long)."""
    data = stream.read(MAX_PAYLOAD_BYTES + 1)
    if len(data) > MAX_PAYLOAD_BYTES:
        drained = 0
        while drained < MAX_DRAINED_BYTES and (chunk := stream.read(1 << 16)):
            drained += len(chunk)
    return data


def main(agent: str) -> int:
    try:
        reply = respond(agent, read_payload(sys.stdin.buffer), judge_shell_call)
    except Exception as exc:
        reply = refusal(
            ADAPTERS[agent], f"cannot read the hook input ({type(exc).__name__}: {exc})"
        )
    sys.stdout.write(reply.stdout)
    sys.stdout.flush()
    sys.stderr.write(reply.stderr)
    return reply.exit_code
