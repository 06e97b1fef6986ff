"""Classify database script text: which statements would change data, and which cannot be checked.

Pure text in, `Effect`s out; the databases family turns them into findings. A
script is first split the way its client splits it (psql backslash commands,
mysql client commands, sqlite dot commands, statement delimiters), so that a
client command never reaches the SQL parser and a statement boundary is never
missed. Each SQL statement is then parsed with sqlglot in the client's dialect
and its WHOLE tree is walked: a CTE can hide a DELETE, a SELECT can call a
function that ends sessions. Anything the parser cannot read, and anything
whose effect depends on code agentsh cannot see (CALL, DO, unknown functions),
is reported as unchecked, never passed as a read.

sqlglot takes ~150 ms to import, so it is imported only when there is SQL to
parse, and results are cached per script text.
"""

from __future__ import annotations

import functools
import re

from agentsh.policy import lazyre
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Literal

    from sqlglot import exp

    Syntax = Literal["psql", "mysql", "sqlite", "duckdb", "clickhouse", "cql"]

SQL_WRITE = "sql-write"
SQL_SIDE_EFFECT = "sql-side-effect"
SQL_UNCHECKED = "sql-unchecked"
CLIENT_COMMAND = "client-command"

_UNCHECKED = "which agentsh cannot check"
_UNPARSED = "which agentsh cannot parse"
_UNKNOWN = "which agentsh does not know"
_UNREAD = "which agentsh cannot read"
_UNSEEN = "whose text agentsh cannot see"
_SOURCE = lazyre.compile(r"(?is)^\s*SOURCE\s*")

MAX_EFFECTS = 5
MAX_SCRIPT_CHARS = 1_000_000
CACHED_SCRIPT_CHARS = 20_000
SUMMARY_CHARS = 60


@record
class Effect:
    """One thing a script would do that a human should approve.

    `action` completes "<client> would …", e.g. "run DROP TABLE customers"; the
    message then names the database and ends with `why`, if any.
    `on_database` is False for things that happen where the client runs (a
    shell escape), so the message does not name the database. `contained`
    marks changes to the connected database only, which are harmless when that
    database is a throwaway in-memory one.
    """

    rule: str
    action: str
    on_database: bool = True
    contained: bool = False
    why: str = ""
    """A closing clause for the message: "which agentsh cannot check"."""


def word_set(text: str) -> frozenset[str]:
    """A table of names written as whitespace-separated words."""
    return frozenset(text.split())


def clean(text: str, limit: int = SUMMARY_CHARS) -> str:
    """One short line for a message: no control characters, long text cut with an ellipsis."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


_CONTROL = lazyre.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# --- splitting a script the way its client does -----------------------------------------


@record
class _Statement:
    text: str
    skeleton: str
    """The statement with quoted text and comments masked, to compare two readings."""


@record
class _ClientCommand:
    name: str
    args: str


@record
class _VariableUse:
    """A bare psql `:name`, which psql replaces by the variable's text before sending."""

    name: str


_Piece = _Statement | _ClientCommand | _VariableUse

_WORD = r"(?:[A-Za-z0-9_]|[^\x00-\x7f])(?:[A-Za-z0-9_$]|[^\x00-\x7f])*"
_SINGLE_DOUBLED = r"'(?:[^']|'')*+'?"
_SINGLE_ESCAPED = r"'(?:[^'\\]|\\.|'')*+'?"
_DOUBLE_DOUBLED = r'"(?:[^"]|"")*+"?'
_DOUBLE_ESCAPED = r'"(?:[^"\\]|\\.|"")*+"?'
_BACKTICK = r"`(?:[^`]|``)*+`?"


def _lexer(*alternatives: str) -> re.Pattern[str]:
    return lazyre.compile("|".join(alternatives), re.DOTALL)


@functools.cache
def _token_pattern(syntax: Syntax, escapes: bool) -> re.Pattern[str]:
    """Token regex for `syntax`; `escapes` reads backslash escapes in plain quoted strings.

    Only quoting a client certainly understands is recognised: an unknown style
    leaves more text looking like code, which can only make the result stricter.
    """
    single = _SINGLE_ESCAPED if escapes else _SINGLE_DOUBLED
    comment = {
        "mysql": r"(?P<comment>#[^\n]*|--(?=[ \t\r\f\v\n]|\Z)[^\n]*)",
        "cql": r"(?P<comment>(?:--|//)[^\n]*)",
    }.get(syntax, r"(?P<comment>--[^\n]*)")
    common = (r"(?P<ws>[ \t\r\f\v]+)", r"(?P<nl>\n)", comment)
    if syntax == "psql":
        return _lexer(
            *common,
            r"(?P<block>/\*)",
            r"(?P<estring>[eE]" + _SINGLE_ESCAPED + ")",
            r"(?P<dollar>\$(?:(?:[A-Za-z_]|[^\x00-\x7f])(?:[A-Za-z0-9_]|[^\x00-\x7f])*)?\$)",
            r"(?P<word>" + _WORD + ")",
            r"(?P<quoted>" + single + "|" + _DOUBLE_DOUBLED + ")",
            r"(?P<cast>::)",
            r"(?P<variable>:(?:'[A-Za-z_]\w*'|\"[A-Za-z_]\w*\"|[A-Za-z_]\w*))",
            r"(?P<semicolon>;)",
            r"(?P<backslash>\\)",
            r"(?P<other>.)",
        )
    if syntax == "mysql":
        double = _DOUBLE_ESCAPED if escapes else _DOUBLE_DOUBLED
        return _lexer(
            *common,
            r"(?P<executable>/\*M?!\d*)",
            r"(?P<block>/\*)",
            r"(?P<word>" + _WORD + ")",
            r"(?P<quoted>" + single + "|" + double + "|" + _BACKTICK + ")",
            r"(?P<exec_end>\*/)",
            r"(?P<semicolon>;)",
            r"(?P<backslash>\\)",
            r"(?P<other>.)",
        )
    quoted = {
        "sqlite": single + "|" + _DOUBLE_DOUBLED + "|" + _BACKTICK + r"|\[[^\]]*\]?",
        "duckdb": single + "|" + _DOUBLE_DOUBLED,
        "clickhouse": _SINGLE_ESCAPED + "|" + _DOUBLE_DOUBLED + "|" + _BACKTICK,
        "cql": single + "|" + _DOUBLE_DOUBLED + r"|\$\$.*?(?:\$\$|\Z)",
    }[syntax]
    return _lexer(
        *common,
        r"(?P<block>/\*)",
        r"(?P<word>" + _WORD + ")",
        r"(?P<quoted>" + quoted + ")",
        r"(?P<semicolon>;)",
        r"(?P<other>.)",
    )


_DOT_COMMAND = lazyre.compile(r"[ \t]*\.([^\s]*)([^\n]*)")
_MYSQL_LONG_COMMAND = lazyre.compile(
    r"[ \t]*(help|\?|clear|connect|delimiter|edit|ego|exit|go|nopager|notee|nowarning|pager"
    r"|print|prompt|quit|rehash|resetconnection|source|status|system|tee|use|warnings|charset"
    r"|query_attributes|ssl_session_data_print)(?=[\s;]|\Z)([^\n]*)",
    re.IGNORECASE,
)
_PSQL_WHOLE_LINE = frozenset({"!", "copy", "sf", "sf+", "sv", "sv+", "ef", "ev", "h", "help"})
_PSQL_PIPE_TARGET = frozenset({"g", "gx", "o", "out", "w", "write"})
_MYSQL_SHORT_NO_ARGS = frozenset("gGcpqsWwtnh?#xe")
_COPY_FROM_STDIN = lazyre.compile(r"(?is)^\s*COPY\b.*\bFROM\s+(?:STDIN|PSTDIN)\b")
_COPY_DATA_END = lazyre.compile(r"^\\\.[ \t]*$", re.MULTILINE)


class _Splitter:
    """Splits one script into statements and client commands, as its client would."""

    def __init__(self, text: str, syntax: Syntax, escapes: bool) -> None:
        self.text = text
        self.syntax = syntax
        self.pattern = _token_pattern(syntax, escapes)
        self.pieces: list[_Piece] = []
        self.code: list[str] = []
        self.skeleton: list[str] = []
        self.has_code = False
        self.delimiter = ";"
        self.in_executable_comment = False

    def split(self) -> list[_Piece]:
        text, pos, end = self.text, 0, len(self.text)
        while pos < end:
            if (pos == 0 or text[pos - 1] == "\n") and not self.has_code:
                line_command = self._line_command(pos)
                if line_command is not None:
                    pos = line_command
                    continue
            if self.delimiter != ";" and text.startswith(self.delimiter, pos):
                self._finish()
                pos += len(self.delimiter)
                continue
            match = self.pattern.match(text, pos)
            if match is None:
                break
            pos = self._token(match)
        self._finish()
        return self.pieces

    def _token(self, match: re.Match[str]) -> int:
        kind, token, pos = match.lastgroup, match.group(), match.end()
        if kind in ("ws", "nl"):
            self._add(token, token, code=False)
        elif kind == "comment":
            self._add(" ", " ", code=False)
        elif kind == "block":
            close = self._block_comment_end(match.start())
            self._add(" ", " ", code=False)
            return close
        elif kind in ("quoted", "estring"):
            self._add(token, token[:2] + "…", code=True)
        elif kind == "dollar":
            close = self.text.find(token, pos)
            stop = len(self.text) if close < 0 else close + len(token)
            self._add(self.text[match.start() : stop], token + "…", code=True)
            return stop
        elif kind == "semicolon":
            self._finish()
            if self.syntax == "psql":
                return self._skip_copy_data(pos)
        elif kind == "backslash":
            return self._backslash(match.start())
        elif kind == "variable":
            self._variable(token)
        elif kind == "executable":
            self.in_executable_comment = True
            self._add(" ", token, code=False)
        elif kind == "exec_end" and self.in_executable_comment:
            self.in_executable_comment = False
            self._add(" ", token, code=False)
        else:
            self._add(token, token, code=True)
        return pos

    def _add(self, text: str, skeleton: str, *, code: bool) -> None:
        self.code.append(text)
        self.skeleton.append(skeleton)
        self.has_code = self.has_code or code

    def _finish(self) -> None:
        if self.has_code:
            self.pieces.append(_Statement("".join(self.code).strip(), "".join(self.skeleton)))
        self.code, self.skeleton, self.has_code = [], [], False

    def _block_comment_end(self, start: int) -> int:
        """End of a /* */ comment; only PostgreSQL nests them."""
        if self.syntax != "psql":
            close = self.text.find("*/", start + 2)
            return len(self.text) if close < 0 else close + 2
        depth, pos = 0, start
        while pos < len(self.text):
            if self.text.startswith("/*", pos):
                depth, pos = depth + 1, pos + 2
            elif self.text.startswith("*/", pos):
                depth, pos = depth - 1, pos + 2
                if depth == 0:
                    return pos
            else:
                pos += 1
        return pos

    def _line_end(self, pos: int) -> int:
        newline = self.text.find("\n", pos)
        return len(self.text) if newline < 0 else newline

    def _line_command(self, pos: int) -> int | None:
        """Commands that a client recognises only at the start of a line of a new statement."""
        if self.syntax in ("sqlite", "duckdb"):
            match = _DOT_COMMAND.match(self.text, pos)
            if match is None:
                return None
            self.pieces.append(_ClientCommand("." + match.group(1), match.group(2).strip()))
            return match.end()
        if self.syntax == "mysql":
            match = _MYSQL_LONG_COMMAND.match(self.text, pos)
            if match is None:
                return None
            name, args = match.group(1).lower(), match.group(2).strip()
            args = args.removesuffix(self.delimiter).strip()
            self._mysql_command(name, args)
            return match.end()
        return None

    def _mysql_command(self, name: str, args: str) -> None:
        if name in ("delimiter", "d"):
            self.delimiter = args.split()[0] if args.split() else ";"
        if name in ("go", "ego", "g", "G"):
            self._finish()
            return
        self.pieces.append(_ClientCommand(name, args))

    def _backslash(self, start: int) -> int:
        if self.syntax == "mysql":
            return self._mysql_backslash(start)
        return self._psql_backslash(start)

    def _mysql_backslash(self, start: int) -> int:
        letter = self.text[start + 1 : start + 2]
        if letter in _MYSQL_SHORT_NO_ARGS:
            if letter in "gG":
                self._finish()
            elif letter == "e":
                self.pieces.append(_ClientCommand("edit", ""))
            return start + 2
        end = self._line_end(start)
        self._mysql_command(letter, self.text[start + 2 : end].strip())
        return end

    def _psql_backslash(self, start: int) -> int:
        text = self.text
        following = text[start + 1 : start + 2]
        if following == "\\":
            return start + 2
        if following == ";":
            self._finish()
            return start + 2
        if following == ":":
            self._add(":", ":", code=True)
            return start + 2
        name_end = start + 1
        while name_end < len(text) and not text[name_end].isspace() and text[name_end] != "\\":
            name_end += 1
        name = text[start + 1 : name_end]
        self._finish()
        line_end = self._line_end(name_end)
        rest = text[name_end:line_end]
        if name in _PSQL_WHOLE_LINE or (
            name in _PSQL_PIPE_TARGET and rest.lstrip().startswith("|")
        ):
            self.pieces.append(_ClientCommand(name, rest.strip()))
            return line_end
        args_end = _psql_arguments_end(text, name_end, line_end)
        self.pieces.append(_ClientCommand(name, text[name_end:args_end].strip()))
        if text.startswith("\\\\", args_end):
            return args_end + 2
        return args_end

    def _variable(self, token: str) -> None:
        if token[1] in "'\"":
            self._add(token[1] + "psql_variable" + token[1], token, code=True)
            return
        self.pieces.append(_VariableUse(token[1:]))
        self._add(token, token, code=True)

    def _skip_copy_data(self, pos: int) -> int:
        """After `COPY … FROM STDIN;` psql sends the following lines as data, up to `\\.`."""
        last = self.pieces[-1] if self.pieces else None
        if not isinstance(last, _Statement) or not _COPY_FROM_STDIN.match(last.text):
            return pos
        data_start = self._line_end(pos) + 1
        terminator = _COPY_DATA_END.search(self.text, data_start)
        return len(self.text) if terminator is None else terminator.end()


def _psql_arguments_end(text: str, pos: int, line_end: int) -> int:
    """Arguments run to the end of the line or to the next unquoted backslash."""
    quote = ""
    while pos < line_end:
        char = text[pos]
        if quote:
            if char == "\\" and quote == "'":
                pos += 1
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "\\":
            return pos
        pos += 1
    return line_end


def _split(text: str, syntax: Syntax) -> tuple[list[_Piece], bool]:
    """Pieces of `text`, and whether backslashes make its quoting ambiguous.

    mysql reads backslash escapes in strings unless NO_BACKSLASH_ESCAPES is set,
    and PostgreSQL does if standard_conforming_strings is off; a script can
    switch either. When the two readings split or mask the text differently, the
    script could hide a statement from one of them.
    """
    escapes = syntax in ("mysql", "clickhouse")
    pieces = _Splitter(text, syntax, escapes).split()
    if syntax not in ("psql", "mysql") or "\\" not in text:
        return pieces, False
    other = _Splitter(text, syntax, not escapes).split()
    return pieces, _shape(pieces) != _shape(other)


def _shape(pieces: list[_Piece]) -> list[object]:
    return [p.skeleton if isinstance(p, _Statement) else p for p in pieces]


# --- client commands ---------------------------------------------------------------------

_PSQL_HARMLESS = word_set(
    """a C c connect cd conninfo copyright crosstabview encoding echo errverbose f gdesc gset
    H html if elif else endif l l+ list list+ lo_list lo_export p print prompt pset q quit qecho
    r reset s set setenv sf sf+ sv sv+ t T timing unset warn watch x z z+ ? h help bind
    bind_named parse close close_prepared startpipeline endpipeline syncpipeline flushrequest
    flush getresults sendpipeline restrict unrestrict getenv g gx o out w write"""
)
_PSQL_RUNS_FILE = frozenset({"i", "include", "ir", "include_relative"})
_PSQL_EDITOR = frozenset({"e", "edit", "ef", "ev"})
_PSQL_DEFINES_VARIABLE = frozenset({"set", "prompt", "getenv"})

_SQLITE_DOT_HARMLESS = word_set(
    """tables schema fullschema indexes indices databases dbinfo dump headers header mode show
    help quit exit width timer echo explain eqp nullvalue separator print stats changes lint
    expert prompt bail binary limit timeout version scanstats vfsinfo vfslist vfsname parameter
    cd log trace output once open sha3sum crlf check progress nonce connection columns
    maxrows maxwidth highlight_errors"""
)
_SQLITE_DOT_DANGEROUS: dict[str, tuple[str, bool]] = {
    # name: (what it would do to its arguments, whether that happens on the database)
    "shell": ("run the shell command", False),
    "system": ("run the shell command", False),
    "read": ("run the commands in", True),
    "restore": ("overwrite the database from", True),
    "save": ("write the database to", False),
    "backup": ("write the database to", False),
    "clone": ("copy the database to", False),
    "load": ("load the native extension", True),
    "excel": ("open a spreadsheet program", False),
    "archive": ("change files through an SQL archive", False),
    "ar": ("change files through an SQL archive", False),
    "session": ("record or apply changesets", True),
    "filectrl": ("change file-control settings", True),
    "testctrl": ("change test-control settings", True),
    "imposter": ("create an imposter table", True),
    "recover": ("rebuild the database contents", True),
    "dbconfig": ("change database configuration", True),
    "selftest": ("run self-tests", True),
    "iotrace": ("write an I/O trace", False),
    "unmodule": ("remove virtual-table modules", True),
}

_MYSQL_HARMLESS = word_set(
    """help ? h clear c connect r exit quit q go g ego nopager n notee t nowarning w print p prompt
    R rehash # resetconnection x status s tee T use u warnings W charset C query_attributes
    ssl_session_data_print delimiter d"""
)
_MYSQL_DANGEROUS: dict[str, tuple[str, bool, str]] = {
    # name: (what it would do to its arguments, whether on the database, closing clause)
    "system": ("run the shell command", False, ""),
    "!": ("run the shell command", False, ""),
    "source": ("run the SQL file", True, _UNREAD),
    ".": ("run the SQL file", True, _UNREAD),
    "pager": ("send its output through the shell command", False, ""),
    "P": ("send its output through the shell command", False, ""),
    "edit": ("open an editor and run what is saved", True, ""),
}


def _client_command_effects(command: _ClientCommand, syntax: Syntax) -> list[Effect]:
    name, args = command.name, command.args
    prefix = "" if name.startswith(".") else "\\"
    shown = clean(f"{prefix}{name} {args}".strip())
    if "`" in args and syntax == "psql":
        return [Effect(CLIENT_COMMAND, f"run the shell command in {shown}", on_database=False)]
    if syntax == "psql":
        return _psql_command_effects(name, args, shown)
    if syntax == "mysql":
        if name in _MYSQL_DANGEROUS and (args or name == "edit"):
            what, on_database, why = _MYSQL_DANGEROUS[name]
            return [Effect(CLIENT_COMMAND, f"{what} {clean(args)}".strip(), on_database, why=why)]
        if name in _MYSQL_HARMLESS or name in ("pager", "P"):
            return []
        return [Effect(CLIENT_COMMAND, f"run the client command {shown}", why=_UNKNOWN)]
    return _dot_command_effects(name[1:].lower(), args, shown)


def _psql_command_effects(name: str, args: str, shown: str) -> list[Effect]:
    if name in _PSQL_PIPE_TARGET and args.startswith("|"):
        target = clean(args[1:])
        return [Effect(CLIENT_COMMAND, f"send output to the shell command {target}", False)]
    if name == "!":
        return [
            Effect(CLIENT_COMMAND, f"run the shell command {clean(args) or '(a shell)'}", False)
        ]
    if name == "copy":
        return _psql_copy_effects(args, shown)
    if name in _PSQL_HARMLESS or name.startswith("d"):
        return []
    if name in _PSQL_RUNS_FILE:
        return [Effect(CLIENT_COMMAND, f"run the SQL file {clean(args)}", why=_UNREAD)]
    if name == "gexec":
        return [Effect(SQL_UNCHECKED, "run the results of a query as SQL (\\gexec)")]
    if name in _PSQL_EDITOR:
        return [Effect(CLIENT_COMMAND, f"open an editor and run what is saved ({shown})")]
    if name == "lo_import":
        return [Effect(SQL_WRITE, f"import {clean(args)} as a large object")]
    if name == "lo_unlink":
        return [Effect(SQL_WRITE, f"delete large object {clean(args)}")]
    if name == "password":
        return [Effect(SQL_WRITE, f"change the password of {clean(args) or 'the current role'}")]
    return [Effect(CLIENT_COMMAND, f"run the psql command {shown}", why=_UNKNOWN)]


_PSQL_COPY = lazyre.compile(
    r"(?is)^\s*(?P<source>\((?P<query>.*)\)|[^\s(]+)\s*(?:\([^)]*\)\s*)?"
    r"(?P<direction>from|to)\s+(?P<program>program\b)?\s*(?P<target>.*)$"
)


def _psql_copy_effects(args: str, shown: str) -> list[Effect]:
    """`\\copy` reads or writes a file where psql runs; only its query and FROM touch the database."""
    match = _PSQL_COPY.match(args)
    if match is None:
        return [Effect(SQL_UNCHECKED, f"run {shown}", why=_UNPARSED)]
    effects: list[Effect] = []
    if match.group("program"):
        effects.append(
            Effect(CLIENT_COMMAND, f"run the shell command {clean(match['target'])}", False)
        )
    if match.group("direction").lower() == "from":
        effects.append(Effect(SQL_WRITE, f"load rows into {clean(match['source'])} ({shown})"))
    elif match.group("query") is not None:
        effects.extend(_classify_statement(match.group("query"), "postgres"))
    return effects


def _dot_command_effects(name: str, args: str, shown: str) -> list[Effect]:
    """sqlite (and duckdb) accept any unambiguous prefix of a dot command, so match by prefix."""
    if not name:
        return []
    if "import".startswith(name) and len(name) > 1:
        *_, source, table = ["", "", *(word for word in args.split() if not word.startswith("-"))]
        return [
            Effect(
                SQL_WRITE,
                f"load rows from {clean(source, 40)} into {clean(table, 40)}",
                contained=True,
            )
        ]
    dangerous = [full for full in _SQLITE_DOT_DANGEROUS if full.startswith(name)]
    if dangerous:
        what, on_database = _SQLITE_DOT_DANGEROUS[dangerous[0]]
        return [Effect(CLIENT_COMMAND, f"{what} {clean(args)}".strip(), on_database)]
    if any(full.startswith(name) for full in ("output", "once")):
        opened = args.split()[:1]
        if opened and (opened[0].startswith(("|", "'|", '"|')) or opened[0] in ("-x", "-e")):
            return [Effect(CLIENT_COMMAND, f"send output to a program ({shown})", False)]
        return []
    if "open".startswith(name) and "--new" in args.split():
        return [Effect(SQL_WRITE, f"replace the database file ({shown})", contained=False)]
    if any(full.startswith(name) for full in _SQLITE_DOT_HARMLESS):
        return []
    return [Effect(CLIENT_COMMAND, f"run the dot command {shown}", why=_UNKNOWN)]


# --- SQL statements ------------------------------------------------------------------------

_DIALECTS: dict[Syntax, str] = {
    "psql": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "clickhouse": "clickhouse",
}
_LEADING_NOISE = lazyre.compile(r"(?:\s+|--[^\n]*|#[^\n]*|/\*.*?\*/|\()*", re.DOTALL)
_KEYWORD = lazyre.compile(r"[A-Za-z_]+")
_ANALYZE = lazyre.compile(r"\bANALY[SZ]E\b", re.IGNORECASE)
_EXPLAINED_STATEMENT = lazyre.compile(
    r"\b(?:SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|VALUES|TABLE|EXECUTE|DECLARE|CREATE|REPLACE"
    r"|FROM|CALL|DO|COPY)\b",
    re.IGNORECASE,
)
_PRAGMA = lazyre.compile(r"(?is)^\s*PRAGMA\s+(?:\w+\.)?(\w+)\s*(=|\()?")

_WRITE_KEYWORDS = word_set(
    """INSERT UPDATE DELETE MERGE REPLACE UPSERT CREATE ALTER DROP TRUNCATE GRANT REVOKE RENAME
    EXCHANGE OPTIMIZE SYSTEM KILL LOCK CLUSTER REINDEX REFRESH COMMENT SECURITY IMPORT REASSIGN
    FLUSH PURGE INSTALL UNINSTALL LOAD COPY ATTACH DETACH UNDROP SHUTDOWN RESTART HANDLER CHANGE
    BATCH APPLY"""
)
_SESSION_KEYWORDS = word_set(
    """BEGIN COMMIT END ROLLBACK ABORT SAVEPOINT RELEASE FETCH MOVE CLOSE DEALLOCATE CHECKPOINT
    LISTEN UNLISTEN DISCARD ANALYZE ANALYSE USE HELP WATCH CHECK SHOW DESCRIBE DESC PREPARE
    UNLOCK"""
)
_SERVER_SETTING = lazyre.compile(
    r"\b(?:GLOBAL|PERSIST|PERSIST_ONLY|PASSWORD)\b|@@(?:global|persist)", re.I
)

_READ_PRAGMAS = word_set(
    """table_info table_xinfo table_list index_info index_xinfo index_list foreign_key_list
    foreign_key_check integrity_check quick_check database_list collation_list function_list
    module_list pragma_list compile_options data_version freelist_count page_count stats
    optimize wal_checkpoint incremental_vacuum shrink_memory show_tables show_tables_expanded
    database_size version storage_info show functions collations metadata_info platform
    user_agent"""
)
_SESSION_PRAGMAS = word_set(
    """foreign_keys busy_timeout cache_size temp_store recursive_triggers query_only
    defer_foreign_keys automatic_index case_sensitive_like cache_spill mmap_size threads
    memory_limit enable_profiling disable_profiling enable_progress_bar disable_progress_bar
    profiling_mode profile_output reverse_unordered_selects legacy_alter_table short_column_names
    full_column_names count_changes trusted_schema analysis_limit hard_heap_limit soft_heap_limit
    enable_object_cache"""
)


def _words(text: str, limit: int = 6) -> str:
    """The verb and object of a statement: its first words, up to the first clause."""
    words: list[str] = []
    for word in _LEADING_NOISE.sub("", text, count=1).split():
        if words and words[0].upper() not in ("GRANT", "REVOKE") and word.upper() in _CLAUSES:
            break
        head = word.split("(", 1)[0]
        if head:
            words.append(head)
        if head != word or len(words) >= limit:
            break
    return clean(" ".join(words))


_CLAUSES = word_set("WHERE SET VALUES RETURNING USING AS SELECT WITH ORDER LIMIT")


def _first_keyword(text: str) -> str:
    noise = _LEADING_NOISE.match(text)
    match = _KEYWORD.match(text, noise.end() if noise else 0)
    return match.group().upper() if match else ""


def _classify_statement(text: str, dialect: str) -> list[Effect]:
    keyword = _first_keyword(text)
    if keyword in ("EXPLAIN", "DESCRIBE", "DESC"):
        return _classify_explain(text, dialect)
    if keyword == "SHOW" or (keyword == "EXISTS" and dialect == "clickhouse"):
        return []
    if keyword == "PRAGMA":
        return _classify_pragma(text)
    return _classify_sql(text, dialect)


def _classify_explain(text: str, dialect: str) -> list[Effect]:
    """Plain EXPLAIN only plans its statement; EXPLAIN ANALYZE runs it."""
    inner = _EXPLAINED_STATEMENT.search(text)
    prefix = text[: inner.start()] if inner else text
    if not _ANALYZE.search(prefix):
        return []
    if inner is None:
        return [Effect(SQL_UNCHECKED, f"run {_words(text)}", why=_UNPARSED)]
    return _classify_statement(text[inner.start() :], dialect)


def _classify_pragma(text: str) -> list[Effect]:
    match = _PRAGMA.match(text)
    if match is None:
        return [Effect(SQL_UNCHECKED, f"run {_words(text)}", why=_UNPARSED)]
    name, assigns = match.group(1).lower(), match.group(2)
    if not assigns or name in _READ_PRAGMAS or name in _SESSION_PRAGMAS:
        return []
    return [Effect(SQL_WRITE, f"run {clean(text)}", contained=True)]


def _sqlglot() -> Any:
    """Import sqlglot on first use, with its parse-fallback warnings silenced (they go to stderr)."""
    import logging

    import sqlglot

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def _classify_sql(text: str, dialect: str) -> list[Effect]:
    sqlglot = _sqlglot()
    try:
        trees = sqlglot.parse(text, read=dialect)
    except Exception:
        return [_unparsed(text)]
    effects: list[Effect] = []
    for tree in trees:
        if tree is not None:
            source = text if len(trees) == 1 else tree.sql(dialect, comments=False)
            effects.extend(_classify_tree(tree, dialect, source))
    return effects


def _unparsed(text: str) -> Effect:
    summary = _words(text)
    if _first_keyword(text) in _WRITE_KEYWORDS:
        return Effect(SQL_WRITE, f"run {summary}")
    return Effect(SQL_UNCHECKED, f"run SQL agentsh cannot parse ({summary})")


def _classes(*names: str) -> tuple[type[exp.Expression], ...]:
    """sqlglot expression classes by name, skipping any this sqlglot version does not have."""
    from sqlglot import exp

    return tuple(getattr(exp, name) for name in names if hasattr(exp, name))


@functools.cache
def _node_classes() -> dict[str, tuple[type[exp.Expression], ...]]:
    return {
        "read_roots": _classes(
            "Select", "SetOperation", "Values", "Subquery", "Paren", "Show", "Use",
            "Transaction", "Commit", "Rollback", "Semicolon", "Summarize", "Analyze",
        ),
        "writes": _classes(
            "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable",
            "Grant", "Revoke", "Comment", "LoadData", "Kill", "Attach", "Detach", "Install",
            "Refresh", "Undrop", "SwapTable", "Cache", "Uncache", "Put", "Export",
        ),
        "functions": _classes("Anonymous", "AnonymousAggFunc"),
    }  # fmt: skip


def _classify_tree(tree: exp.Expression, dialect: str, source: str) -> list[Effect]:
    """Effects of one parsed statement; `source` is its text, for messages."""
    from sqlglot import exp

    classes = _node_classes()
    if isinstance(tree, exp.Command):
        return _classify_command(tree, dialect)
    if isinstance(tree, exp.Describe):
        style = str(tree.args.get("style") or "")
        inner = tree.this
        if not _ANALYZE.search(style) or not isinstance(inner, exp.Expression):
            return []
        return _classify_tree(inner, dialect, inner.sql(dialect, comments=False))
    effects: list[Effect] = []
    if isinstance(tree, exp.Set):
        effects.extend(_classify_set(tree, dialect))
    elif not isinstance(tree, classes["read_roots"] + classes["writes"] + (exp.Copy,)):
        effects.append(Effect(SQL_UNCHECKED, f"run {_words(source)}", why=_UNCHECKED))
    for node in tree.find_all(*classes["writes"], exp.Copy, exp.Into, exp.Command):
        if not _inside_ddl(node):
            effects.extend(_classify_node(node, dialect, source if node is tree else None))
    for function in tree.find_all(*classes["functions"]):
        effects.extend(_classify_function(function, dialect))
    return effects


def _inside_ddl(node: exp.Expression) -> bool:
    """Parts of a DDL statement (the DROP in `ALTER TABLE … DROP COLUMN`) are reported with it."""
    from sqlglot import exp

    parent = node.parent
    while parent is not None:
        if isinstance(parent, (exp.Alter, exp.Create)):
            return True
        parent = parent.parent
    return False


def _classify_node(node: exp.Expression, dialect: str, source: str | None) -> list[Effect]:
    """A write found in the tree; `source` is its text when it is the whole statement."""
    from sqlglot import exp

    sql = source if source is not None else node.sql(dialect, comments=False)
    if isinstance(node, exp.Copy):
        sql = re.sub(r"\s*\([^()]*\)", "", sql)
        effects = []
        if re.search(r"\bPROGRAM\b", sql, re.IGNORECASE):
            effects.append(
                Effect(
                    SQL_SIDE_EFFECT,
                    f"run {_words(sql, 4)}",
                    why="which runs a program on the database server",
                )
            )
        if node.args.get("kind"):
            effects.append(Effect(SQL_WRITE, f"run {_words(sql, 4)}", contained=True))
        return effects
    if isinstance(node, exp.Into):
        if node.sql(dialect).lstrip().upper().startswith("INTO @"):
            return []
        return [Effect(SQL_WRITE, f"run SELECT {_words(sql, 4)}", contained=True)]
    if isinstance(node, exp.Command):
        return _classify_command(node, dialect)
    outside = isinstance(node, _classes("Attach", "Install", "Export", "Kill", "LoadData"))
    return [Effect(SQL_WRITE, f"run {_words(sql)}", contained=not outside)]


def _classify_command(command: exp.Expression, dialect: str) -> list[Effect]:
    """Statements sqlglot keeps as raw text: judged by their keyword, unknown ones unchecked."""
    from sqlglot import exp

    keyword = str(command.this).upper()
    rest = command.args.get("expression")
    text = f"{keyword} {rest.name if isinstance(rest, exp.Expression) else rest or ''}"
    if keyword == "SET":
        return (
            [Effect(SQL_SIDE_EFFECT, f"run {_words(text)}")] if _SERVER_SETTING.search(text) else []
        )
    if keyword == "VACUUM":
        return (
            [Effect(SQL_WRITE, f"run {_words(text)}", why="which rewrites and locks the table")]
            if re.search(r"\bFULL\b", text, re.IGNORECASE)
            else []
        )
    if keyword == "RESET" and dialect != "mysql":
        return []
    if keyword == "START":
        return (
            []
            if re.match(r"(?i)START\s+TRANSACTION\b", text)
            else [Effect(SQL_WRITE, f"run {_words(text)}")]
        )
    if keyword in _SESSION_KEYWORDS:
        return []
    if keyword in _WRITE_KEYWORDS:
        return [
            Effect(
                SQL_WRITE,
                f"run {_words(text)}",
                contained=keyword
                not in ("LOAD", "ATTACH", "INSTALL", "SYSTEM", "KILL", "SHUTDOWN"),
            )
        ]
    return [Effect(SQL_UNCHECKED, f"run {_words(text)}", why=_UNCHECKED)]


def _classify_set(tree: exp.Expression, dialect: str) -> list[Effect]:
    from sqlglot import exp

    for item in tree.expressions:
        kinds = {str(item.args.get("kind") or "").upper()}
        kinds |= {
            str(p.args.get("kind") or "").upper() for p in item.find_all(exp.SessionParameter)
        }
        text = item.sql(dialect, comments=False)
        if kinds & {"GLOBAL", "PERSIST", "PERSIST_ONLY"} or _SERVER_SETTING.search(text):
            return [
                Effect(
                    SQL_SIDE_EFFECT,
                    f"run SET {_words(text, 3)}",
                    why="which changes a server-wide setting",
                )
            ]
    return []


_SIDE_EFFECT_FUNCTIONS = {
    "pg_terminate_backend": "ends another session",
    "pg_cancel_backend": "cancels another session's query",
    "pg_reload_conf": "reloads the server configuration",
    "pg_rotate_logfile": "rotates the server log",
    "pg_switch_wal": "switches the write-ahead log",
    "pg_switch_xlog": "switches the write-ahead log",
    "pg_promote": "promotes a standby server",
    "pg_create_restore_point": "writes a restore point",
    "pg_backup_start": "starts a backup",
    "pg_backup_stop": "stops a backup",
    "pg_start_backup": "starts a backup",
    "pg_stop_backup": "stops a backup",
    "pg_wal_replay_pause": "pauses replication replay",
    "pg_wal_replay_resume": "resumes replication replay",
    "pg_drop_replication_slot": "drops a replication slot",
    "pg_create_physical_replication_slot": "creates a replication slot",
    "pg_create_logical_replication_slot": "creates a replication slot",
    "pg_copy_physical_replication_slot": "creates a replication slot",
    "pg_copy_logical_replication_slot": "creates a replication slot",
    "pg_replication_slot_advance": "advances a replication slot",
    "pg_logical_slot_get_changes": "consumes changes from a replication slot",
    "pg_logical_slot_get_binary_changes": "consumes changes from a replication slot",
    "pg_logical_emit_message": "writes to the write-ahead log",
    "pg_replication_origin_create": "changes replication origins",
    "pg_replication_origin_drop": "changes replication origins",
    "pg_replication_origin_advance": "changes replication origins",
    "pg_replication_origin_session_setup": "changes replication origins",
    "pg_stat_reset": "resets statistics",
    "pg_stat_reset_shared": "resets statistics",
    "pg_stat_reset_single_table_counters": "resets statistics",
    "pg_stat_reset_single_function_counters": "resets statistics",
    "pg_stat_reset_slru": "resets statistics",
    "pg_stat_reset_replication_slot": "resets statistics",
    "pg_stat_reset_subscription_stats": "resets statistics",
    "pg_stat_statements_reset": "resets statistics",
    "pg_file_write": "writes a file on the database server",
    "pg_file_unlink": "deletes a file on the database server",
    "pg_file_rename": "renames a file on the database server",
    "pg_truncate_visibility_map": "truncates a visibility map",
    "lo_unlink": "deletes a large object",
    "lo_import": "imports a server file as a large object",
    "lo_export": "writes a file on the database server",
    "lo_create": "creates a large object",
    "lo_creat": "creates a large object",
    "lo_from_bytea": "creates a large object",
    "lo_put": "writes a large object",
    "lowrite": "writes a large object",
    "lo_truncate": "truncates a large object",
    "setval": "resets a sequence",
    "dblink": "runs SQL given as text on another database",
    "dblink_exec": "runs SQL given as text on another database",
    "dblink_send_query": "runs SQL given as text on another database",
    "query_to_xml": "runs SQL given as text",
    "query_to_xmlschema": "runs SQL given as text",
    "query_to_xml_and_xmlschema": "runs SQL given as text",
    "sys_exec": "runs a shell command on the database server",
    "sys_eval": "runs a shell command on the database server",
    "writefile": "writes a file",
    "edit": "opens an editor",
    "load_extension": "loads native code",
    "fts3_tokenizer": "registers native code",
}
_SERVERS_WITH_STORED_FUNCTIONS = frozenset({"postgres", "mysql"})
_BUILTIN_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
_BUILTIN_PREFIX = lazyre.compile(
    r"^(?:pg_|json_|jsonb_|array_|regexp_|st_|ts_|xml|has_\w+_privilege$)"
)
_BUILTIN_FUNCTIONS = word_set(
    """age version current_database current_schema current_schemas current_user current_role
    current_setting current_catalog session_user system_user user database schema now
    clock_timestamp statement_timestamp transaction_timestamp timeofday localtime localtimestamp
    date_part date_bin date_trunc make_date make_time make_timestamp make_timestamptz
    make_interval justify_days justify_hours justify_interval isfinite to_char to_date
    to_number to_timestamp to_json to_jsonb to_regclass to_regtype to_regproc to_regnamespace
    to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery setweight
    quote_ident quote_literal quote_nullable format format_type obj_description col_description
    shobj_description generate_series generate_subscripts unnest cardinality row_to_json
    string_to_array string_to_table string_agg split_part initcap btrim ltrim rtrim lpad rpad
    chr ascii repeat reverse translate octet_length bit_length char_length character_length
    strpos starts_with encode decode md5 sha224 sha256 sha384 sha512 digest crypt gen_salt
    gen_random_uuid uuid_generate_v4 uuid_generate_v1 similarity word_similarity levenshtein
    soundex metaphone dmetaphone difference unaccent num_nulls num_nonnulls width_bucket
    trunc sign mod power sqrt cbrt exp ln log log10 pi degrees radians sin cos tan asin acos atan
    atan2 random nextval currval lastval set_config inet_client_addr inet_client_port
    inet_server_addr inet_server_port host
    family masklen netmask network broadcast abbrev percentile_cont percentile_disc mode
    bool_and bool_or every bit_and bit_or ntile percent_rank cume_dist dense_rank first_value
    last_value nth_value lower_inf upper_inf isempty range_merge multirange txid_current
    txid_current_if_assigned connection_id found_rows row_count last_insert_id sleep benchmark
    get_lock release_lock is_free_lock is_used_lock uuid uuid_short uuid_to_bin bin_to_uuid
    inet_aton inet_ntoa inet6_aton inet6_ntoa ifnull elt field find_in_set locate mid conv bin
    oct unhex crc32 space weekday week yearweek dayname dayofmonth dayofweek dayofyear
    monthname last_day makedate maketime period_add period_diff time_format time_to_sec
    sec_to_time str_to_date from_days to_days from_unixtime unix_timestamp utc_date utc_time
    utc_timestamp curdate curtime sysdate datediff timestampdiff timestampadd adddate subdate
    addtime subtime date_add date_sub date_format get_format format_bytes format_pico_time
    any_value grouping charset collation coercibility load_file aes_encrypt aes_decrypt
    compress uncompress random_bytes sha1 sha2 concat_ws substring_index instr insert field
    char strcmp soundex regexp_like json_extract json_unquote json_object json_array
    json_contains json_keys json_length json_valid json_type json_search json_pretty
    group_concat typeof printf"""
)


def _classify_function(function: exp.Expression, dialect: str) -> list[Effect]:
    """Unknown functions on servers with stored functions may do anything, so they are unchecked."""
    from sqlglot import exp

    name = function.name.lower()
    schema = ""
    if isinstance(function.parent, exp.Dot) and function.parent.expression is function:
        schema = function.parent.this.sql(dialect).lower()
    shown = clean(f"{schema + '.' if schema else ''}{name}()")
    if name in _SIDE_EFFECT_FUNCTIONS and (not schema or schema in _BUILTIN_SCHEMAS):
        return [
            Effect(SQL_SIDE_EFFECT, f"call {shown}", why=f"which {_SIDE_EFFECT_FUNCTIONS[name]}")
        ]
    if dialect not in _SERVERS_WITH_STORED_FUNCTIONS:
        return []
    builtin = name in _BUILTIN_FUNCTIONS or bool(_BUILTIN_PREFIX.match(name))
    if builtin and (not schema or schema in _BUILTIN_SCHEMAS):
        return []
    return [Effect(SQL_UNCHECKED, f"call {shown}", why="a function agentsh cannot check")]


# --- CQL (cqlsh) -----------------------------------------------------------------------------

_CQL_READS = word_set(
    """SELECT DESCRIBE DESC USE SHOW LIST CONSISTENCY SERIAL TRACING EXPAND PAGING HELP EXIT QUIT
    CLEAR CLS CAPTURE LOGIN"""
)


def _classify_cql(text: str) -> list[Effect]:
    keyword = _first_keyword(text)
    if keyword in _CQL_READS:
        return []
    if keyword == "COPY":
        if re.search(r"\bTO\b", text, re.IGNORECASE) and not re.search(r"\bFROM\b", text, re.I):
            return []
        return [Effect(SQL_WRITE, f"run {_words(text, 4)}")]
    if keyword == "SOURCE":
        return [
            Effect(CLIENT_COMMAND, f"run the CQL file {clean(_SOURCE.sub('', text))}", why=_UNREAD)
        ]
    if keyword in _WRITE_KEYWORDS:
        return [Effect(SQL_WRITE, f"run {_words(text)}")]
    return [Effect(SQL_UNCHECKED, f"run {_words(text)}", why=_UNCHECKED)]


# --- whole scripts ---------------------------------------------------------------------------


def classify_script(
    text: str, syntax: Syntax, variables: frozenset[str] = frozenset()
) -> tuple[Effect, ...]:
    """Effects of running `text` in a client with `syntax`; empty when it only reads.

    `variables` are psql variables set on the command line (`-v NAME=…`).
    Agents repeat commands, so results for small scripts are cached.
    """
    if len(text) > MAX_SCRIPT_CHARS:
        return (Effect(SQL_UNCHECKED, "run a script too large for agentsh to check"),)
    if len(text) > CACHED_SCRIPT_CHARS:
        return _classify_script(text, syntax, variables)
    return _cached_classify_script(text, syntax, variables)


def _classify_script(text: str, syntax: Syntax, variables: frozenset[str]) -> tuple[Effect, ...]:
    pieces, ambiguous = _split(text, syntax)
    effects: list[Effect] = []
    if ambiguous:
        effects.append(
            Effect(SQL_UNCHECKED, "run SQL whose backslashes in quoted text agentsh cannot resolve")
        )
    effects.extend(_variable_effects(pieces, variables))
    for count, effect in enumerate(_piece_effects(pieces, syntax)):
        if effect not in effects:
            effects.append(effect)
        if len(effects) > MAX_EFFECTS or count > 4 * MAX_EFFECTS:
            effects[MAX_EFFECTS:] = [Effect(effect.rule, "run more statements like these")]
            break
    return tuple(effects)


_cached_classify_script = functools.lru_cache(maxsize=512)(_classify_script)


def _piece_effects(pieces: list[_Piece], syntax: Syntax) -> Iterator[Effect]:
    for piece in pieces:
        if isinstance(piece, _ClientCommand):
            yield from _client_command_effects(piece, syntax)
        elif isinstance(piece, _Statement):
            if syntax == "cql":
                yield from _classify_cql(piece.text)
            else:
                yield from _classify_statement(piece.text, _DIALECTS[syntax])


def _variable_effects(pieces: list[_Piece], variables: frozenset[str]) -> list[Effect]:
    """A bare `:name` of a variable the script or command line set is SQL agentsh cannot see."""
    defined = set(variables)
    any_name = False
    for piece in pieces:
        if isinstance(piece, _ClientCommand):
            if piece.name in _PSQL_DEFINES_VARIABLE and piece.args.split():
                words = piece.args.split()
                defined.add(words[-1] if piece.name == "prompt" else words[0])
            any_name = any_name or piece.name == "gset"
    used = [p.name for p in pieces if isinstance(p, _VariableUse)]
    hidden = [name for name in used if any_name or name in defined]
    if not hidden:
        return []
    shown = clean(hidden[0], 30)
    return [Effect(SQL_UNCHECKED, f"run SQL built from the psql variable :{shown}", why=_UNSEEN)]
