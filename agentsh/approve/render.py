"""How a request looks to the human: the command highlighted, every hidden character shown.

The text is the agent's, so nothing in it may act on the human's terminal:
escape sequences, other control characters, bidirectional overrides and
zero-width characters are drawn as visible `\\x1b`, `\\u202e` marks instead.
Output is a list of (style, text) fragments; `ansi()` turns them into bytes
for a terminal, and the prompt-toolkit screens use the same style names.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from agentsh.approve.request import Request

Fragments = list[tuple[str, str]]

ANSI_STYLES = {
    "command": "1",
    "string": "32",
    "expansion": "35",
    "operator": "36",
    "flag": "33",
    "comment": "2",
    "escape": "7;31",
    "title": "1;33",
    "label": "2",
    "rule": "2",
    "target": "1",
    "choice": "7",
    "hint": "2",
}
PROMPT_TOOLKIT_STYLES = {
    "command": "bold",
    "string": "ansigreen",
    "expansion": "ansimagenta",
    "operator": "ansicyan",
    "flag": "ansiyellow",
    "comment": "#888888",
    "escape": "reverse ansired",
    "title": "bold ansiyellow",
    "label": "#888888",
    "rule": "#888888",
    "target": "bold",
    "choice": "reverse",
    "hint": "#888888",
}
_NODE_STYLES = {
    "command_name": "command",
    "string": "string",
    "raw_string": "string",
    "ansi_c_string": "string",
    "heredoc_body": "string",
    "simple_expansion": "expansion",
    "expansion": "expansion",
    "command_substitution": "expansion",
    "process_substitution": "expansion",
    "arithmetic_expansion": "expansion",
    "comment": "comment",
}
_OPERATORS = frozenset(
    {"&&", "||", "|", "|&", ";", ";;", "&", ">", ">>", "<", "<<", "<<<", "&>", "&>>", ">&", "<&"}
)
MAX_HIGHLIGHTED = 64 * 1024
MAX_SHOWN_LINES = 24


def neutralise(text: str, style: str = "") -> Fragments:
    """`text` with every non-printing character replaced by a visible escape."""
    out: Fragments = []
    plain: list[str] = []
    for char in text:
        if char == "\n" or char == "\t" or char.isprintable():
            plain.append(char)
            continue
        if plain:
            out.append((style, "".join(plain)))
            plain = []
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            mark = f"\\x{code - 0xDC00:02x}"
        elif code <= 0xFF:
            mark = f"\\x{code:02x}"
        else:
            mark = f"\\u{code:04x}"
        out.append(("escape", mark))
    if plain:
        out.append((style, "".join(plain)))
    return out


def highlight(command: str) -> Fragments:
    """The command as (style, text) fragments, by its bash syntax tree."""
    source = command.encode("utf-8", "surrogateescape")
    if len(source) > MAX_HIGHLIGHTED:
        return neutralise(command)
    try:
        from agentsh.policy.parse import syntax_tree

        root = syntax_tree(source)
    except Exception:
        return neutralise(command)
    styles = [""] * len(source)
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        style = _NODE_STYLES.get(kind)
        if style is None and not node.is_named and kind in _OPERATORS:
            style = "operator"
        if (
            style is None
            and kind == "word"
            and source[node.start_byte : node.start_byte + 1] == b"-"
        ):
            parent = node.parent
            if parent is not None and parent.type == "command":
                style = "flag"
        if style:
            styles[node.start_byte : node.end_byte] = [style] * (node.end_byte - node.start_byte)
        stack.extend(reversed(node.children))
    out: Fragments = []
    start = 0
    for index in range(1, len(source) + 1):
        if index == len(source) or styles[index] != styles[start]:
            piece = source[start:index].decode("utf-8", "surrogateescape")
            out += neutralise(piece, styles[start])
            start = index
    return out


def _limit_lines(fragments: Fragments, limit: int) -> tuple[Fragments, int]:
    """The fragments up to `limit` lines, and how many lines were cut."""
    out: Fragments = []
    lines = 1
    for style, text in fragments:
        if lines > limit:
            break
        parts = text.split("\n")
        kept = parts[: limit - lines + 1]
        out.append((style, "\n".join(kept)))
        lines += len(parts) - 1
    total = 1 + sum(text.count("\n") for _, text in fragments)
    return out, max(0, total - limit)


def _home_short(path: str) -> str:
    home = os.environ.get("HOME", "")
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")) :]
    return path


def card(request: Request, details: bool = False) -> Fragments:
    """The request, as the inline prompt and the console show it."""
    out: Fragments = [("title", "agentsh: approval needed"), ("", "\n")]
    shown, cut = _limit_lines(highlight(request.command), 10**9 if details else MAX_SHOWN_LINES)
    out += [("label", "  $ ")]
    for style, text in shown:
        out.append((style, text.replace("\n", "\n    ")))
    if cut:
        out.append(("hint", f"\n    … {cut} more lines (show details to see them all)"))
    out.append(("", "\n"))
    for reason in request.reasons:
        out += [("label", "  why   ")]
        out += neutralise(reason.message)
        out += [("rule", f"  [{reason.rule}]"), ("", "\n")]
        if reason.target:
            out += [("label", "  target ")]
            out += neutralise(reason.target, "target")
            out.append(("", "\n"))
        if details and reason.command.strip() != request.command.strip():
            out += [("label", "    in  ")]
            out += neutralise(reason.command)
            out.append(("", "\n"))
    out += [("label", "  where ")]
    out += neutralise(_home_short(request.cwd))
    if request.project and request.project != request.cwd:
        out += [("label", "   project ")]
        out += neutralise(_home_short(request.project))
    out.append(("", "\n"))
    stamp = time.strftime("%H:%M:%S", time.localtime(request.time))
    out += [("label", "  from  ")]
    out += neutralise(f"{request.asked_by}, agentsh pid {request.pid}, at {stamp}")
    out.append(("", "\n"))
    if details:
        for path in request.pinned:
            out += [("label", "  reads ")]
            out += neutralise(_home_short(path))
            out += [("hint", "  (the copy checked is the copy that runs)"), ("", "\n")]
        out += [
            (
                "hint",
                "  Approving runs exactly this, once, in the sandbox. To allow it for good, "
                "add a rule to your agentsh profile.\n",
            )
        ]
    return out


def ansi(fragments: Fragments) -> str:
    parts = []
    for style, text in fragments:
        code = ANSI_STYLES.get(style)
        if code and text:
            lines = text.split("\n")
            parts.append("\n".join(f"\x1b[{code}m{line}\x1b[0m" if line else "" for line in lines))
        else:
            parts.append(text)
    return "".join(parts)


def plain(fragments: Fragments) -> str:
    return "".join(text for _, text in fragments)
