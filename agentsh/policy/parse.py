"""Bash text in, simple commands out (tree-sitter-bash).

Every simple command of the line counts, wherever it sits: lists, pipelines,
subshells, brace groups, `$(…)` and backticks (also inside strings, other
commands' arguments, redirect targets and assignments), process substitution,
function bodies (called or not), loop and branch conditions and bodies,
`[[ ]]` and `(( ))`. Words are normalised by `words.WordReader`; each command
learns where its standard input comes from (`Stdin`) and the working directory
it runs in (static `cd`/`pushd`/`popd` are followed).

This module does not unwrap wrappers (`sudo`, `bash -c` …) and does not judge:
the engine does both, feeding re-parsed code back through `parse()`.
"""

from __future__ import annotations

import os
import posixpath
import re

from agentsh.policy.model import Context, Decision, Finding, SimpleCommand, Stdin
from agentsh.policy.static_values import (
    DECODING_PROGRAMS,
    NO_KNOWN_VARIABLES,
    KnownVariables,
    decoded_substitution,
    known_variables,
)
from agentsh.policy.words import (
    SUBSTITUTIONS,
    Word,
    WordReader,
    decode,
    decode_ansi_c,
    may_run_commands,
    unescape_heredoc,
    unescape_unquoted,
)
from agentsh.records import record, replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from tree_sitter import Node, Parser

UNKNOWN_CWD = "/nonexistent-cwd"
"""The working directory after a `cd` agentsh cannot follow (`cd "$DIR"`).

It is an absolute path outside every project and temporary directory, so
family modules resolve relative paths against it and treat them as outside the
project: fail closed, without every rule having to know about unknown cwds.
"""

_STATEMENTS = frozenset(
    {"command", "redirected_statement", "pipeline", "list", "subshell", "compound_statement",
     "if_statement", "while_statement", "for_statement", "c_style_for_statement",
     "case_statement", "function_definition", "negated_command", "declaration_command",
     "unset_command", "test_command", "variable_assignment", "variable_assignments",
     "do_group", "else_clause", "elif_clause", "case_item", "ERROR"}
)  # fmt: skip
_BRANCHING = frozenset(
    {"if_statement", "while_statement", "for_statement", "c_style_for_statement", "case_statement"}
)
_PASSIVE = frozenset(
    {"declaration_command", "unset_command", "test_command", "variable_assignment",
     "variable_assignments"}
)  # fmt: skip
_DECLARATIONS = frozenset({"variable_assignment", "variable_assignments", "declaration_command"})
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_WRITE_OPERATORS = frozenset({">", ">>", ">|", "&>", "&>>", ">&", "<>"})
_CD_OPTIONS = frozenset({"-L", "-P", "-e", "-@"})
_PRINTF_DIRECTIVE = r"(%.)"
_LINE_CONTINUATIONS = (b"\\\n", b"\\\r\n")
_INHERIT = Stdin("inherit")
_ASCII_STANDIN = bytes.maketrans(bytes(range(0x80, 0x100)), b"x" * 0x80)
"""tree-sitter-bash 0.25 can crash (SIGSEGV) on some non-ASCII input, e.g. `{`
followed by U+E0000. Bash treats every non-ASCII byte as an ordinary word
character, so the tree is built from a copy where each such byte is an `x`:
same byte offsets, same structure; words are still read from the real bytes."""


@record
class ParsedCommand:
    """A simple command as written (wrappers not yet unwrapped), in its context."""

    cmd: SimpleCommand
    ctx: Context
    stdin_files: tuple[str, ...] = ()
    """Absolute paths whose text would make `cmd.stdin.text` known (`< f`, `cat f |`)."""


@record
class Write:
    """An output redirection (`> target`, `>> target`, `&> target` …)."""

    target: str
    path: str | None
    """Absolute path when the target is static and the cwd known."""
    dynamic: bool
    operator: str
    command: str


@record
class ParseResult:
    commands: tuple[ParsedCommand, ...]
    writes: tuple[Write, ...]
    findings: tuple[Finding, ...]
    """`engine.parse-error` and `engine.fork-bomb`: what the syntax tree alone tells."""
    assignments: tuple[tuple[str, str], ...] = ()
    """`NAME=value` outside simple commands (`X=1`, `export X=1`), for variables whose
    value is code (`PROMPT_COMMAND`, `GIT_SSH_COMMAND` …)."""
    functions: tuple[str, ...] = ()
    """Names of the functions the text defines."""
    decoded: bool = False
    """Whether a `$(echo 'BASE64' | base64 -d)` was decoded (`static_values`)."""


@record
class _Input:
    stdin: Stdin
    files: tuple[str, ...] = ()


@record
class _Output:
    """What a command writes to its standard output, when statically known."""

    text: str | None
    files: tuple[str, ...] = ()
    dynamic: bool = False


_PARSER: Parser | None = None


def _parser() -> Parser:
    global _PARSER
    if _PARSER is None:
        runtime = _compiled_module("tree_sitter", "tree_sitter")
        grammar = _compiled_module("tree_sitter_bash", "tree_sitter_bash")
        _PARSER = runtime.Parser(runtime.Language(grammar.language()))
    return _PARSER


def _compiled_module(package: str, fallback: str) -> Any:
    """The `_binding` extension of `package`, loaded without running the package's __init__.

    `tree_sitter/__init__.py` imports `typing` for one Protocol and
    `tree_sitter_bash/__init__.py` walks `importlib.resources` for query files
    we never use: together about 15 ms on every command. Both only re-export
    what the compiled `_binding` module provides, so it is loaded directly;
    if the package layout ever changes, the normal import is used instead.
    """
    import sys
    from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec

    name = f"{package}._binding"
    if name in sys.modules:
        return sys.modules[name]
    for folder in sys.path:
        directory = os.path.join(folder or ".", package)
        for suffix in EXTENSION_SUFFIXES:
            path = os.path.join(directory, "_binding" + suffix)
            if os.path.isfile(path):
                loader = ExtensionFileLoader(name, path)
                spec = ModuleSpec(name, loader, origin=path)
                try:
                    module = loader.create_module(spec)
                    loader.exec_module(module)
                except (ImportError, OSError):
                    break
                sys.modules[name] = module
                return module
    import importlib

    return importlib.import_module(fallback)


def parse(
    text: str,
    ctx: Context,
    stdin: Stdin = _INHERIT,
    stdin_files: tuple[str, ...] = (),
    *,
    decode_substitutions: bool = True,
) -> ParseResult:
    """Split `text` into simple commands; `stdin` is what the whole text reads
    (and `stdin_files` the files whose text would tell). With `decode_substitutions`,
    `eval "$(echo 'BASE64' | base64 -d)"` evaluates the decoded text."""
    source = text.encode("utf-8", "surrogatepass")
    root = _parser().parse(source.translate(_ASCII_STANDIN)).root_node
    walker = _Walker(source, ctx, known_variables(root, source, ctx, syntax_tree))
    walker.decode_substitutions = decode_substitutions and b"base64" in source
    if root.has_error:
        walker.report_parse_error(root)
    walker.sequence(root, _Dirs(ctx), _Input(stdin, stdin_files))
    return ParseResult(
        tuple(walker.commands),
        tuple(walker.writes),
        tuple(walker.findings),
        tuple(walker.assignments),
        tuple(walker.functions),
        walker.reader.decoded,
    )


def syntax_tree(source: bytes) -> Node:
    """The tree-sitter tree of `source` (for highlighting a command shown to a human)."""
    return _parser().parse(source.translate(_ASCII_STANDIN)).root_node


def starts_background_job(text: str) -> bool:
    """Whether `text` puts anything in the background with `&` (not `&&`, `|&` or `>&`)."""
    if "&" not in text:
        return False
    pending = [syntax_tree(text.encode("utf-8", "surrogateescape"))]
    while pending:
        node = pending.pop()
        if node.type == "&":
            return True
        pending.extend(node.children)
    return False


def simple_commands(text: str, ctx: Context) -> list[SimpleCommand]:
    """The simple commands of `text`, as written (no wrapper unwrapping)."""
    return [parsed.cmd for parsed in parse(text, ctx).commands]


def resolve(ctx: Context, path: str) -> str | None:
    """`path` made absolute against `ctx.cwd`, or None when the cwd is unknown."""
    if path.startswith("/"):
        return posixpath.normpath(path)
    if ctx.cwd == UNKNOWN_CWD or not path:
        return None
    return posixpath.normpath(posixpath.join(ctx.cwd, path))


class _Dirs:
    """The working directory as `cd`, `pushd` and `popd` change it."""

    __slots__ = ("ctx", "previous", "stack")

    def __init__(self, ctx: Context, previous: str | None = None, stack: list[str] | None = None):
        self.ctx = ctx
        self.previous = previous
        self.stack = stack or []

    def copy(self) -> _Dirs:
        return _Dirs(self.ctx, self.previous, list(self.stack))

    def chdir(self, target: str | None) -> None:
        cwd = target or UNKNOWN_CWD
        self.previous = self.ctx.cwd
        if cwd != self.ctx.cwd:
            self.ctx = replace(self.ctx, cwd=cwd)

    def forget(self) -> None:
        self.chdir(None)

    def follow(self, cmd: SimpleCommand) -> None:
        program = cmd.argv[0]
        args = [(i, arg) for i, arg in enumerate(cmd.argv) if i > 0]
        while args and args[0][1] in _CD_OPTIONS and cmd.is_static(args[0][0]):
            args.pop(0)
        if args and args[0][1] == "--":
            args.pop(0)
        if program == "cd":
            self.chdir(self._target(cmd, args))
        elif program == "pushd":
            if not args:
                if self.stack:
                    top = self.stack.pop()
                    self.stack.append(self.ctx.cwd)
                    self.chdir(top)
                return
            if args[0][1] == "-n":
                return
            self.stack.append(self.ctx.cwd)
            self.chdir(self._target(cmd, args))
        elif program == "popd":
            if args and args[0][1] == "-n":
                return
            self.chdir(self.stack.pop() if self.stack and not args else None)

    def _target(self, cmd: SimpleCommand, args: list[tuple[int, str]]) -> str | None:
        if not args:
            return self.ctx.home
        index, arg = args[0]
        if not cmd.is_static(index) or (arg.startswith(("+", "-")) and arg != "-"):
            return None
        if arg == "-":
            return self.previous
        return resolve(self.ctx, arg)


class _Walker:
    def __init__(
        self, source: bytes, ctx: Context, known: KnownVariables = NO_KNOWN_VARIABLES
    ) -> None:
        self.source = source
        self.reader = WordReader(source, ctx.home, known.quoted, known.unquoted)
        self.commands: list[ParsedCommand] = []
        self.writes: list[Write] = []
        self.findings: list[Finding] = []
        self.assignments: list[tuple[str, str]] = []
        self.functions: list[str] = []
        self.decode_substitutions = False

    def text(self, node: Node) -> str:
        return decode(self.source[node.start_byte : node.end_byte])

    # --- containers ---------------------------------------------------------------

    def sequence(self, node: Node, dirs: _Dirs, given: _Input) -> None:
        for child in node.children:
            if child.is_named and child.type != "comment":
                self.visit(child, dirs, given)

    def visit(self, node: Node, dirs: _Dirs, given: _Input) -> None:
        if node.type in _STATEMENTS:
            self.statement(node, dirs, given)
        else:
            self.other(node, dirs)

    def statement(
        self, node: Node, dirs: _Dirs, given: _Input, redirects: tuple[Node, ...] = ()
    ) -> _Output | None:
        kind = node.type
        if kind == "command":
            return self.command(node, dirs, given, redirects)
        if kind == "pipeline":
            stages = self.stages(node)
            if redirects:
                last, _ = stages[-1]
                stages[-1] = (last, redirects)
            return self.pipeline(stages, dirs, given)
        if kind == "list" and redirects:
            # tree-sitter hangs `a && b > out` on the list; bash binds it to `b`
            *heads, last = [child for child in node.children if child.is_named]
            for head in heads:
                self.visit(head, dirs, given)
            return self.statement(last, dirs, given, redirects)
        if redirects:
            given, _ = self.apply_redirects(redirects, dirs, given, self.text(node))
        if kind == "redirected_statement":
            return self.redirected(node, dirs, given)
        if kind == "subshell":
            self.sequence(node, dirs.copy(), given)
        elif kind == "function_definition":
            self.function(node, dirs, given)
        elif kind in _DECLARATIONS:
            self.declarations(node, dirs)
        elif kind in _PASSIVE:
            self.other(node, dirs)
        elif kind in _BRANCHING:
            before = dirs.ctx.cwd
            self.sequence(node, dirs, given)
            if dirs.ctx.cwd != before:
                dirs.forget()
        else:
            self.sequence(node, dirs, given)
        return None

    def declarations(self, node: Node, dirs: _Dirs) -> None:
        for child in [node] if node.type == "variable_assignment" else node.children:
            if child.type == "variable_assignment":
                self.assignments.append(self.assignment(child))
            elif child.is_named:
                self.reader.collect(child)
        self.run_substitutions(dirs)

    def other(self, node: Node, dirs: _Dirs) -> None:
        """A non-statement node: run the substitutions it contains."""
        if not may_run_commands(self.source, node):
            return
        self.reader.collect(node)
        self.run_substitutions(dirs)

    def run_substitutions(self, dirs: _Dirs) -> None:
        for node in self.reader.take_substitutions():
            if node.type not in SUBSTITUTIONS:
                self.statement(node, dirs.copy(), _Input(_INHERIT))
                continue
            reads_pipe = node.type == "process_substitution" and self.text(node).startswith(">")
            given = _Input(Stdin("pipe", None, "process substitution")) if reads_pipe else None
            self.sequence(node, dirs.copy(), given or _Input(_INHERIT))

    def stages(self, node: Node) -> list[tuple[Node, tuple[Node, ...]]]:
        found: list[tuple[Node, tuple[Node, ...]]] = []
        for child in node.children:
            if child.type == "pipeline":
                found.extend(self.stages(child))
            elif child.is_named and child.type != "comment":
                found.append((child, ()))
        return found

    def pipeline(
        self, stages: list[tuple[Node, tuple[Node, ...]]], dirs: _Dirs, given: _Input
    ) -> _Output | None:
        output: _Output | None = None
        upstream = ""
        for index, (stage, redirects) in enumerate(stages):
            if index:
                piped = output or _Output(None)
                text, files, dynamic = piped.text, piped.files, piped.dynamic
                given = _Input(Stdin("pipe", text, upstream, dynamic), files)
            output = self.statement(stage, dirs.copy(), given, redirects)
            upstream = self.text(stage)
        return output

    def redirected(self, node: Node, dirs: _Dirs, given: _Input) -> _Output | None:
        """`body > x`, `body <<EOF …`; tree-sitter hangs what follows a here-doc
        operator on the line (`| sh`, `&& next`, more redirects) inside the
        here-doc redirect, so those are put back in order here."""
        body: Node | None = None
        redirects: list[Node] = []
        tail_pipeline: Node | None = None
        tail: list[Node] = []
        for index, child in enumerate(node.children):
            field = node.field_name_for_child(index)
            if field == "body":
                body = child
            elif child.type in _REDIRECTS:
                redirects.append(child)
                if child.type == "heredoc_redirect":
                    for sub_index, sub in enumerate(child.children):
                        sub_field = child.field_name_for_child(sub_index)
                        if sub.type in _REDIRECTS:
                            redirects.append(sub)
                        elif sub.type == "pipeline" and sub_field != "right":
                            tail_pipeline = sub
                        elif sub.type in _STATEMENTS:
                            tail.append(sub)
            elif child.is_named:
                self.visit(child, dirs, given)
        output: _Output | None = None
        if body is None:
            self.apply_redirects(tuple(redirects), dirs, given, self.text(node))
        elif tail_pipeline is not None:
            head: list[tuple[Node, tuple[Node, ...]]] = (
                self.stages(body) if body.type == "pipeline" else [(body, ())]
            )
            head[-1] = (head[-1][0], tuple(redirects))
            stages, after = self.continued_pipeline(
                [child for child in tail_pipeline.children if child.is_named]
            )
            output = self.pipeline(head + stages, dirs, given)
            tail = after + tail
        else:
            output = self.statement(body, dirs, given, tuple(redirects))
        for statement in tail:
            output = self.statement(statement, dirs, given)
        return output

    def continued_pipeline(
        self, nodes: list[Node]
    ) -> tuple[list[tuple[Node, tuple[Node, ...]]], list[Node]]:
        """`| sh && next` after a here-doc operator: tree-sitter nests the list
        inside the pipe; bash pipes into `sh` only, then runs `next`.
        Returns (stages of the pipe, statements that follow)."""
        stages: list[tuple[Node, tuple[Node, ...]]] = []
        after: list[Node] = []
        for node in nodes:
            if node.type == "list":
                first, *rest = [child for child in node.children if child.is_named]
                more, later = self.continued_pipeline([first])
                stages, after = stages + more, after + later + rest
            elif node.type == "pipeline":
                stages += self.stages(node)
            else:
                stages.append((node, ()))
        return stages, after

    def function(self, node: Node, dirs: _Dirs, given: _Input) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if body is None:
            return
        name = self.text(name_node) if name_node is not None else ""
        self.functions.append(unescape_unquoted(name))
        if name and self.starts_copies_of_itself(body, name):
            self.findings.append(
                Finding(
                    "engine.fork-bomb",
                    Decision.DENY,
                    self.text(node),
                    f"`{name}` is a fork bomb: the function starts copies of itself"
                    " until the machine runs out of processes",
                )
            )
        self.statement(body, dirs.copy(), _Input(_INHERIT))

    def starts_copies_of_itself(self, body: Node, name: str) -> bool:
        pending = [body]
        while pending:
            node = pending.pop()
            if node.type == "command":
                called = node.child_by_field_name("name")
                if called is not None and unescape_unquoted(self.text(called)) == name:
                    ancestor: Node | None = node
                    while ancestor is not None and ancestor != body:
                        following = ancestor.next_sibling
                        if ancestor.type == "pipeline" or (
                            following is not None and following.type == "&"
                        ):
                            return True
                        ancestor = ancestor.parent
            pending.extend(node.children)
        return False

    # --- simple commands ----------------------------------------------------------

    def command(
        self, node: Node, dirs: _Dirs, given: _Input, redirects: tuple[Node, ...]
    ) -> _Output | None:
        env: list[tuple[str, str]] = []
        word_nodes: list[Node] = []
        own_redirects = list(redirects)
        for index, child in enumerate(node.children):
            kind = child.type
            if kind == "command_name":
                word_nodes.append(_word_of(child))
            elif kind == "variable_assignment" and not word_nodes:
                env.append(self.assignment(child))
            elif kind in _REDIRECTS:
                own_redirects.append(child)
            elif node.field_name_for_child(index) == "argument":
                word_nodes.append(child)
            elif child.type in _STATEMENTS:
                self.statement(child, dirs.copy(), given)
            elif child.is_named:
                self.other(child, dirs)
        display = self.text(node)
        given, extra = self.apply_redirects(tuple(own_redirects), dirs, given, display)
        if extra:
            word_nodes.extend(extra)
            word_nodes.sort(key=lambda word: word.start_byte)
            end = max(node.end_byte, word_nodes[-1].end_byte)
            display = decode(self.source[node.start_byte : end])
        if self.decode_substitutions and word_nodes and self.takes_code(word_nodes[0]):
            self.reader.decoder = self.decoded_substitution
        try:
            read = [self.reader.read(word) for word in word_nodes]
        finally:
            self.reader.decoder = None
        words = self.join_continued_lines(word_nodes, read)
        self.run_substitutions(dirs)
        if not words:
            return None
        cmd = SimpleCommand(
            argv=tuple(word.text for word in words),
            text=display,
            dynamic=frozenset(i for i, word in enumerate(words) if word.dynamic),
            stdin=given.stdin,
            env=tuple(env),
        )
        self.commands.append(ParsedCommand(cmd, dirs.ctx, given.files))
        if cmd.argv[0] in ("cd", "pushd", "popd") and cmd.is_static(0):
            dirs.follow(cmd)
        return _stdout_of(cmd, dirs.ctx, given.files)

    def takes_code(self, name: Node) -> bool:
        """`eval`, `source`, `bash` …: their arguments are code, or name a file of code."""
        if name.type != "word":
            return False
        program = unescape_unquoted(self.text(name)).rsplit("/", 1)[-1]
        return program in DECODING_PROGRAMS

    def decoded_substitution(self, node: Node) -> str | None:
        return decoded_substitution(node, self.source)

    def join_continued_lines(self, nodes: list[Node], words: list[Word]) -> list[Word]:
        """`r\\<newline>m` is one word to bash; tree-sitter sees two."""
        joined: list[Word] = []
        for index, word in enumerate(words):
            if index and self.source[nodes[index - 1].end_byte : nodes[index].start_byte] in (
                _LINE_CONTINUATIONS
            ):
                previous = joined.pop()
                word = Word(previous.text + word.text, previous.dynamic or word.dynamic)
            joined.append(word)
        return joined

    def assignment(self, node: Node) -> tuple[str, str]:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        return (
            self.text(name) if name is not None else "",
            self.reader.read(value).text if value is not None else "",
        )

    # --- redirections -------------------------------------------------------------

    def apply_redirects(
        self, redirects: tuple[Node, ...], dirs: _Dirs, given: _Input, display: str
    ) -> tuple[_Input, list[Node]]:
        """Record writes, return the resulting stdin and any words tree-sitter hung
        on a redirect that are really arguments (`rm >/dev/null -rf src`)."""
        extra: list[Node] = []
        for redirect in redirects:
            if redirect.type == "heredoc_redirect":
                given = _Input(self.heredoc(redirect, dirs))
            elif redirect.type == "herestring_redirect":
                value = next((c for c in redirect.children if c.is_named), None)
                word = self.reader.read(value) if value is not None else Word("", False)
                source = self.text(value) if value is not None else ""
                given = _Input(Stdin("herestring", word.text + "\n", source, word.dynamic))
            else:
                found = self.file_redirect(redirect, dirs, given, display, extra)
                given = found or given
        return given, extra

    def file_redirect(
        self, node: Node, dirs: _Dirs, given: _Input, display: str, extra: list[Node]
    ) -> _Input | None:
        descriptor = node.child_by_field_name("descriptor")
        operator = next((c.type for c in node.children if not c.is_named), "")
        destinations = node.children_by_field_name("destination")
        if not destinations:
            return None
        extra.extend(destinations[1:])
        target = destinations[0]
        word = self.reader.read(target)
        fd = self.text(descriptor) if descriptor is not None else ""
        if operator == "<" and fd in ("", "0"):
            path = None if word.dynamic else resolve(dirs.ctx, word.text)
            text = dirs.ctx.files.get(path) if path else None
            wanted = (path,) if path and text is None else ()
            return _Input(Stdin("file", text, word.text), wanted)
        duplicates = operator in (">&", "<&") and (target.type == "number" or word.text == "-")
        if operator in _WRITE_OPERATORS and not duplicates:
            path = None if word.dynamic else resolve(dirs.ctx, word.text)
            self.writes.append(Write(word.text, path, word.dynamic, operator, display))
        return None

    def heredoc(self, node: Node, dirs: _Dirs) -> Stdin:
        start = body = end = None
        strip_tabs = False
        for child in node.children:
            if child.type == "heredoc_start":
                start = child
            elif child.type == "heredoc_body":
                body = child
            elif child.type == "heredoc_end":
                end = child
            elif child.type == "<<-":
                strip_tabs = True
        delimiter = self.text(start) if start is not None else ""
        quoted = any(char in delimiter for char in "'\"\\")
        source = ("<<-" if strip_tabs else "<<") + delimiter
        if body is None:
            return Stdin("heredoc", "", source)
        first = self.source.rfind(b"\n", 0, body.start_byte) + 1
        if start is not None:
            # tree-sitter-bash reads a body line starting with `\` as a continuation of
            # the command line; the body really starts on the line after the operator.
            after_operator = self.source.find(b"\n", start.end_byte) + 1
            if 0 < after_operator < first:
                first = after_operator
        last = body.end_byte
        if end is not None:
            last = self.source.rfind(b"\n", 0, end.start_byte) + 1
        raw = decode(self.source[first:last])
        if strip_tabs:
            raw = "".join(line.lstrip("\t") for line in raw.splitlines(keepends=True))
        if quoted:
            return Stdin("heredoc", raw, source)
        dynamic = any(child.is_named and child.type != "heredoc_content" for child in body.children)
        self.other(body, dirs)
        return Stdin("heredoc", unescape_heredoc(raw), source, dynamic)

    # --- errors -------------------------------------------------------------------

    def report_parse_error(self, root: Node) -> None:
        problem = _first_problem(root)
        if problem is None:
            what = "part of this command"
        elif problem.is_missing:
            what = f"this command: it is incomplete (missing `{problem.type}`)"
        else:
            snippet = " ".join(self.text(problem).split())
            snippet = snippet if len(snippet) <= 60 else snippet[:57] + "…"
            what = f"`{snippet}`" if snippet else "part of this command"
        self.findings.append(
            Finding(
                "engine.parse-error",
                Decision.CONFIRM,
                decode(self.source),
                f"agentsh could not parse {what}, so it cannot tell what would run",
            )
        )


def _word_of(command_name: Node) -> Node:
    return command_name.named_children[0] if command_name.named_child_count else command_name


def _first_problem(root: Node) -> Node | None:
    pending = [root]
    while pending:
        node = pending.pop()
        if node.is_error or node.is_missing:
            return node
        pending.extend(reversed([child for child in node.children if child.has_error]))
    return None


# --- what simple commands print ------------------------------------------------------


def _stdout_of(cmd: SimpleCommand, ctx: Context, stdin_files: tuple[str, ...]) -> _Output | None:
    """The static output of `echo`, `printf` and `cat`, for the next pipeline stage."""
    if cmd.dynamic:
        return None
    program, args = cmd.program, list(cmd.args)
    if program == "echo":
        return _Output(echo_text(args))
    if program == "printf":
        return _Output(printf_text(args))
    if program != "cat":
        return None
    if any(arg.startswith("-") and arg not in ("-", "--") for arg in args):
        return None
    names = [arg for arg in args if arg != "--"]
    if not names or names == ["-"]:
        if cmd.stdin.kind == "inherit":
            return None
        return _Output(cmd.stdin.text, stdin_files, cmd.stdin.dynamic)
    texts: list[str] = []
    wanted: list[str] = []
    for name in names:
        path = resolve(ctx, name) if name != "-" else None
        text = ctx.files.get(path) if path else None
        if text is None:
            if path:
                wanted.append(path)
            continue
        texts.append(text)
    if wanted or len(texts) != len(names):
        return _Output(None, tuple(wanted))
    return _Output("".join(texts))


def echo_text(args: list[str]) -> str:
    newline, escapes = True, False
    while args and len(args[0]) > 1 and args[0][0] == "-" and set(args[0][1:]) <= set("neE"):
        for flag in args.pop(0)[1:]:
            newline = newline and flag != "n"
            escapes = flag == "e" or (escapes and flag != "E")
    text = " ".join(args)
    if escapes:
        if "\\c" in text:
            newline = False
        text = decode_ansi_c(text, echo_style=True)
    return text + "\n" if newline else text


def printf_text(args: list[str]) -> str | None:
    if args and args[0] == "--":
        args = args[1:]
    if not args or args[0].startswith("-"):
        return None
    pieces = re.split(_PRINTF_DIRECTIVE, args[0], flags=re.DOTALL)
    directives = pieces[1::2]
    if any(directive not in ("%%", "%s", "%b") for directive in directives):
        return None
    values = list(args[1:])
    out: list[str] = []
    while True:
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                out.append(decode_ansi_c(piece, echo_style=True))
            elif piece == "%%":
                out.append("%")
            else:
                value = values.pop(0) if values else ""
                out.append(decode_ansi_c(value, echo_style=True) if piece == "%b" else value)
        if not values or not any(d != "%%" for d in directives):
            return "".join(out)
