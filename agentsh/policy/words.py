"""Bash word normalisation, done statically and exactly like bash where it can be.

A word's static parts go through quote removal and escape processing (`r''m`,
`"rm"`, `\\rm`, `$'\\x72m'`, `$"rm"`); `~`, `~/…`, `$HOME` and `${HOME}` expand
to the known home directory. Anything bash expands at run time (`$X`, `${…}`,
`$(…)`, backticks, `$((…))`) keeps its source text and makes the word dynamic.
Brace expansion and globs are left as literal text: they are static, and the
rules see the pattern as written.
"""

from __future__ import annotations

from types import MappingProxyType

from agentsh.records import record

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tree_sitter import Node

_NOTHING_KNOWN: Mapping[int, str] = MappingProxyType({})

SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
RUNNABLE = SUBSTITUTIONS | frozenset(
    {"command", "redirected_statement", "pipeline", "list", "subshell", "compound_statement",
     "function_definition", "negated_command", "if_statement", "while_statement",
     "for_statement", "c_style_for_statement", "case_statement"}
)  # fmt: skip
"""Nodes that run commands: substitutions, and statements tree-sitter sometimes
nests where bash would not accept them (`sudo (rm x)`), walked to fail closed."""
_EXPANSIONS = frozenset(
    {"simple_expansion", "expansion", "command_substitution", "process_substitution",
     "arithmetic_expansion"}
)  # fmt: skip
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip
_OCTAL = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_DOUBLE_QUOTE_ESCAPABLE = frozenset('$`"\\\n')
_HEREDOC_ESCAPABLE = frozenset("$`\\\n")


@record
class Word:
    text: str
    dynamic: bool


def decode_ansi_c(body: str, *, echo_style: bool = False) -> str:
    """Decode the backslash escapes of a `$'…'` string (or of `echo -e` when `echo_style`)."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        char = body[i]
        if char != "\\" or i + 1 >= n:
            out.append(char)
            i += 1
            continue
        code = body[i + 1]
        if code in _SIMPLE_ESCAPES and not (echo_style and code in "'\"?"):
            out.append(_SIMPLE_ESCAPES[code])
            i += 2
        elif echo_style and code == "c":
            break
        elif code in _OCTAL and (code == "0" or not echo_style):
            start = i + 2 if echo_style else i + 1
            end = start
            while end < n and end - start < 3 and body[end] in _OCTAL:
                end += 1
            out.append(chr(int(body[start:end] or "0", 8) & 0xFF))
            i = end
        elif code in "xuU":
            limit = {"x": 2, "u": 4, "U": 8}[code]
            end = i + 2
            while end < n and end - (i + 2) < limit and body[end] in _HEX:
                end += 1
            if end == i + 2:
                out.append("\\" + code)
            else:
                value = int(body[i + 2 : end], 16)
                out.append(chr(value) if value < 0x110000 else "\ufffd")
            i = end
        elif code == "c" and i + 2 < n:
            out.append(chr(ord(body[i + 2]) & 0x1F))
            i += 3
        else:
            out.append("\\" + code)
            i += 2
    return "".join(out)


def unescape_unquoted(raw: str) -> str:
    """Backslash removal outside quotes: `\\x` is `x`, backslash-newline disappears."""
    return unescape_in(raw, None)


def unescape_in(raw: str, escapable: frozenset[str] | None) -> str:
    """Backslash removal; `escapable` limits it to those characters (double quotes,
    here-doc bodies), None removes every backslash (unquoted words)."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if char == "\\" and i + 1 < n and (escapable is None or raw[i + 1] in escapable):
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def unescape_heredoc(raw: str) -> str:
    return unescape_in(raw, _HEREDOC_ESCAPABLE)


class WordReader:
    """Reads words of one source text; remembers the substitutions it passes.

    The walker runs every `$(…)`, backtick and `<(…)` it is handed back through
    `take_substitutions()` as commands of their own.

    `known` and `known_unquoted` give the value of `$NAME` reads that are certain
    (by the read's start byte, see `static_values.known_variables`); while
    `decoder` is set, a `$(…)` inside double quotes it can decode is static.
    """

    def __init__(
        self,
        source: bytes,
        home: str,
        known: Mapping[int, str] = _NOTHING_KNOWN,
        known_unquoted: Mapping[int, str] = _NOTHING_KNOWN,
    ) -> None:
        self.source = source
        self.home = home
        self.substitutions: list[Node] = []
        self.known = known
        self.known_unquoted = known_unquoted
        self.decoder: Callable[[Node], str | None] | None = None
        self.decoded = False
        """Whether any substitution was decoded."""

    def text(self, node: Node) -> str:
        return decode(self.source[node.start_byte : node.end_byte])

    def take_substitutions(self) -> list[Node]:
        found, self.substitutions = self.substitutions, []
        return found

    def read(self, node: Node) -> Word:
        """The normalised value of a whole word, with tilde expansion at its start."""
        kind = node.type
        if kind == "word":
            raw = self.text(node)
            if raw.startswith("~"):
                return self._tilde(raw)
            return Word(unescape_unquoted(raw), False)
        if kind == "concatenation":
            first = node.children[0] if node.child_count else None
            if first is not None and first.type == "word":
                head = self.text(first)
                if head.startswith("~") and "/" in head:
                    expanded = self._tilde(head)
                    rest = [self.part(child) for child in node.children[1:]]
                    return Word(
                        expanded.text + "".join(part.text for part in rest),
                        expanded.dynamic or any(part.dynamic for part in rest),
                    )
        return self.part(node)

    def _tilde(self, raw: str) -> Word:
        prefix, slash, rest = raw.partition("/")
        if prefix == "~":
            return Word(self.home + slash + unescape_unquoted(rest), False)
        return Word(raw, True)

    def part(self, node: Node) -> Word:
        kind = node.type
        if kind == "word":
            return Word(unescape_unquoted(self.text(node)), False)
        if kind in ("number", "brace_expression"):
            return Word(self.text(node), False)
        if kind == "raw_string":
            return Word(self.text(node)[1:-1], False)
        if kind == "ansi_c_string":
            return Word(decode_ansi_c(self.text(node)[2:-1]), False)
        if kind == "string":
            return self._double_quoted(node)
        if kind == "translated_string":
            inner = node.named_children
            return self._double_quoted(inner[0]) if inner else Word("", False)
        if kind == "concatenation":
            parts = [self.part(child) for child in node.children]
            return Word("".join(p.text for p in parts), any(p.dynamic for p in parts))
        if kind in ("simple_expansion", "expansion"):
            if self._is_home(node):
                return Word(self.home, False)
            known = self.known_unquoted.get(node.start_byte)
            if known is not None:
                return Word(known, False)
            self.collect(node)
            return Word(self.text(node), True)
        self.collect(node)
        return Word(self.text(node), True)

    def _is_home(self, node: Node) -> bool:
        names = [child for child in node.children if child.is_named]
        return (
            len(names) == 1
            and names[0].type == "variable_name"
            and self.text(names[0]) == "HOME"
            and node.child_count == (2 if node.type == "simple_expansion" else 3)
        )

    def _double_quoted(self, node: Node) -> Word:
        out: list[str] = []
        dynamic = False
        position = node.start_byte + 1
        end = node.end_byte - 1
        for child in node.children:
            if child.start_byte < position or child.end_byte > end:
                continue
            if child.start_byte > position:
                out.append(decode(self.source[position : child.start_byte]))
            if child.type == "string_content":
                out.append(unescape_in(self.text(child), _DOUBLE_QUOTE_ESCAPABLE))
            elif child.type in _EXPANSIONS:
                value = self._quoted_part(child)
                out.append(value.text)
                dynamic = dynamic or value.dynamic
            else:
                out.append(self.text(child))
            position = child.end_byte
        if position < end:
            out.append(decode(self.source[position:end]))
        return Word("".join(out), dynamic)

    def _quoted_part(self, node: Node) -> Word:
        """An expansion inside double quotes: no word splitting, no globbing."""
        known = self.known.get(node.start_byte)
        if known is not None:
            return Word(known, False)
        if self.decoder is not None and node.type == "command_substitution":
            decoded = self.decoder(node)
            if decoded is not None:
                self.collect(node)  # what it runs is still judged
                self.decoded = True
                return Word(decoded, False)
        return self.part(node)

    def collect(self, node: Node) -> None:
        """Remember every substitution (or stray statement) inside `node`, outermost only."""
        if node.type in RUNNABLE:
            self.substitutions.append(node)
            return
        if not may_run_commands(self.source, node):
            return
        for child in node.children:
            self.collect(child)


def may_run_commands(source: bytes, node: Node) -> bool:
    """A cheap test before walking a subtree: commands need `$(`, `<(`, a backtick or a brace group."""
    chunk = source[node.start_byte : node.end_byte]
    return b"(" in chunk or b"`" in chunk or b"{" in chunk


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")
