"""Interpreter one-liners: `python -c`, `node -e`, `deno eval`, `bun -e`, `perl -e`, `ruby -e`, `php -r`.

The code text is scanned, not run: Python with `ast` (regexes when it does not
parse), the others with regexes over the source. Three things matter:

- programs the code starts: when the command is a literal, `embedded_shell()`
  hands it to the engine, which judges it like any other command line; when it
  is computed, `classify()` reports `interp.spawn`;
- files the code deletes (`interp.delete`) and HTTP writes it sends
  (`interp.http-write`);
- code built at run time (`exec(...)`, `python -c "$CODE"`), which nobody can
  judge beforehand (`interp.dynamic-code`).

Scripts (`python script.py`, `node app.js`) and modules (`python -m pytest`)
are not one-liners and stay allowed here.
"""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
from collections.abc import Iterator, Mapping

from agentsh.policy import lazyre
from agentsh.policy.hosts import is_loopback
from agentsh.policy.model import Context, Finding, SimpleCommand, finding
from agentsh.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast
else:
    ast = None
_ast_loaded = False
"""`ast` is imported by `_scan_python` on first use: it costs several ms to import."""

_PYTHONS = {"python", "python2", "python3", "pypy", "pypy3"} | {
    f"python{major}.{minor}"
    for major, minors in ((2, range(6, 8)), (3, range(0, 20)))
    for minor in minors
}
PROGRAMS: frozenset[str] = frozenset(
    _PYTHONS | {"node", "nodejs", "deno", "bun", "perl", "ruby", "php"}
    | {f"php{major}.{minor}" for major in (5, 7, 8) for minor in range(0, 10)}
)  # fmt: skip

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_NESTING = 3


@record
class _Code:
    """One piece of code a command runs; `text` is None when it is only known at run time."""

    language: str
    how: str
    text: str | None
    source: str = ""


@record
class _Effect:
    rule: str
    phrase: str
    """Completes "<how> ...", e.g. "would delete src (shutil.rmtree)"."""
    target: str | None = None


@record(frozen=False)
class _Scan:
    lines: list[str] = field(default_factory=list)
    effects: list[_Effect] = field(default_factory=list)

    def spawn_unknown(self, api: str) -> None:
        self.effects.append(_Effect("interp.spawn", f"starts a program agentsh cannot see ({api})"))

    def dynamic_code(self, api: str) -> None:
        self.effects.append(_Effect("interp.dynamic-code", f"runs code built at run time ({api})"))

    def delete(self, api: str, path: str | None) -> None:
        what = path if path is not None else "files"
        self.effects.append(_Effect("interp.delete", f"would delete {what} ({api})", path))

    def http_write(self, api: str, method: str | None, url: str | None) -> None:
        if method == "POST" and url and is_loopback(_host_of(url)):
            return
        verb = method or "a request whose method is chosen at run time"
        where = f" to {_host_and_path(url)}" if url else ""
        target = _host_and_path(url) if url else None
        self.effects.append(
            _Effect("interp.http-write", f"would send {verb}{where} ({api})", target)
        )

    def merge(self, other: _Scan) -> None:
        self.lines += other.lines
        self.effects += other.effects


# --- entry points ------------------------------------------------------------------


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    findings = []
    for code in _codes_of(cmd):
        if code.text is None:
            message = f"{code.how} runs code only known at run time ({code.source})"
            findings.append(finding("interp.dynamic-code", cmd, message))
            continue
        for effect in _scan(code.language, code.text).effects:
            if effect.rule == "interp.delete" and _is_private_tmp(effect.target, ctx):
                continue
            message = f"{code.how} {effect.phrase}"
            findings.append(finding(effect.rule, cmd, message, target=effect.target))
    return findings


def embedded_shell(cmd: SimpleCommand) -> list[str]:
    """Shell command lines the code starts with a literal command, for the engine to judge."""
    lines: list[str] = []
    for code in _codes_of(cmd):
        if code.text is None:
            continue
        for line in _scan(code.language, code.text).lines:
            if line not in lines:
                lines.append(line)
    return lines


def _is_private_tmp(path: str | None, ctx: Context) -> bool:
    if not path:
        return False
    absolute = posixpath.normpath(posixpath.join(ctx.cwd, path))
    return any(absolute.startswith(tmp.rstrip("/") + "/") for tmp in ctx.tmp_dirs)


@functools.lru_cache(maxsize=512)
def _scan_cached(language: str, text: str) -> tuple[tuple[str, ...], tuple[_Effect, ...]]:
    scan = _scan_code(language, text, 0)
    return tuple(scan.lines), tuple(scan.effects)


def _scan(language: str, text: str) -> _Scan:
    lines, effects = _scan_cached(language, text)
    return _Scan(list(lines), list(effects))


def _scan_code(language: str, text: str, depth: int) -> _Scan:
    if language == "python":
        return _scan_python(text, depth)
    return _scan_with_rules(_RULES[language], text, depth)


# --- finding the code in argv ---------------------------------------------------------


def _codes_of(cmd: SimpleCommand) -> list[_Code]:
    program = cmd.program
    if program in _PYTHONS:
        return _python_codes(cmd)
    if program in ("node", "nodejs"):
        return _node_codes(cmd)
    if program == "deno":
        return _deno_codes(cmd)
    if program == "bun":
        return _bun_codes(cmd)
    if program == "perl":
        return _perl_style_codes(
            cmd, "perl", code_letters="eE", value_letters="IMmFidDxC", separate="I"
        )
    if program == "ruby":
        return _perl_style_codes(
            cmd, "ruby", code_letters="e", value_letters="rIiCEFxWT0", separate="rICE"
        )
    if program.startswith("php"):
        return _php_codes(cmd)
    return []


def _code_word(cmd: SimpleCommand, language: str, how: str, index: int, text: str) -> _Code:
    """The code given as argv[index] (or attached to it); dynamic words are not readable."""
    if index in cmd.dynamic:
        return _Code(language, how, None, text)
    return _Code(language, how, text)


def _stdin_code(cmd: SimpleCommand, language: str) -> list[_Code]:
    """Code read from standard input: scanned when known; an unknown pipe is the engine's."""
    how = f"{cmd.program} (reading code from {cmd.stdin.kind})"
    if cmd.stdin.text is not None:
        return [_Code(language, how, cmd.stdin.text)]
    if cmd.stdin.kind in ("heredoc", "herestring"):
        return [_Code(language, how, None, cmd.stdin.source or cmd.stdin.kind)]
    return []


def _python_codes(cmd: SimpleCommand) -> list[_Code]:
    args = cmd.argv
    index = 1
    while index < len(args):
        arg = args[index]
        if arg == "-":
            return _stdin_code(cmd, "python")
        if arg == "--" or not arg.startswith("-"):
            return []
        if arg.startswith("--"):
            index += 2 if arg == "--check-hash-based-pycs" else 1
            continue
        for position, letter in enumerate(arg[1:], start=2):
            if letter == "c":
                rest = arg[position:]
                if rest:
                    return [_code_word(cmd, "python", f"{cmd.program} -c", index, rest)]
                if index + 1 < len(args):
                    return [
                        _code_word(cmd, "python", f"{cmd.program} -c", index + 1, args[index + 1])
                    ]
                return []
            if letter == "m":
                return []
            if letter in "WXQ":
                if not arg[position:]:
                    index += 1
                break
        index += 1
    return _stdin_code(cmd, "python")


_NODE_CODE_OPTIONS = frozenset({"-e", "--eval", "-p", "--print", "-pe", "-ep"})
_NODE_WITH_VALUE = frozenset(
    {"-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions",
     "--input-type", "--env-file", "--title", "--inspect-port", "--cpu-prof-dir", "--redirect-warnings"}
)  # fmt: skip


def _node_codes(cmd: SimpleCommand) -> list[_Code]:
    args = cmd.argv
    index = 1
    while index < len(args):
        arg = args[index]
        name, equals, value = arg.partition("=")
        if name in ("--eval", "--print") and equals:
            return [_code_word(cmd, "js", f"{cmd.program} {name}", index, value)]
        if arg in _NODE_CODE_OPTIONS:
            if index + 1 < len(args):
                return [_code_word(cmd, "js", f"{cmd.program} {arg}", index + 1, args[index + 1])]
            return []
        if arg == "-":
            return _stdin_code(cmd, "js")
        if arg == "--" or not arg.startswith("-"):
            return []
        index += 2 if arg in _NODE_WITH_VALUE or _may_take_value(arg, args, index) else 1
    return _stdin_code(cmd, "js")


def _may_take_value(arg: str, args: tuple[str, ...], index: int) -> bool:
    """An unknown `--option` followed by a word: take the word as its value and keep looking.

    Reading a script name as a value only costs a look at the script's own
    arguments; reading a value as the script name would hide a later `-e CODE`.
    """
    following = args[index + 1] if index + 1 < len(args) else "-"
    return arg.startswith("--") and "=" not in arg and not following.startswith("-")


_DENO_WITH_VALUE = frozenset({"--ext", "-c", "--config", "--import-map", "--location", "--seed",
                              "--v8-flags", "--cert", "--lock", "--env-file"})  # fmt: skip


def _deno_codes(cmd: SimpleCommand) -> list[_Code]:
    args = cmd.argv
    if len(args) < 2 or args[1] not in ("eval", "repl"):
        return []
    index = 2
    while index < len(args):
        arg = args[index]
        if args[1] == "repl":
            name, equals, value = arg.partition("=")
            if name == "--eval" and equals:
                return [_code_word(cmd, "js", "deno repl --eval", index, value)]
            if arg == "--eval" and index + 1 < len(args):
                return [_code_word(cmd, "js", "deno repl --eval", index + 1, args[index + 1])]
        elif not arg.startswith("-"):
            return [_code_word(cmd, "js", "deno eval", index, arg)]
        index += 2 if arg in _DENO_WITH_VALUE else 1
    return []


def _bun_codes(cmd: SimpleCommand) -> list[_Code]:
    args = cmd.argv
    index = 1
    while index < len(args):
        arg = args[index]
        name, equals, value = arg.partition("=")
        if name in ("--eval", "--print") and equals:
            return [_code_word(cmd, "js", f"bun {name}", index, value)]
        if arg in ("-e", "--eval", "-p", "--print"):
            if index + 1 < len(args):
                return [_code_word(cmd, "js", f"bun {arg}", index + 1, args[index + 1])]
            return []
        if not arg.startswith("-"):
            return []
        index += 1
    return []


def _perl_style_codes(
    cmd: SimpleCommand, language: str, *, code_letters: str, value_letters: str, separate: str
) -> list[_Code]:
    """perl and ruby: clustered switches (`-lne`, `-pi.bak -e`); `-e` may repeat.

    A letter in `value_letters` takes the rest of its word as a value (`-i.bak`,
    `-Mstrict`); those in `separate` take the next word when nothing is attached.
    """
    args = cmd.argv
    pieces: list[_Code] = []
    index = 1
    while index < len(args):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg == "-" or not arg.startswith("-"):
            break
        takes_next = False
        for position, letter in enumerate(arg[1:], start=2):
            rest = arg[position:]
            if letter in code_letters:
                how = f"{cmd.program} -{letter}"
                if rest:
                    pieces.append(_code_word(cmd, language, how, index, rest))
                elif index + 1 < len(args):
                    pieces.append(_code_word(cmd, language, how, index + 1, args[index + 1]))
                    takes_next = True
                break
            if letter in value_letters:
                takes_next = not rest and letter in separate
                break
            if arg.startswith("--"):
                takes_next = _may_take_value(arg, args, index)
                break
        index += 2 if takes_next else 1
    if pieces:
        unknown = [piece for piece in pieces if piece.text is None]
        if unknown:
            return unknown
        return [_Code(language, pieces[0].how, "\n".join(p.text or "" for p in pieces))]
    if index < len(args) and args[index] != "-":
        return []
    return _stdin_code(cmd, language)


_PHP_CODE_OPTIONS = frozenset({"-r", "--run", "-B", "--process-begin", "-R", "--process-code",
                               "-E", "--process-end"})  # fmt: skip
_PHP_WITH_VALUE = frozenset({"-c", "--php-ini", "-d", "--define", "-t", "--docroot", "-S",
                             "--server", "-z", "--zend-extension", "--rf", "--rc", "--re",
                             "--ri", "--rz"})  # fmt: skip
_PHP_SCRIPT_OPTIONS = frozenset({"-f", "--file", "-F", "--process-file"})


def _php_codes(cmd: SimpleCommand) -> list[_Code]:
    args = cmd.argv
    pieces: list[_Code] = []
    index = 1
    while index < len(args):
        arg = args[index]
        if arg in _PHP_CODE_OPTIONS and index + 1 < len(args):
            pieces.append(_code_word(cmd, "php", f"php {arg}", index + 1, args[index + 1]))
            index += 2
            continue
        if arg.startswith("-r") and len(arg) > 2:
            pieces.append(_code_word(cmd, "php", "php -r", index, arg[2:]))
        elif arg in _PHP_SCRIPT_OPTIONS or arg == "--" or not arg.startswith("-"):
            return pieces
        elif arg in _PHP_WITH_VALUE:
            index += 1
        index += 1
    return pieces or _stdin_code(cmd, "php")


# --- Python ----------------------------------------------------------------------------

_PY_SHELL_CALLS = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
     "asyncio.create_subprocess_shell", "commands.getoutput", "commands.getstatusoutput",
     "platform.popen"}
)  # fmt: skip
_PY_ARGS_CALLS = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
     "subprocess.Popen"}
)  # fmt: skip
_PY_EXEC_CALL = lazyre.compile(r"^os\.(?:(exec|spawn)(l|v)(p?)(e?)|posix_spawnp?)$")
_PY_OTHER_SPAWNS = frozenset({"pty.spawn", "asyncio.create_subprocess_exec", "os.startfile"})
_PY_DELETE_CALLS = frozenset({"shutil.rmtree", "os.remove", "os.unlink", "os.rmdir",
                              "os.removedirs"})  # fmt: skip
_PY_DELETE_METHODS = frozenset({"unlink", "rmdir", "rmtree"})
_PY_HTTP_CLIENT = lazyre.compile(r"^(requests|httpx|aiohttp|urllib3|niquests|http\.client)\b")
_PY_HTTP_VERB = lazyre.compile(r"\.(delete|put|patch|post)$")
_PY_DYNAMIC_EVAL = frozenset({"exec", "eval", "compile", "execfile", "runpy.run_path",
                              "runpy.run_module", "code.interact"})  # fmt: skip
_PY_NATIVE = lazyre.compile(r"^(ctypes|cffi|_posixsubprocess)\b")
_PY_RISKY_MODULES = frozenset({"os", "subprocess", "shutil", "pty", "posix", "ctypes", "builtins"})


def _scan_python(code: str, depth: int) -> _Scan:
    global ast, _ast_loaded
    if not _ast_loaded:
        import ast

        _ast_loaded = True
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _scan_with_rules(_RULES["python-text"], code, depth)
    return _PythonScanner(tree, depth).scan()


class _PythonScanner:
    """Resolves imported names (`from os import system as s`) and judges each call."""

    def __init__(self, tree: ast.AST, depth: int) -> None:
        self.tree = tree
        self.depth = depth
        self.aliases: dict[str, str] = {}
        self.constants: dict[str, str | list[str]] = {}
        self.star_modules: list[str] = []
        self.result = _Scan()

    def scan(self) -> _Scan:
        nodes = list(ast.walk(self.tree))
        for node in nodes:
            self._learn_imports(node)
        alias_values = self._learn_assignments(nodes)
        called: set[int] = set()
        for node in nodes:
            if isinstance(node, ast.Call):
                called.add(id(node.func))
                self._call(node)
        for node in nodes:
            if (
                isinstance(node, (ast.Name, ast.Attribute))
                and id(node) not in called | alias_values
            ):
                self._reference(node)
        unique = {(e.rule, e.phrase): e for e in self.result.effects}
        self.result.effects = list(unique.values())
        return self.result

    def _learn_assignments(self, nodes: list[ast.AST]) -> set[int]:
        """`run = subprocess.run`, `s = requests.Session()`, `cmd = ["ls"]`: names bound once.

        Returns the ids of the aliased expressions, which are not calls to report.
        """
        bindings: dict[str, list[ast.expr | None]] = {}
        for node in nodes:
            if isinstance(node, ast.arg):
                bindings.setdefault(node.arg, []).append(None)
                continue
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                pairs = [(node.target, node.value)]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                pairs = [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars]
            elif isinstance(node, (ast.AugAssign, ast.For, ast.comprehension)):
                pairs = [(node.target, node.target)]
            else:
                continue
            for target, value in pairs:
                if isinstance(target, ast.Name):
                    bindings.setdefault(target.id, []).append(value)
        aliased: set[int] = set()
        for name, values in bindings.items():
            if len(values) != 1 or values[0] is None:
                continue
            literal = self.literal(values[0])
            qualified = self.qualify(values[0])
            if literal is not None:
                self.constants[name] = literal
            elif qualified and "." in qualified:
                self.aliases[name] = qualified
                aliased.add(id(values[0]))
        return aliased

    def literal(self, node: ast.AST | None) -> str | list[str] | None:
        return _py_literal(node, self.constants)

    def path(self, node: ast.AST) -> str | None:
        return _py_path(node, self.constants)

    def _learn_imports(self, node: ast.AST) -> None:
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        for module in modules:
            if _PY_NATIVE.match(module):
                self.result.spawn_unknown(module.split(".")[0])
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.aliases[top] = top
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    self.star_modules.append(module)
                else:
                    self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def qualify(self, node: ast.AST) -> str | None:
        """Dotted name of an expression: `sp.run` -> `subprocess.run`, `Path('x').unlink` -> `pathlib.Path().unlink`."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return _canonical_module(self.aliases[node.id])
            for module in self.star_modules:
                candidate = _canonical_module(f"{module}.{node.id}")
                if candidate in _PY_KNOWN_NAMES:
                    return candidate
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return _canonical_module(f"{base}.{node.attr}") if base else None
        if isinstance(node, ast.Subscript):
            base = self.qualify(node.value)
            key = self.literal(node.slice)
            return key if base == "sys.modules" and isinstance(key, str) else None
        if isinstance(node, ast.Call):
            func = self.qualify(node.func)
            first = self.literal(node.args[0]) if node.args else None
            if func in ("__import__", "importlib.import_module") and isinstance(first, str):
                return first
            if func == "getattr" and len(node.args) >= 2:
                base = self.qualify(node.args[0])
                attr = self.literal(node.args[1])
                if base and isinstance(attr, str):
                    return _canonical_module(f"{base}.{attr}")
            return f"{func}()" if func else None
        return None

    def _call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Subscript) and self.qualify(node.func) is None:
            if self._uses_risky_module():
                self.result.dynamic_code("a function looked up at run time")
            return
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        name = self.qualify(node.func) or method
        if not name:
            return
        if name in _PY_SHELL_CALLS:
            self._shell_call(name, node)
        elif name in _PY_ARGS_CALLS:
            self._args_call(name, node)
        elif _PY_EXEC_CALL.match(name) or name in _PY_OTHER_SPAWNS:
            self._exec_call(name, node)
        elif name in _PY_DELETE_CALLS:
            self.result.delete(name, self.path(node.args[0]) if node.args else None)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _PY_DELETE_METHODS:
            self.result.delete(name, self.path(node.func.value))
        elif name in _PY_DYNAMIC_EVAL:
            self._eval_call(name, node)
        elif name in ("__import__", "importlib.import_module", "getattr"):
            self._dynamic_lookup(name, node)
        elif _PY_NATIVE.match(name):
            self.result.spawn_unknown(name.split(".")[0])
        else:
            self._http_call(name, node)

    def _uses_risky_module(self) -> bool:
        modules = {name.split(".")[0] for name in self.aliases.values()} | set(self.star_modules)
        return bool(modules & (_PY_RISKY_MODULES | {"importlib", "sys"}))

    def _reference(self, node: ast.Name | ast.Attribute) -> None:
        """`map(os.remove, files)`: a spawn or delete function passed around instead of called."""
        name = self.qualify(node)
        if not name:
            return
        if name in _PY_SHELL_CALLS | _PY_ARGS_CALLS | _PY_OTHER_SPAWNS or _PY_EXEC_CALL.match(name):
            self.result.spawn_unknown(name)
        elif name in _PY_DELETE_CALLS:
            self.result.delete(name, None)

    def _shell_call(self, name: str, node: ast.Call) -> None:
        command = self.literal(_py_argument(node, 0, "cmd", "command"))
        if isinstance(command, str):
            self.result.lines.append(command)
        else:
            self.result.spawn_unknown(name)

    def _args_call(self, name: str, node: ast.Call) -> None:
        command = self.literal(_py_argument(node, 0, "args"))
        shell = next((k.value for k in node.keywords if k.arg == "shell"), None)
        if isinstance(command, str):
            self.result.lines.append(command)
        elif isinstance(command, list) and command:
            uses_shell = isinstance(shell, ast.Constant) and bool(shell.value)
            self.result.lines.append(command[0] if uses_shell else shlex.join(command))
        else:
            self.result.spawn_unknown(name)

    def _exec_call(self, name: str, node: ast.Call) -> None:
        argv = _py_exec_argv(name, node, self.constants)
        if argv:
            self.result.lines.append(shlex.join(argv))
        else:
            self.result.spawn_unknown(name)

    def _eval_call(self, name: str, node: ast.Call) -> None:
        source = self.literal(node.args[0]) if node.args else None
        if isinstance(source, str) and self.depth < _MAX_NESTING:
            self.result.merge(_scan_python(source, self.depth + 1))
        else:
            self.result.dynamic_code(name)

    def _dynamic_lookup(self, name: str, node: ast.Call) -> None:
        if name == "getattr":
            base = self.qualify(node.args[0]) if node.args else None
            attr = self.literal(node.args[1]) if len(node.args) >= 2 else None
            if base in _PY_RISKY_MODULES and not isinstance(attr, str):
                self.result.dynamic_code(f"getattr({base}, …)")
        elif not node.args or not isinstance(self.literal(node.args[0]), str):
            self.result.dynamic_code(name)

    def _http_call(self, name: str, node: ast.Call) -> None:
        url = _py_url(node, self.constants)
        verb = _PY_HTTP_VERB.search(name)
        if verb and _PY_HTTP_CLIENT.match(name):
            self.result.http_write(name, verb.group(1).upper(), url)
        elif name.endswith(".request") and name != "urllib.request":
            method = self.literal(_py_argument(node, 0, "method"))
            if isinstance(method, str):
                if method.upper() not in READ_METHODS:
                    self.result.http_write(name, method.upper(), _py_url(node, self.constants, 1))
            elif _PY_HTTP_CLIENT.match(name):
                self.result.http_write(name, None, _py_url(node, self.constants, 1))
        elif name in ("urllib.request.Request", "urllib.request.urlopen"):
            method = self.literal(_py_argument(node, 5, "method"))
            data = _py_argument(node, 1, "data")
            has_data = data is not None and not (
                isinstance(data, ast.Constant) and data.value is None
            )
            if isinstance(method, str):
                if method.upper() not in READ_METHODS:
                    self.result.http_write(name, method.upper(), url)
            elif _py_argument(node, 5, "method") is not None:
                self.result.http_write(name, None, url)
            elif has_data:
                self.result.http_write(name, "POST", url)


_PY_KNOWN_NAMES = (
    _PY_SHELL_CALLS | _PY_ARGS_CALLS | _PY_OTHER_SPAWNS | _PY_DELETE_CALLS
    | {f"os.{kind}{form}{path}{env}" for kind in ("exec", "spawn") for form in "lv"
       for path in ("", "p") for env in ("", "e")}
    | {"os.posix_spawn", "os.posix_spawnp", "urllib.request.Request", "urllib.request.urlopen"}
)  # fmt: skip


def _canonical_module(name: str) -> str:
    for alias, real in (
        ("posix.", "os."),
        ("nt.", "os."),
        ("builtins.", ""),
        ("__builtins__.", ""),
    ):
        if name.startswith(alias):
            return real + name[len(alias) :]
    return name


def _py_argument(node: ast.Call, position: int, *keywords: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if position < len(node.args) and not any(
        isinstance(a, ast.Starred) for a in node.args[: position + 1]
    ):
        return node.args[position]
    return None


_Constants = Mapping[str, "str | list[str]"]


def _py_literal(node: ast.AST | None, constants: _Constants) -> str | list[str] | None:
    """The static value of a string or list-of-strings expression, else None."""
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        if isinstance(node.value, bytes):
            return node.value.decode("utf-8", "replace")
        return None
    if isinstance(node, ast.JoinedStr):
        parts = [_py_literal(value, constants) for value in node.values]
        return (
            "".join(p for p in parts if isinstance(p, str))
            if all(isinstance(p, str) for p in parts)
            else None
        )
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_py_literal(element, constants) for element in node.elts]
        return (
            [i for i in items if isinstance(i, str)]
            if all(isinstance(i, str) for i in items)
            else None
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _py_literal(node.left, constants), _py_literal(node.right, constants)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(left, list) and isinstance(right, list):
            return left + right
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) == 1:
        receiver, argument = (
            _py_literal(node.func.value, constants),
            _py_literal(node.args[0], constants),
        )
        if (
            node.func.attr == "split"
            and isinstance(argument, str)
            and isinstance(node.func.value, ast.Name)
        ):
            return _safe_split(argument) if node.func.value.id == "shlex" else None
        if node.func.attr == "join" and isinstance(receiver, str) and isinstance(argument, list):
            return receiver.join(argument)
    return None


def _safe_split(text: str) -> list[str] | None:
    try:
        return shlex.split(text)
    except ValueError:
        return None


def _py_exec_argv(name: str, node: ast.Call, constants: _Constants) -> list[str] | None:
    """argv of os.exec*/os.spawn*/posix_spawn/pty.spawn/create_subprocess_exec, when literal."""
    values = [_py_literal(argument, constants) for argument in node.args]
    if any(isinstance(a, ast.Starred) for a in node.args) or not values:
        return None
    if name in ("pty.spawn",):
        first = values[0]
        return [first] if isinstance(first, str) else first
    if name == "asyncio.create_subprocess_exec":
        return (
            [v for v in values if isinstance(v, str)]
            if all(isinstance(v, str) for v in values)
            else None
        )
    match = _PY_EXEC_CALL.match(name)
    if not match:
        return None
    if match.group(1) == "spawn":
        values = values[1:]
    if not values or not isinstance(values[0], str):
        return None
    program, rest = values[0], values[1:]
    if match.group(4) or name.startswith("os.posix_spawn"):
        rest = rest[:-1] if match.group(4) else rest[:1]
    if match.group(2) == "v" or name.startswith("os.posix_spawn"):
        argv = rest[0] if rest else None
        return [program, *argv[1:]] if isinstance(argv, list) else None
    if all(isinstance(v, str) for v in rest):
        return [program, *[v for v in rest[1:] if isinstance(v, str)]]
    return None


def _py_path(node: ast.AST, constants: _Constants) -> str | None:
    """`'src'`, `Path('src')`, `Path('a') / 'b'` as a path string."""
    literal = _py_literal(node, constants)
    if isinstance(literal, str):
        return literal
    if isinstance(node, ast.Call) and node.args:
        return _py_path(node.args[0], constants)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _py_path(node.left, constants), _py_path(node.right, constants)
        return posixpath.join(left, right) if left is not None and right is not None else None
    return None


def _py_url(node: ast.Call, constants: _Constants, position: int = 0) -> str | None:
    url = _py_literal(_py_argument(node, position, "url"), constants)
    return url if isinstance(url, str) and "://" in url else None


# --- the other languages: rules over the source text ---------------------------------------

_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "e": "\x1b", "a": "\a"}
_HEX_ESCAPE = lazyre.compile(r"\\x\{?([0-9A-Fa-f]{1,4})\}?|\\u\{?([0-9A-Fa-f]{4,6})\}?")
_URL = lazyre.compile(r"https?://[^\s'\"`)]+")
_BRACKETS = {"(": ")", "[": "]", "{": "}", "<": ">"}


@record
class _Rules:
    """How one language spells the things that matter, as regexes over its source."""

    spawn_call: re.Pattern[str]
    """A call whose arguments name the command: group "fn"; arguments follow the match."""
    shell_literal: re.Pattern[str]
    """Backticks, qx{}, %x(), Bun's $`…`: group "body" is a shell command line."""
    spawn_other: re.Pattern[str]
    """Other ways to start a program, whose command is never extracted."""
    delete_call: re.Pattern[str]
    http_write: re.Pattern[str]
    """group "method" when the method is spelled out, group "dynamic" when it is computed."""
    eval_call: re.Pattern[str]
    """String evaluation: group "fn"; its argument follows the match."""
    dynamic_call: re.Pattern[str]
    interpolates: re.Pattern[str]
    """What makes a double-quoted string (or shell literal) dynamic."""
    quotes: str = "'\""
    quote_like: re.Pattern[str] | None = None
    """Perl's q{} qq{} qw{}, Ruby's %q() %w(): group 1 the kind, group 2 the delimiter."""
    spawn_gate: re.Pattern[str] | None = None
    """When set, spawn calls count only if this matches somewhere (JS needs child_process)."""
    spawn_module: re.Pattern[str] | None = None
    """A module whose mere use, with no spawn call found, means a program starts unseen."""
    command_arguments: Mapping[str, int] = field(default_factory=dict)
    """How many leading arguments of a spawn call form the command (default: all)."""
    runner: Mapping[str, str] = field(default_factory=dict)
    """Program that runs a call's argument (`fork("x.js")` runs `node x.js`)."""


def _never() -> re.Pattern[str]:
    return lazyre.compile(r"(?!x)x")


_RULES: dict[str, _Rules] = {
    "js": _Rules(
        spawn_call=lazyre.compile(
            r"(?<![\w$])(?P<fn>execSync|exec|spawnSync|spawn|execFileSync|execFile|fork"
            r"|Bun\s*\.\s*spawnSync|Bun\s*\.\s*spawn|new\s+Deno\s*\.\s*Command|Deno\s*\.\s*run)\s*(?=\()"
        ),
        shell_literal=lazyre.compile(
            r"(?:(?<![\w$])Bun\s*\.\s*|(?<![\w$.]))\$\s*`(?P<body>(?:[^`\\]|\\.)*)`"
        ),
        spawn_other=lazyre.compile(
            r"process\s*\.\s*binding|spawn_sync|process\s*\.\s*dlopen"
            r"|\b(?:execSync|exec|spawnSync|spawn|execFileSync|execFile|fork)\s*:"
        ),
        delete_call=lazyre.compile(
            r"(?<![\w$])(?P<fn>rmSync|rmdirSync|unlinkSync|rm|rmdir|unlink|remove|removeSync"
            r"|emptyDir|emptyDirSync|rimraf(?:\s*\.\s*sync)?|Deno\s*\.\s*removeSync|Deno\s*\.\s*remove)\s*(?=\()"
        ),
        http_write=lazyre.compile(
            r"\bmethod\s*:\s*(?:['\"`](?P<method>\w+)['\"`]|(?P<dynamic>[A-Za-z_$][\w$.]*))"
            r"|(?<![\w$])(?:axios|got|ky|superagent|needle)['\"]?\s*\)?\s*\.\s*(?P<verb>delete|del|put|patch|post)\s*\(",
            re.IGNORECASE,
        ),
        eval_call=lazyre.compile(r"(?<![\w$.])(?P<fn>eval|new\s+Function|Function)\s*(?=\()"),
        dynamic_call=lazyre.compile(
            r"(?<![\w$.])(?:require|import)\s*\(\s*(?!['\"][^'\"`$]*['\"]\s*\))"
            r"|\bvm\s*\.\s*run\w*|\]\s*\("
        ),
        interpolates=lazyre.compile(r"\$\{"),
        quotes="'\"`",
        spawn_gate=lazyre.compile(r"child_process|\bBun\b|\bDeno\b"),
        spawn_module=lazyre.compile(r"child_process"),
        command_arguments={
            "exec": 1,
            "execSync": 1,
            "Bun.spawn": 1,
            "Bun.spawnSync": 1,
            "Deno.run": 1,
            "spawn": 2,
            "spawnSync": 2,
            "execFile": 2,
            "execFileSync": 2,
            "fork": 2,
            "Deno.Command": 2,
        },
        runner={"fork": "node"},
    ),
    "perl": _Rules(
        spawn_call=lazyre.compile(
            r"(?<![\w$@%>:.'\"])(?:CORE::)?(?P<fn>system|exec|readpipe)\b(?=\s*(?:[(\'\"$@{]|q[qw]?\s*[^\w\s]))"
        ),
        shell_literal=lazyre.compile(
            r"`(?P<body>[^`]*)`|(?<![\w$@%&])qx\s*(?:\{(?P<b1>[^}]*)\}|\((?P<b2>[^)]*)\)|\[(?P<b3>[^\]]*)\]"
            r"|<(?P<b4>[^>]*)>|(?P<d>[^\w\s{(\[<])(?P<b5>.*?)(?P=d))",
            re.DOTALL,
        ),
        spawn_other=lazyre.compile(
            r"\bIPC::(?:Open[23]|Run|Cmd)|\bopen[23]\s*\(|\bsyscall\b"
            r"|(?<![\w$])open\s*\(?[^;]*?(?:['\"]\s*(?:\|\s*\S|-\||\|-)|\|\s*['\"])"
        ),
        delete_call=lazyre.compile(
            r"(?<![\w$@%])(?P<fn>unlink|rmdir|rmtree|remove_tree)\b(?=\s*[(\'\"$@]|\s+\w|\s*;|\s*$)"
        ),
        http_write=lazyre.compile(
            r"->\s*(?P<verb>delete|put|patch|post|post_form)\s*\("
            r"|\bHTTP::Request(?:::Common)?\b[^;]*?\b(?P<method>DELETE|PUT|PATCH|POST)\b"
            r"|->\s*request\s*\(\s*['\"](?P<method2>DELETE|PUT|PATCH|POST)['\"]",
        ),
        eval_call=lazyre.compile(
            r"(?<![\w$@%&>:])(?P<fn>eval)\b(?!\s*\{)(?=\s*(?:[(\'\"$@]|q[qw]?\s*[^\w\s]))"
        ),
        dynamic_call=lazyre.compile(
            r"(?<![&\w$@%])&\s*[{$]|\$\w+\s*->\s*\(|\bdo\s+\$|\brequire\s+\$"
        ),
        interpolates=lazyre.compile(r"(?<!\\)[$@][\w{:]"),
        quote_like=lazyre.compile(r"(qw|qq|q)\s*([^\w\s])"),
    ),
    "ruby": _Rules(
        spawn_call=lazyre.compile(
            r"(?:(?<![\w$@.:'\"])(?:Kernel|Process)\s*\.\s*|(?<![\w$@.:'\"]))(?P<fn>system|exec|spawn)\b(?=\s*[(\'\"%\[{]|\s+\w)"
            r"|(?<![\w$@:])(?P<fn2>IO\s*\.\s*popen|Open3\s*\.\s*\w+|PTY\s*\.\s*spawn)\b"
        ),
        shell_literal=lazyre.compile(
            r"`(?P<body>[^`]*)`|%x(?:\{(?P<b1>[^}]*)\}|\((?P<b2>[^)]*)\)|\[(?P<b3>[^\]]*)\]"
            r"|<(?P<b4>[^>]*)>|(?P<d>[^\w\s{(\[<])(?P<b5>.*?)(?P=d))",
            re.DOTALL,
        ),
        spawn_other=lazyre.compile(
            r"(?<![\w.])open\s*\(?\s*['\"]\s*\||\bIO\s*\.\s*(?:read|readlines|foreach|write|binread)\s*\(?\s*['\"]\s*\|"
            r"|\b(?:send|public_send|__send__)\s*\(?\s*[:'\"](?:system|exec|spawn|`)|\bfork\b|\bsyscall\b"
        ),
        delete_call=lazyre.compile(
            r"\bFileUtils\s*\.\s*(?P<fn>rm\w*|remove\w*|rmdir|rmtree)\b|\bFile\s*\.\s*(?P<fn2>delete|unlink)\b"
            r"|\bDir\s*\.\s*(?P<fn3>rmdir|delete|unlink)\b|(?<![\w.])(?P<fn4>rm_rf|rm_r|rm_f|remove_dir|remove_entry\w*)\b"
            r"|\.\s*(?P<fn5>rmtree)\b"
        ),
        http_write=lazyre.compile(
            r"\bNet::HTTP::(?P<method>Delete|Put|Patch|Post)\b|\bNet::HTTP\s*\.\s*(?P<verb>post|post_form|put)\b"
            r"|\b(?:HTTParty|RestClient|Faraday|HTTP|Excon|Typhoeus)\s*\.\s*(?P<verb2>delete|put|patch|post)\b"
            r"|\bsend_request\s*\(\s*['\"](?P<method2>DELETE|PUT|PATCH|POST)['\"]",
            re.IGNORECASE,
        ),
        eval_call=lazyre.compile(
            r"(?<![\w.])(?P<fn>eval|instance_eval|class_eval|module_eval)\b(?=\s*[(\'\"%])"
        ),
        dynamic_call=lazyre.compile(
            r"\b(?:send|public_send|__send__)\s*\(?\s*(?![:'\"]\w)|\bconst_get\b|\bmethod\s*\(\s*[^:'\"]"
        ),
        interpolates=lazyre.compile(r"#\{"),
        quote_like=lazyre.compile(r"(%w|%W|%i|%q|%Q|%)([^\w\s=])"),
        command_arguments={"IO.popen": 1},
    ),
    "php": _Rules(
        spawn_call=lazyre.compile(
            r"(?<![\w$>:\\'\"])(?P<fn>system|exec|shell_exec|passthru|proc_open|popen|pcntl_exec)\s*(?=\()"
        ),
        shell_literal=lazyre.compile(r"`(?P<body>[^`]*)`"),
        spawn_other=lazyre.compile(
            r"(?<![\w$>:])(?:expect_popen|ssh2_exec)\s*\("
            r"|['\"](?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)['\"]"
        ),
        delete_call=lazyre.compile(r"(?<![\w$>:])(?P<fn>unlink|rmdir)\b"),
        http_write=lazyre.compile(
            r"CURLOPT_CUSTOMREQUEST\s*,\s*['\"](?P<method>\w+)['\"]|CURLOPT_(?P<verb>POST|PUT)\b"
            r"|['\"]method['\"]\s*=>\s*['\"](?P<method2>\w+)['\"]",
            re.IGNORECASE,
        ),
        eval_call=lazyre.compile(r"(?<![\w$>:])(?P<fn>eval|assert)\s*(?=\()"),
        dynamic_call=lazyre.compile(
            r"\$\w+\s*\(|\)\s*\(|\bcreate_function\b|(?<![\w$>:])(?:call_user_func(?:_array)?|array_map|array_walk"
            r"|usort|uasort|register_shutdown_function|forward_static_call)\s*\(\s*\$"
        ),
        interpolates=lazyre.compile(r"(?<!\\)\$[\w{]|\{\$"),
        command_arguments={
            "system": 1,
            "exec": 1,
            "shell_exec": 1,
            "passthru": 1,
            "popen": 1,
            "proc_open": 1,
            "pcntl_exec": 2,
        },
    ),
    "python-text": _Rules(
        spawn_call=_never(),
        shell_literal=_never(),
        spawn_other=lazyre.compile(
            r"\b(?:os\s*\.\s*(?:system|popen|exec\w*|spawn\w*|posix_spawn\w*|fork)|subprocess|pty\s*\.\s*spawn"
            r"|commands\s*\.|ctypes|create_subprocess)\b"
        ),
        delete_call=lazyre.compile(
            r"\b(?:shutil\s*\.\s*(?P<fn>rmtree)|os\s*\.\s*(?P<fn2>remove|unlink|rmdir|removedirs))\b"
            r"|\.\s*(?P<fn3>unlink|rmdir)\s*\("
        ),
        http_write=lazyre.compile(
            r"\b(?:requests|httpx|aiohttp|urllib3)\s*\.\s*(?P<verb>delete|put|patch|post)\b"
            r"|method\s*=\s*['\"](?P<method>\w+)['\"]|\.request\s*\(\s*['\"](?P<method2>\w+)['\"]",
            re.IGNORECASE,
        ),
        eval_call=_never(),
        dynamic_call=lazyre.compile(r"\b(?:exec|eval|compile|__import__|import_module)\s*\("),
        interpolates=lazyre.compile(r"\{"),
    ),
}


def _scan_with_rules(rules: _Rules, code: str, depth: int) -> _Scan:
    code = _decode_hex_escapes(code)
    scan = _Scan()
    calls = 0
    if rules.spawn_gate is None or rules.spawn_gate.search(code):
        for match in rules.spawn_call.finditer(code):
            calls += 1
            function = re.sub(r"\s+", "", match.group("fn") or match.group("fn2") or "")
            function = function.removeprefix("new")
            line = _command_line(rules, function, _read_arguments(rules, code, match.end()))
            if line is None:
                scan.spawn_unknown(function)
            else:
                scan.lines.append(line)
    for match in rules.shell_literal.finditer(code):
        body = next((g for g in _body_groups(match) if g is not None), None)
        if body is None or rules.interpolates.search(body):
            scan.spawn_unknown("a shell command built at run time")
        else:
            scan.lines.append(body)
    other = rules.spawn_other.search(code)
    if other:
        scan.spawn_unknown(_api_name(other.group(0)))
    module = rules.spawn_module.search(code) if rules.spawn_module and not calls else None
    if module:
        scan.spawn_unknown(module.group(0))
    for match in rules.delete_call.finditer(code):
        function = re.sub(r"\s+", "", match.group(0))
        arguments = _read_arguments(rules, code, match.end())
        path = next((a for a in arguments if isinstance(a, str)), None)
        scan.delete(function, path)
    for match in rules.http_write.finditer(code):
        _http_effect(scan, match, code)
    for match in rules.eval_call.finditer(code):
        arguments = _read_arguments(rules, code, match.end())
        source = arguments[0] if arguments else None
        if isinstance(source, str) and depth < _MAX_NESTING:
            scan.merge(_scan_with_rules(rules, source, depth + 1))
        else:
            scan.dynamic_code(re.sub(r"\s+", " ", match.group("fn")))
    dynamic = rules.dynamic_call.search(code)
    if dynamic:
        scan.dynamic_code(_api_name(dynamic.group(0)))
    return scan


def _api_name(text: str) -> str:
    """Perl's `open my $p, "-|"` -> `open`, `"system"` -> `system`: the name to show a human."""
    name = re.search(r"[$&]?[A-Za-z_][\w:.]*", text)
    return name.group(0) if name else text.strip()


def _body_groups(match: re.Match[str]) -> Iterator[str | None]:
    for name in ("body", "b1", "b2", "b3", "b4", "b5"):
        if name in match.re.groupindex:
            yield match.group(name)


def _http_effect(scan: _Scan, match: re.Match[str], code: str) -> None:
    groups = match.groupdict()
    method = groups.get("method") or groups.get("method2")
    verb = groups.get("verb") or groups.get("verb2")
    url_match = _URL.search(code)
    url = url_match.group(0) if url_match else None
    if method:
        if method.upper() not in READ_METHODS:
            scan.http_write(match.group(0).strip(), method.upper(), url)
    elif verb:
        name = verb.upper()
        scan.http_write(match.group(0).strip(" ("), "DELETE" if name == "DEL" else name, url)
    elif groups.get("dynamic"):
        scan.http_write(match.group(0).strip(), None, url)


_Argument = str | list[str] | dict[str, object] | None


def _command_line(rules: _Rules, function: str, arguments: list[_Argument]) -> str | None:
    """The command a spawn call runs, as one shell line; None when any part is computed.

    A single string is returned as it is (a shell runs it, or it names the
    program); several words are quoted with shlex.join unless `shell: true`.
    """
    options = [a for a in arguments if isinstance(a, dict)]
    count = rules.command_arguments.get(function, len(arguments))
    values: list[object] = []
    values += [a for a in arguments if not isinstance(a, dict)][:count]
    values += [option[key] for option in options for key in ("cmd", "args") if key in option]
    argv: list[str] = []
    for value in values:
        if isinstance(value, str):
            argv.append(value)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            argv += value
        else:
            return None
    if not argv:
        return None
    if function in rules.runner:
        argv.insert(0, rules.runner[function])
    if len(argv) == 1 or any(option.get("shell") is True for option in options):
        return " ".join(argv)
    return shlex.join(argv)


def _read_arguments(rules: _Rules, code: str, start: int) -> list[_Argument]:
    """Read a call's arguments from `code[start:]`: literals, arrays of literals, or None.

    Handles `f(a, b)` and the paren-less `system "a", "b"` of Perl and Ruby; stops
    at the closing parenthesis, `;`, a newline, or anything it cannot read.
    """
    reader = _Reader(code, start, rules)
    reader.skip_space()
    closing = ")" if reader.peek() == "(" else None
    if closing:
        reader.position += 1
    arguments: list[_Argument] = []
    while True:
        reader.skip_space(newlines=closing is not None)
        if reader.at_end() or reader.peek() in ";\n" or (closing and reader.peek() == closing):
            break
        if _KEYWORD_ARGUMENT.match(code, reader.position):
            break
        arguments.append(reader.value())
        reader.skip_space(newlines=closing is not None)
        if reader.peek() == ",":
            reader.position += 1
            continue
        if reader.peek() == "=" and reader.code.startswith("=>", reader.position):
            reader.position += 2
            continue
        break
    return arguments


_KEYWORD_ARGUMENT = lazyre.compile(r"[A-Za-z_]\w*:(?!:)|:[A-Za-z_]")


class _Reader:
    """A tiny reader for literals of the C-like languages (strings, arrays, object literals)."""

    def __init__(self, code: str, position: int, rules: _Rules) -> None:
        self.code = code
        self.position = position
        self.rules = rules

    def at_end(self) -> bool:
        return self.position >= len(self.code)

    def peek(self) -> str:
        return self.code[self.position] if self.position < len(self.code) else ""

    def skip_space(self, newlines: bool = True) -> None:
        while not self.at_end() and self.peek().isspace() and (newlines or self.peek() != "\n"):
            self.position += 1

    def value(self) -> _Argument:
        char = self.peek()
        if char in self.rules.quotes:
            return self._quoted(char)
        if char == "[":
            return self._array("]")
        if char == "{":
            return self._object()
        if char == "(":
            return self._array(")")
        word = (
            self.rules.quote_like.match(self.code, self.position) if self.rules.quote_like else None
        )
        if word:
            return self._quote_like(word.group(1), word.group(2), len(word.group(0)))
        self._skip_expression()
        return None

    def _quoted(self, quote: str) -> str | None:
        end = self._find_closing(self.position + 1, quote, quote)
        raw = self.code[self.position + 1 : end]
        self.position = end + 1
        if quote != "'" and self.rules.interpolates.search(raw):
            return None
        return _unescape(raw, simple=quote == "'")

    def _quote_like(self, kind: str, opening: str, length: int) -> _Argument:
        closing = _BRACKETS.get(opening, opening)
        start = self.position + length
        end = self._find_closing(start, opening, closing)
        raw = self.code[start:end]
        self.position = end + 1
        if kind in ("qw", "%w", "%W", "%i"):
            return raw.split()
        if kind in ("qq", "%Q", "%") and self.rules.interpolates.search(raw):
            return None
        return _unescape(raw, simple=kind in ("q", "%q"))

    def _find_closing(self, start: int, opening: str, closing: str) -> int:
        depth = 1
        index = start
        while index < len(self.code):
            char = self.code[index]
            if char == "\\":
                index += 2
                continue
            if char == closing and opening != closing:
                depth -= 1
            elif char == opening and opening != closing:
                depth += 1
            elif char == closing:
                depth = 0
            if depth == 0:
                return index
            index += 1
        return len(self.code)

    def _array(self, closing: str) -> list[str] | None:
        self.position += 1
        items: list[str] = []
        literal = True
        while True:
            self.skip_space()
            if self.at_end():
                return None
            if self.peek() == closing:
                self.position += 1
                return items if literal else None
            item = self.value()
            if isinstance(item, str):
                items.append(item)
            elif isinstance(item, list):
                items += item
            else:
                literal = False
            self.skip_space()
            if self.peek() == ",":
                self.position += 1
            elif self.peek() != closing:
                self._skip_expression()
                literal = False
                if self.peek() == ",":
                    self.position += 1

    def _object(self) -> dict[str, object]:
        """`{recursive: true, args: ["-rf", "src"]}`: keeps literal keys of interest."""
        end = self._find_closing(self.position + 1, "{", "}")
        body = self.code[self.position + 1 : end]
        self.position = end + 1
        found: dict[str, object] = {}
        for key in ("cmd", "args"):
            match = re.search(rf"\b{key}\s*:\s*\[", body)
            if match:
                inner = _Reader(body, match.end() - 1, self.rules)
                found[key] = inner.value()
        if re.search(r"\bshell\s*:\s*(?:true|['\"])", body):
            found["shell"] = True
        return found

    def _skip_expression(self) -> None:
        depth = 0
        while not self.at_end():
            char = self.peek()
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    return
                depth -= 1
            elif char in ",;\n" and depth == 0:
                return
            elif char in self.rules.quotes:
                self.position = self._find_closing(self.position + 1, char, char)
            self.position += 1


def _unescape(raw: str, simple: bool) -> str:
    if simple:
        return re.sub(r"\\([\\'])", r"\1", raw)
    return re.sub(r"\\(.)", lambda m: _STRING_ESCAPES.get(m.group(1), m.group(1)), raw, flags=re.S)


def _decode_hex_escapes(code: str) -> str:
    """`'child\\x5fprocess'` spells child_process; decode such escapes before matching."""
    if "\\x" not in code and "\\u" not in code:
        return code

    def decode(match: re.Match[str]) -> str:
        value = int(match.group(1) or match.group(2), 16)
        char = chr(value) if value < 0x110000 else ""
        return "\\" + char if char in "\\'\"`" else char

    return _HEX_ESCAPE.sub(decode, code)


def _host_of(url: str) -> str:
    authority = (url.partition("://")[2] or url).partition("/")[0].rpartition("@")[2]
    return (
        authority[: authority.find("]") + 1]
        if authority.startswith("[")
        else authority.partition(":")[0]
    )


def _host_and_path(url: str) -> str:
    rest = url.partition("://")[2] or url
    authority, slash, path = rest.partition("/")
    host = authority.rpartition("@")[2]
    path = path.partition("?")[0].partition("#")[0].rstrip("/")
    return f"{host}/{path}" if slash and path else host
