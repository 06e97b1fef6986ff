"""Values bash computes at run time that agentsh can still know before the line runs.

- `known_variables()`: a variable assigned a literal at the top level of a script
  (`SNAPSHOT_FILE=~/.claude/shell-snapshots/s.sh`) and read later as `$NAME`,
  `"$NAME"` or `${NAME}`. Claude Code's shell-snapshot script writes every line
  to `"$SNAPSHOT_FILE"`.
- `decoded_substitution()`: the output of `$(echo 'BASE64' | base64 -d)`, which is
  how that snapshot restores each user function: `eval "$(echo '…' | base64 -d)"`.

Both only replace a run-time value by the one bash is certain to compute. When
anything in the script could make bash compute another (a second assignment,
`read`, `eval "$x"`, an unseen sourced file, arithmetic, a subscript …) the value
stays unknown and the rules see a dynamic word, exactly as without this module.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping

from agentsh.policy import lazyre
from agentsh.policy.model import Context
from agentsh.policy.words import Word, WordReader, unescape_unquoted
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tree_sitter import Node

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash",
                    "fish", "oksh", "loksh", "pdksh", "csh", "tcsh"})  # fmt: skip
DECODING_PROGRAMS = frozenset({"eval", "source", "."}) | SHELLS
"""Programs whose arguments are code or a file of code: a `$(echo 'BASE64' | base64 -d)`
in their arguments is decoded, so that the code is judged instead of refused unseen."""
DECODERS = frozenset({"echo", "printf", "base64"})
"""What a decoded substitution runs: a function, alias or loaded builtin by one of
these names anywhere in the line makes every decoding in it unsound."""

TreeOf = Callable[[bytes], "Node"]


# --- variables assigned a literal ----------------------------------------------------


@record
class KnownVariables:
    """The value of each `$NAME` / `${NAME}` read whose value is certain, by its start byte."""

    quoted: Mapping[int, str]
    """Reads inside double quotes: the value as it is."""
    unquoted: Mapping[int, str]
    """Unquoted reads, only for values that word splitting and globbing leave alone."""


NO_KNOWN_VARIABLES = KnownVariables({}, {})

_SHELL_MANAGED = frozenset(
    {"CDPATH", "COLUMNS", "COPROC", "DIRSTACK", "ENV", "EPOCHREALTIME", "EPOCHSECONDS", "EUID",
     "FUNCNAME", "GLOBIGNORE", "GROUPS", "HOME", "HOSTNAME", "HOSTTYPE", "IFS", "LINENO", "LINES",
     "MACHTYPE", "MAPFILE", "OLDPWD", "OPTARG", "OPTERR", "OPTIND", "OSTYPE", "PIPESTATUS",
     "POSIXLY_CORRECT", "PPID", "PS4", "PWD", "RANDOM", "REPLY", "SECONDS", "SHELLOPTS", "SHLVL",
     "SRANDOM", "TIMEFORMAT", "UID", "_"}
)  # fmt: skip
"""Variables bash sets or reads by itself (`cd` sets PWD, `read` sets REPLY …); `$HOME`
is already the known home directory."""
_SHELL_MANAGED_PREFIXES = ("BASH", "COMP_", "READLINE_", "HIST")
_UNQUOTED_SAFE = lazyre.compile(r"[\w@%+=:,./-]+", re.ASCII)
"""Values an unquoted `$NAME` expands to unchanged: no IFS character, no glob, not empty."""
_NOT_IDENTIFIER = rb"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])"
_NOT_RUN_HERE = frozenset({"command_substitution", "process_substitution", "subshell", "comment"})
"""Subshells, which cannot change this shell's variables, and comments."""
_WALKED_TEST_PARTS = frozenset(
    {"unary_expression", "binary_expression", "parenthesized_expression"}
)
_ARITHMETIC_OR_V_TEST = lazyre.compile(r"(?<![\w-])-(?:eq|ne|lt|le|gt|ge|v)(?![\w-])")
_ALWAYS_OPAQUE = frozenset({"let", "enable", "fc", "coproc"})
"""Builtins that evaluate arithmetic, load code or rerun history: they can set any variable."""
_NAME_WRITERS = frozenset(
    {"read", "mapfile", "readarray", "getopts", "wait", "unset", "compgen", "declare", "typeset",
     "local", "export", "readonly", "test", "["}
)  # fmt: skip
"""Builtins that set (or, with `-v`, arithmetically evaluate) variables named by an argument."""
_DECLARATIONS = frozenset({"declare", "typeset", "local", "export", "readonly"})
_PREFIXES = frozenset({"command", "builtin", "time"})
"""Words in front of a builtin that still run it in this shell (`time` is a keyword)."""
_UNSAFE_IN_ALIASES = (
    _ALWAYS_OPAQUE
    | _NAME_WRITERS
    | _PREFIXES
    | frozenset({"eval", "source", ".", "trap", "alias", "printf"})
)
"""An alias's last command takes the words that follow the alias where it is used
(`alias r=read; r "$n"`): none of these may be in an alias's text."""
_MAX_NESTED_CODE = 16
_MAX_NESTING = 3


def known_variables(root: Node, source: bytes, ctx: Context, tree_of: TreeOf) -> KnownVariables:
    """The reads of variables that hold a literal for certain when they are read.

    A variable qualifies when its one assignment is a top-level statement
    `NAME=literal` (not backgrounded, no other expansion than a leading `~`), the
    name appears nowhere else in the script but in plain reads (`$NAME`,
    `${NAME}`), and no code that runs in this shell could set a variable whose
    name it does not spell out: see `_CodeScan`. Only reads after the assignment
    resolve, and none inside a here-document (it may be expanded before the
    assignment runs).

    The scan reads the candidates' values (`CMD=rm; $CMD …` runs `rm`, not maybe
    `read`): until one of them changes they are right, and the first change would
    need code the scan has seen. Dropping a candidate means scanning again."""
    if b"=" not in source or b"$" not in source or root.has_error:
        return NO_KNOWN_VARIABLES
    literals = _top_level_literals(root, source, ctx)
    if not literals:
        return NO_KNOWN_VARIABLES
    reads = _plain_reads(root, source, literals)
    resolvable = {
        name: [read.start for read in reads.get(name, ()) if literal.resolves(read)]
        for name, literal in literals.items()
    }
    names = [
        name
        for name, starts in resolvable.items()
        if starts and _only_plain_mentions(name, source, literals[name], reads.get(name, []))
    ]
    splitting_is_default = not _mentions(source, "IFS")
    while names:
        known = _known(names, literals, resolvable, splitting_is_default)
        scan = _CodeScan(ctx, tree_of)
        scan.code(root, source, 0, WordReader(source, ctx.home, known.quoted, known.unquoted))
        if scan.opaque:
            return NO_KNOWN_VARIABLES
        kept = [name for name in names if not any(_mentions(text, name) for text in scan.nested)]
        still_default = splitting_is_default and not any(
            _mentions(text, "IFS") for text in scan.nested
        )
        if kept == names and still_default == splitting_is_default:
            return known
        names, splitting_is_default = kept, still_default
    return NO_KNOWN_VARIABLES


def _known(
    names: list[str],
    literals: Mapping[str, _Literal],
    resolvable: Mapping[str, list[int]],
    splitting_is_default: bool,
) -> KnownVariables:
    quoted: dict[int, str] = {}
    unquoted: dict[int, str] = {}
    for name in names:
        value = literals[name].value
        for start in resolvable[name]:
            quoted[start] = value
            if splitting_is_default and _UNQUOTED_SAFE.fullmatch(value):
                unquoted[start] = value
    return KnownVariables(quoted, unquoted)


@record
class _Read:
    start: int
    """Start byte of the `$NAME` / `${NAME}` node."""
    name_start: int
    in_heredoc: bool


@record
class _Literal:
    value: str
    statement_end: int
    name_start: int

    def resolves(self, read: _Read) -> bool:
        return read.start >= self.statement_end and not read.in_heredoc


def _top_level_literals(root: Node, source: bytes, ctx: Context) -> dict[str, _Literal]:
    """Each top-level `NAME=literal`; a name assigned twice at the top level is left out."""
    statements = [
        statement
        for statement in root.named_children
        if statement.type in ("variable_assignment", "variable_assignments")
    ]
    if not statements:
        return {}
    reader = WordReader(source, ctx.home)
    found: dict[str, _Literal] = {}
    repeated: set[str] = set()
    for statement in statements:
        following = statement.next_sibling
        if following is not None and following.type == "&":
            continue
        for node in [statement] if statement.type == "variable_assignment" else statement.children:
            if node.type != "variable_assignment":
                continue
            literal = _literal_assignment(node, source, reader)
            if literal is None:
                continue
            name, value = literal
            if name in found:
                repeated.add(name)
            found[name] = _Literal(value, statement.end_byte, node.start_byte)
    for name in repeated:
        del found[name]
    return found


def _literal_assignment(node: Node, source: bytes, reader: WordReader) -> tuple[str, str] | None:
    name_node = node.child_by_field_name("name")
    if name_node is None or name_node.type != "variable_name":
        return None
    if any(child.type == "+=" for child in node.children):
        return None
    name = _source_text(source, name_node)
    if name in _SHELL_MANAGED or name.startswith(_SHELL_MANAGED_PREFIXES):
        return None
    value_node = node.child_by_field_name("value")
    word = reader.read(value_node) if value_node is not None else Word("", False)
    # `a:~/b` is tilde-expanded after the colon in an assignment; words.py does not do that
    if word.dynamic or "~" in word.text:
        return None
    return name, word.text


def _source_text(source: bytes, node: Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _read(reader: WordReader, node: Node) -> Word:
    """A word as bash would see it; names and test operators are plain text."""
    if node.type in ("variable_name", "test_operator") or not node.is_named:
        return Word(_source_text(reader.source, node), False)
    return reader.read(node)


def _plain_reads(
    root: Node, source: bytes, literals: Mapping[str, _Literal]
) -> dict[str, list[_Read]]:
    """Every `$NAME` and `${NAME}` of the candidate names, anywhere in the tree."""
    reads: dict[str, list[_Read]] = {}
    pending: list[tuple[Node, bool]] = [(root, False)]
    while pending:
        node, in_heredoc = pending.pop()
        kind = node.type
        if kind in ("simple_expansion", "expansion"):
            name_node = _plain_read_name(node)
            if name_node is not None:
                name = _source_text(source, name_node)
                if name in literals:
                    reads.setdefault(name, []).append(
                        _Read(node.start_byte, name_node.start_byte, in_heredoc)
                    )
                continue
        inside = in_heredoc or kind == "heredoc_body"
        pending.extend((child, inside) for child in node.children)
    return reads


def _plain_read_name(node: Node) -> Node | None:
    """The variable_name of `$NAME` or `${NAME}` (nothing else inside the braces)."""
    kinds = [child.type for child in node.children]
    if kinds == ["$", "variable_name"] or kinds == ["${", "variable_name", "}"]:
        return node.children[1]
    return None


def _only_plain_mentions(name: str, source: bytes, literal: _Literal, reads: list[_Read]) -> bool:
    """Whether every occurrence of `name` in the text is its assignment or a plain read:
    `read NAME`, `unset NAME`, `for NAME in`, `eval 'NAME=…'`, `${NAME:=…}`, a
    comment … all disqualify it, whatever they would do."""
    allowed = {literal.name_start} | {read.name_start for read in reads}
    pattern = re.compile(_NOT_IDENTIFIER % re.escape(name.encode()))
    return all(match.start() in allowed for match in pattern.finditer(source))


def _mentions(text: bytes, name: str) -> bool:
    return re.search(_NOT_IDENTIFIER % re.escape(name.encode()), text) is not None


class _CodeScan:
    """Whether code that runs in this shell could set a variable it does not name.

    A literally named variable is caught by `_only_plain_mentions`; what is left
    are names computed at run time: `read "$n"`, `declare "$x"`, `eval "$code"`,
    `printf -v "$n"`, a dynamic program name (it could be `read`), namerefs and
    integer variables, and arithmetic anywhere (`(( ))`, `$(( ))`, subscripts,
    `${x:offset}`, `[[ a -eq b ]]`, `test -v`), which assigns whatever names a
    value spells. Code in a subshell (`$(…)`, `( … )`, all pipeline stages but
    the last) cannot change this shell and is skipped. The code of `eval`,
    `trap`, `alias` and sourced files is scanned too when it is static and known
    (`nested` keeps its text); otherwise the scan is `opaque`.
    """

    def __init__(self, ctx: Context, tree_of: TreeOf) -> None:
        self.ctx = ctx
        self.tree_of = tree_of
        self.opaque = False
        self.nested: list[bytes] = []

    def mark(self, opaque: bool) -> None:
        self.opaque = self.opaque or opaque

    def code(self, root: Node, source: bytes, depth: int, reader: WordReader | None = None) -> None:
        reader = reader or WordReader(source, self.ctx.home)
        pending = [root]
        while pending and not self.opaque:
            node = pending.pop()
            kind = node.type
            if kind in _NOT_RUN_HERE:
                continue
            if kind == "pipeline":
                pending.extend(node.named_children[-1:])
                continue
            if kind == "command":
                self.command(node, reader, depth)
            elif kind == "declaration_command":
                self.declaration(node, reader)
            elif kind == "unset_command":
                self.mark(any(_read(reader, child).dynamic for child in node.named_children))
            elif kind == "test_command":
                self.mark(_test_may_assign(node, source, reader))
            else:
                self.mark(_evaluates_arithmetic(node, source))
            pending.extend(node.children)

    def command(self, node: Node, reader: WordReader, depth: int) -> None:
        name_node: Node | None = None
        arguments: list[Node] = []
        for index, child in enumerate(node.children):
            if child.type == "command_name":
                name_node = child.named_children[0] if child.named_child_count else child
            elif node.field_name_for_child(index) == "argument":
                arguments.append(child)
        parent = node.parent
        if parent is not None and parent.type == "redirected_statement":
            for redirect in parent.children:  # `read >/dev/null "$n"`: words hung on a redirect
                if redirect.type == "file_redirect":
                    arguments.extend(redirect.children_by_field_name("destination")[1:])
        if name_node is None:
            return
        name = _read(reader, name_node)
        if name.dynamic:
            self.mark(True)
            return
        argv = [_read(reader, argument) for argument in arguments]
        quoted = [argument.type == "string" for argument in arguments]
        self.builtin(name.text, argv, quoted, depth)

    def builtin(self, name: str, argv: list[Word], quoted: list[bool], depth: int) -> None:
        """`name argv…` run in this shell; `quoted` tells which words are one
        double-quoted string (they do not split)."""
        static = [word.text for word in argv]
        dynamic = any(word.dynamic for word in argv)
        if name in _PREFIXES:
            start = 0
            while start < len(argv) and not argv[start].dynamic and static[start][:1] == "-":
                start += 1
            if start < len(argv):
                self.mark(argv[start].dynamic)
                if not argv[start].dynamic:
                    self.builtin(static[start], argv[start + 1 :], quoted[start + 1 :], depth)
        elif name in _ALWAYS_OPAQUE:
            self.mark(True)
        elif name == "eval":
            self.mark(dynamic)
            if not dynamic and static:
                self.nested_code(" ".join(static), depth)
        elif name in ("source", "."):
            self.sourced(argv, depth)
        elif name == "trap":
            self.mark(dynamic)
            for word in static:
                if not word.startswith("-") and not self.opaque:
                    self.nested_code(word, depth)
        elif name == "alias":
            self.mark(dynamic)
            for word in static:
                _, equals, code = word.partition("=")
                if equals and not self.opaque:
                    self.nested_code(code, depth, alias=True)
        elif name == "printf":
            self.mark(_printf_may_assign(argv))
        elif name == "set":
            self.mark(_may_trace(argv))
        elif name in ("test", "["):
            if name == "[" and static[-1:] == ["]"] and not argv[-1].dynamic:
                argv, quoted = argv[:-1], quoted[:-1]
            splits = [word.dynamic and not quoted[index] for index, word in enumerate(argv)]
            self.mark(_test_arguments_may_assign(argv, splits))
        elif name in _NAME_WRITERS:
            options = [word for word in static if word[:1] in "-+" and len(word) > 1]
            self.mark(
                dynamic
                or (name in ("mapfile", "readarray") and any("C" in word for word in options))
                or (name in _DECLARATIONS and any(set(word) & set("in") for word in options))
            )

    def declaration(self, node: Node, reader: WordReader) -> None:
        """`declare`, `local`, `export` …: `-n` (namerefs) and `-i` (integer variables,
        whose assignments are arithmetic) make any name writable; so does a name that
        is only known at run time."""
        for child in node.named_children:
            if child.type == "variable_assignment":
                continue
            word = _read(reader, child)
            option = word.text[:1] in "-+" and len(word.text) > 1
            self.mark(word.dynamic or (option and bool(set(word.text) & set("in"))))

    def sourced(self, argv: list[Word], depth: int) -> None:
        if argv and argv[0].text == "--" and not argv[0].dynamic:
            argv = argv[1:]
        path = argv[0].text if argv and not argv[0].dynamic else ""
        text = self.ctx.files.get(posixpath.normpath(path)) if path.startswith("/") else None
        if text is None:
            self.mark(True)
        else:
            self.nested_code(text, depth)

    def nested_code(self, text: str, depth: int, *, alias: bool = False) -> None:
        """Code that runs in this shell, read from a string or a file (or an alias's
        text, which must not end in a command that could take a variable's name)."""
        if depth >= _MAX_NESTING or len(self.nested) >= _MAX_NESTED_CODE:
            self.mark(True)
            return
        source = text.encode("utf-8", "surrogatepass")
        root = self.tree_of(source)
        if root.has_error:
            self.mark(True)
            return
        self.nested.append(source)
        if alias:
            self.mark(_names_unsafe_builtin(root, source, self.ctx.home))
        self.code(root, source, depth + 1)


def _names_unsafe_builtin(root: Node, source: bytes, home: str) -> bool:
    reader = WordReader(source, home)
    pending = [root]
    while pending:
        node = pending.pop()
        if node.type in ("declaration_command", "unset_command", "test_command"):
            return True
        if node.type == "command_name" and node.named_child_count:
            name = _read(reader, node.named_children[0])
            if name.dynamic or name.text in _UNSAFE_IN_ALIASES:
                return True
        pending.extend(node.children)
    return False


def _evaluates_arithmetic(node: Node, source: bytes) -> bool:
    """`$(( ))`, `(( ))`, `for (( ))`, `a[i]`, `${x:offset}`, `${!ref}`, `${x@P}`: bash
    evaluates arithmetic (which assigns names spelled by values) or expands indirectly."""
    kind = node.type
    if kind in ("arithmetic_expansion", "c_style_for_statement"):
        return True
    if kind == "array":  # `a=([$i]=x)`: an indexed array's subscripts are arithmetic
        return b"[" in source[node.start_byte : node.end_byte]
    if kind == "compound_statement":
        return bool(node.children) and node.children[0].type == "(("
    if kind == "subscript":
        index = b"".join(
            source[child.start_byte : child.end_byte]
            for child in node.children[1:]
            if child.type not in ("[", "]")
        ).strip()
        return not (index in (b"@", b"*") or index.isdigit())
    if kind == "expansion":
        return any(child.type in ("!", "@", ":") for child in node.children)
    return False


def _test_may_assign(node: Node, source: bytes, reader: WordReader) -> bool:
    """`[[ … ]]` evaluates `-eq`… operands and `-v` subscripts as arithmetic; `[ … ]`
    is the `test` builtin, whose arguments expand before it parses them."""
    text = _source_text(source, node)
    if _ARITHMETIC_OR_V_TEST.search(text):
        return True
    if not text.startswith("[") or text.startswith("[["):
        return False
    words: list[Word] = []
    splits: list[bool] = []
    pending = [child for child in reversed(node.children) if child.type not in ("[", "]")]
    while pending:
        part = pending.pop()
        if part.type in _WALKED_TEST_PARTS:
            pending.extend(reversed(part.children))
            continue
        word = _read(reader, part)
        words.append(word)
        splits.append(word.dynamic and part.type != "string")
    return _test_arguments_may_assign(words, splits)


def _test_arguments_may_assign(words: list[Word], splits: list[bool]) -> bool:
    """Whether `test WORDS` could run `-v NAME[subscript]` (arithmetic), per POSIX's
    rules for 1-3 arguments; with more, or with words that split, any expansion could."""
    if any(not word.dynamic and word.text == "-v" for word in words):
        return True
    dynamic = [word.dynamic for word in words]
    if any(splits) or (len(words) > 3 and any(dynamic)):
        return True
    if len(words) == 2:
        return dynamic[0]
    if len(words) == 3:
        return dynamic[1]
    return False


def _may_trace(argv: list[Word]) -> bool:
    """`set -x`: every traced command expands `$PS4`, arithmetic included."""
    for word in argv:
        if word.dynamic:
            return True
        if word.text == "--":
            return False
        if word.text == "xtrace" or (word.text[:1] in "-+" and "x" in word.text[1:]):
            return True
    return False


def _printf_may_assign(argv: list[Word]) -> bool:
    """`printf -v NAME`: a dynamic word where an option may be, or a dynamic NAME."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word.dynamic:
            return True
        if word.text == "-v":
            if index + 1 >= len(argv) or argv[index + 1].dynamic:
                return True
            index += 2
            continue
        if word.text == "--" or not word.text.startswith("-") or word.text == "-":
            return False
        index += 1
    return False


# --- $(echo 'BASE64' | base64 -d) ----------------------------------------------------

_BASE64_TEXT = lazyre.compile(r"[A-Za-z0-9+/=\n]*")
_CANONICAL_BASE64 = lazyre.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)
_ECHO_OPTIONS = frozenset({"-n", "-e", "-E"})
_PRINTF_FORMATS = frozenset({"%s", "%s\\n"})
_DECODE_OPTIONS = frozenset({"-d", "--decode", "-di", "-id", "-dw0"})
_HARMLESS_BASE64_OPTIONS = frozenset({"-i", "--ignore-garbage", "-w0", "--wrap=0"})


def decoded_substitution(node: Node, source: bytes) -> str | None:
    """What `$(echo 'BASE64' | base64 -d)` expands to (inside double quotes), or None.

    The printed text must be one literal of base64 characters (newlines allowed,
    as `base64` wraps its output), canonically padded and decoding to UTF-8
    without NUL; `printf '%s' 'BASE64'` and `--decode`, `-w0`, `-i` work too.
    Anything else, backticks included, is not decoded."""
    if node.type != "command_substitution" or not source.startswith(b"$(", node.start_byte):
        return None
    inner = node.named_children
    if len(inner) != 1 or inner[0].type != "pipeline":
        return None
    stages = inner[0].named_children
    operators = [child.type for child in inner[0].children if not child.is_named]
    if len(stages) != 2 or operators != ["|"]:
        return None
    printer = _plain_command(stages[0], source)
    decoder = _plain_command(stages[1], source)
    if printer is None or decoder is None or not _decodes(decoder):
        return None
    printed = _printed(printer)
    return None if printed is None else _base64_text(printed)


def _plain_command(node: Node, source: bytes) -> list[str] | None:
    """The words of a command made only of literal words (no assignments, no redirects)."""
    if node.type != "command":
        return None
    words: list[str] = []
    for index, child in enumerate(node.children):
        if child.type == "command_name":
            child = child.named_children[0] if child.named_child_count == 1 else child
        elif node.field_name_for_child(index) != "argument":
            return None
        literal = _literal(child, source)
        if literal is None:
            return None
        words.append(literal)
    return words


def _literal(node: Node, source: bytes) -> str | None:
    """A word's value when it is `'…'`, `"…"` without expansions or escapes, or a bare
    word (or number) without escapes, tilde or glob."""
    text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
    if node.type == "raw_string":
        return text[1:-1]
    if node.type == "string":
        if all(child.type in ('"', "string_content") for child in node.children):
            body = text[1:-1]
            return None if any(c in body for c in "\\$`") else body
        return None
    if node.type == "number" or (node.type == "word" and not any(c in text for c in "\\~*?[{")):
        return unescape_unquoted(text)
    return None


def _printed(words: list[str]) -> str | None:
    """What `echo [-n|-e|-E] LITERAL` or `printf ['%s'] LITERAL` prints, base64 text only."""
    program, args = words[0], words[1:]
    if program == "echo":
        while args and args[0] in _ECHO_OPTIONS:
            args = args[1:]
    elif program == "printf":
        if len(args) == 2 and args[0] in _PRINTF_FORMATS:
            args = args[1:]
        elif len(args) != 1:
            return None
    else:
        return None
    if len(args) != 1 or not _BASE64_TEXT.fullmatch(args[0]):
        return None
    return args[0]


def _decodes(words: list[str]) -> bool:
    """`base64 -d` with only options that do not change what a valid input decodes to."""
    if words[0] != "base64":
        return False
    decoding = False
    args = iter(words[1:])
    for arg in args:
        if arg in _DECODE_OPTIONS:
            decoding = True
        elif arg in ("-w", "--wrap"):
            if next(args, None) != "0":
                return False
        elif arg not in _HARMLESS_BASE64_OPTIONS:
            return False
    return decoding


def _base64_text(printed: str) -> str | None:
    import binascii  # only when there is something to decode

    compact = printed.replace("\n", "")
    if not _CANONICAL_BASE64.fullmatch(compact):
        return None
    try:
        text = binascii.a2b_base64(compact, strict_mode=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if "\x00" in text:
        return None
    return text.rstrip("\n")  # what `$(…)` does with the output's final newlines
