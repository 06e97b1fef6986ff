"""Database clients and admin tools: what would change data, and on which database.

SQL clients (psql, mysql/mariadb, sqlite3, duckdb, clickhouse client, cqlsh)
collect the script text they would run — from -c/-e/--query, files, positional
SQL and standard input — and hand it to `sql.classify_script`. redis-cli and
mongosh commands are judged here, reads by allowlist so unknown commands fail
closed. Admin tools (dropdb, pg_restore --clean, mysqladmin drop …) have one
small rule each. A client with nothing to run and a terminal on stdin opens an
interactive session, which needs a human too.

Every message names the database the command reaches (`db.internal/prod`, or
"the database in $DATABASE_URL"), taken from options, URLs and PG*/MYSQL_HOST
assignments.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Callable, Iterable, Sequence

from agentsh.policy import lazyre, sql
from agentsh.policy.argv import ParsedArgs, parse
from agentsh.policy.model import Context, Finding, SimpleCommand, finding
from agentsh.policy.parse import resolve
from agentsh.records import field, record

FAMILY = "databases"


def _rule(name: str) -> str:
    return f"{FAMILY}.{name}"


# --- where a command connects ------------------------------------------------------------

_VARIABLE_WORD = lazyre.compile(r'^"?\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))"?$')
_URL = lazyre.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(?P<hosts>[^/?#]*)(?:/(?P<path>[^?#]*))?"
)
_CONNINFO = lazyre.compile(r"(\w+)\s*=\s*('(?:\\.|[^'\\])*'|\S*)")


@record
class _Target:
    host: str | None = None
    database: str | None = None
    variable: str | None = None
    """`$DATABASE_URL` when the connection is only known at run time."""

    @property
    def label(self) -> str | None:
        if self.variable:
            return self.variable
        parts = [sql.clean(p, 40) for p in (self.host, self.database) if p]
        return "/".join(parts) or None

    def phrase(self, default: str) -> str:
        if self.variable:
            return f"the database in {self.variable}"
        return self.label or default

    @property
    def grants(self) -> tuple[str, ...]:
        if self.variable:
            return (self.variable,)
        if self.host and not self.host.startswith("/") and "," not in self.host:
            return (self.host,)
        return ()

    def merged(self, other: _Target) -> _Target:
        return _Target(
            other.host or self.host,
            other.database or self.database,
            other.variable or self.variable,
        )


def _without_port(hosts: str) -> str:
    return ",".join(re.sub(r":\d+$", "", host) for host in hosts.split(",") if host) or ""


def _from_url(value: str) -> _Target | None:
    match = _URL.match(value)
    if match is None:
        return None
    return _Target(_without_port(match["hosts"]) or None, (match["path"] or "").strip("/") or None)


def _from_conninfo(value: str) -> _Target | None:
    """libpq's `host=… dbname=…` form."""
    pairs = {key.lower(): val.strip("'") for key, val in _CONNINFO.findall(value)}
    if not pairs:
        return None
    return _Target(pairs.get("host") or pairs.get("hostaddr"), pairs.get("dbname"))


def _env(cmd: SimpleCommand, *names: str) -> str | None:
    for key, value in reversed(cmd.env):
        if key in names:
            return value
    return None


# --- command words ------------------------------------------------------------------------


@record(frozen=False)
class _Words:
    """A command's parsed arguments, with what is static and what is not."""

    cmd: SimpleCommand
    parsed: ParsedArgs
    offset: int = 1
    """Index in argv of the first parsed word (2 for `clickhouse client`)."""
    problems: list[str] = field(default_factory=list)

    @property
    def positionals(self) -> tuple[str, ...]:
        return self.parsed.positionals

    def has(self, *names: str) -> bool:
        return self.parsed.has(*names)

    def last(self, *names: str) -> str | None:
        return self.parsed.last(*names)

    def values(self, *names: str) -> list[str]:
        return self.parsed.values(*names)

    def positional_is_dynamic(self, position: int) -> bool:
        return not self.cmd.is_static(self.parsed.positional_indexes[position] + self.offset)

    def value_is_dynamic(self, value: str) -> bool:
        """An option value is dynamic when a dynamic word ends with it (`-c "$SQL"`, `-c$SQL`)."""
        return bool(value) and any(
            self.cmd.argv[i].endswith(value) for i in self.cmd.dynamic if i < len(self.cmd.argv)
        )

    def target_word(self, value: str | None, *, dynamic: bool | None = None) -> _Target:
        """A host, database or URL word; a dynamic one must be a plain `$VARIABLE`."""
        if value is None:
            return _Target()
        if dynamic if dynamic is not None else self.value_is_dynamic(value):
            match = _VARIABLE_WORD.match(value)
            if match is None:
                self.problems.append(value)
                return _Target(variable=sql.clean(value, 40))
            return _Target(variable="$" + (match.group(1) or match.group(2)))
        return _from_url(value) or _Target(database=value)

    def host_word(self, value: str | None, *, dynamic: bool | None = None) -> _Target:
        target = self.target_word(value, dynamic=dynamic)
        if target.database and not target.host:
            return _Target(host=target.database)
        return target


def _read(
    cmd: SimpleCommand,
    words: Sequence[str],
    with_value: Iterable[str],
    offset: int = 1,
    *,
    flags: Iterable[str] = (),
    **options: bool,
) -> _Words:
    """Parse `words`; with `flags` given, long options may be abbreviated (getopt_long style)."""
    with_value = frozenset(with_value)
    if flags:
        words = _unabbreviated(words, {n for n in (*with_value, *flags) if n.startswith("--")})
    return _Words(cmd, parse(words, with_value, **options), offset)


def _unabbreviated(args: Sequence[str], known: set[str]) -> list[str]:
    """`--comm=X` is `--command=X` to psql: expand a unique prefix of a known long option."""
    out = list(args)
    for index, arg in enumerate(args):
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if name.startswith("--") and len(name) > 2 and name not in known:
            matches = [option for option in known if option.startswith(name)]
            if len(matches) == 1:
                out[index] = matches[0] + equals + value
    return out


# --- turning script effects into findings --------------------------------------------------


@record
class _Script:
    text: str | None
    origin: str = ""
    """Where the text comes from when not the command line: a file, standard input."""
    dynamic: str | None = None
    """The shell word or expansion that makes the text unknown."""
    path: str | None = None
    """The absolute path of a script file, which the caller may read for us."""


@record(frozen=False)
class _Client:
    """Everything a SQL client invocation would run, and where."""

    cmd: SimpleCommand
    name: str
    check: Callable[[str], Sequence[sql.Effect]]
    """What running a script's text would do."""
    target: _Target
    default_target: str
    scripts: list[_Script] = field(default_factory=list)
    reads_stdin: bool = True
    exits_at_once: bool = False
    """--version, --help, --list: nothing runs."""
    stays_interactive: bool = False
    """mongosh --shell: a prompt follows the scripts."""
    in_memory: bool = False
    problems: list[str] = field(default_factory=list)


def _stdin_script(cmd: SimpleCommand, ctx: Context) -> _Script | None:
    stdin = cmd.stdin
    if stdin.kind == "inherit":
        return None
    if stdin.kind == "file":
        text = stdin.text
        if text is None and stdin.source:
            path = resolve(ctx, stdin.source)
            text = ctx.files.get(path) if path else None
        return _Script(text, stdin.source or "standard input")
    source = {"pipe": "standard input", "heredoc": "a here-document", "herestring": "a here-string"}
    dynamic = "expansions the shell fills in at run time" if stdin.dynamic else None
    return _Script(stdin.text, source[stdin.kind], dynamic)


def _file_script(ctx: Context, path: str, dynamic: bool) -> _Script:
    if dynamic:
        return _Script(None, dynamic=path)
    absolute = resolve(ctx, path)
    return _Script(ctx.files.get(absolute) if absolute else None, path, path=absolute)


def _sql_check(
    syntax: sql.Syntax, variables: frozenset[str] = frozenset()
) -> Callable[[str], Sequence[sql.Effect]]:
    return lambda text: sql.classify_script(text, syntax, variables)


def _say(client: str, effect: sql.Effect, where: str, origin: str = "") -> str:
    place = f" on {where}" if effect.on_database else ""
    why = f", {effect.why}" if effect.why else ""
    return f"{client} would {effect.action}{place}{origin}{why}"


def _judge_client(client: _Client, ctx: Context) -> list[Finding]:
    cmd = client.cmd
    where = client.target.phrase(client.default_target)
    found: list[Finding] = []

    def report(rule: str, message: str) -> None:
        found.append(
            finding(
                _rule(rule), cmd, message, target=client.target.label, grants=client.target.grants
            )
        )

    for word in client.problems:
        report(
            "dynamic-args",
            f"{client.name} would run with `{sql.clean(word, 40)}`, which agentsh cannot see",
        )
    if cmd.extra_args_unknown:
        report(
            "dynamic-args",
            f"{client.name} would get more arguments at run time, which agentsh cannot see",
        )
    if client.exits_at_once:
        return found
    scripts = list(client.scripts)
    stdin = _stdin_script(cmd, ctx) if client.reads_stdin else None
    if stdin is not None:
        scripts.append(stdin)
    if (client.reads_stdin or client.stays_interactive) and cmd.stdin.kind == "inherit":
        report("interactive", f"{client.name} opens an interactive session on {where}")
    for script in scripts:
        origin = f" (from {sql.clean(script.origin, 50)})" if script.origin else ""
        if script.dynamic is not None:
            report(
                sql.SQL_UNCHECKED,
                f"{client.name} would run commands built from {sql.clean(script.dynamic, 50)}"
                f" on {where}{origin}, which agentsh cannot see",
            )
        if script.text is None:
            if script.dynamic is None:
                report(
                    "script-unread",
                    f"{client.name} would run commands from {sql.clean(script.origin, 50)} on"
                    f" {where}, which agentsh could not read",
                )
            continue
        effects = client.check(script.text)
        if client.in_memory and all(effect.contained for effect in effects):
            continue
        for effect in effects:
            report(effect.rule, _say(client.name, effect, where, origin))
    return found


# --- psql -----------------------------------------------------------------------------------

_PSQL_VALUES = sql.word_set(
    """c d f h L o p P R T U v F --command --dbname --file --host --log-file --output --port
    --pset --record-separator --table-attr --username --set --variable --field-separator"""
)
_PSQL_FLAGS = sql.word_set(
    """--echo-all --no-align --echo-errors --echo-queries --echo-hidden --html --list
    --no-readline --single-step --single-line --tuples-only --version --no-password --password
    --expanded --no-psqlrc --field-separator-zero --record-separator-zero --single-transaction
    --help --csv --quiet"""
)


def _psql(cmd: SimpleCommand, ctx: Context) -> _Client:
    words = _read(cmd, cmd.args, _PSQL_VALUES, flags=_PSQL_FLAGS)
    target = _Target(_env(cmd, "PGHOST", "PGHOSTADDR"), _env(cmd, "PGDATABASE"))
    option = words.last("d", "--dbname")
    if option is not None:
        target = target.merged(_pg_database(words, option, words.value_is_dynamic(option)))
    elif words.positionals:
        target = target.merged(
            _pg_database(words, words.positionals[0], words.positional_is_dynamic(0))
        )
    target = target.merged(words.host_word(words.last("h", "--host")))
    variables = frozenset(
        value.split("=", 1)[0] for value in words.values("v", "--set", "--variable")
    )
    client = _Client(
        cmd,
        "psql",
        _sql_check("psql", variables),
        target,
        "the default database",
        problems=words.problems,
    )
    _extra_positionals(words, client, keep=2)
    client.scripts = _psql_startup(cmd, ctx, words)
    for name, value in words.parsed.options:
        if name in ("c", "--command") and value is not None:
            client.scripts.append(_inline(words, value))
        elif name in ("f", "--file") and value is not None and value not in _STDIN_PATHS:
            client.scripts.append(_file_script(ctx, value, words.value_is_dynamic(value)))
    files = words.values("f", "--file")
    client.reads_stdin = (not words.has("c", "--command") and not files) or any(
        path in _STDIN_PATHS for path in files
    )
    client.exits_at_once = words.has("l", "--list", "V", "--version", "?", "--help")
    return client


_STDIN_PATHS = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_PLAIN_PAGER = lazyre.compile(
    r"^\s*(?:\S*/)?(?:cat|less|more|most|pspg|bat|head|tail)?(?:\s+-[\w-]+)*\s*$"
)


def _psql_startup(cmd: SimpleCommand, ctx: Context, words: _Words) -> list[_Script]:
    """What psql runs besides its scripts: a PSQLRC file, and output piped to a command."""
    scripts: list[_Script] = []
    rc_file = _env(cmd, "PSQLRC")
    if rc_file and not words.has("X", "--no-psqlrc"):
        scripts.append(_file_script(ctx, rc_file, "$" in rc_file))
    for output in words.values("o", "--output"):
        if output.startswith("|"):
            scripts.append(_Script("\\o " + output))
    pager = _env(cmd, "PSQL_PAGER", "PAGER")
    if pager is not None and not _PLAIN_PAGER.match(pager):
        scripts.append(_Script("\\o |" + pager))
    return scripts


def _pg_database(words: _Words, value: str, dynamic: bool) -> _Target:
    """A database word may also be a URI or libpq's `host=… dbname=…`."""
    if not dynamic and "=" in value and "://" not in value:
        return _from_conninfo(value) or _Target(database=value)
    return words.target_word(value, dynamic=dynamic)


def _inline(words: _Words, value: str) -> _Script:
    return _Script(None, dynamic=value) if words.value_is_dynamic(value) else _Script(value)


def _extra_positionals(words: _Words, client: _Client, keep: int) -> None:
    """Positionals past the ones a client uses are ignored by it, unless agentsh cannot see them."""
    for position in range(keep, len(words.positionals)):
        if words.positional_is_dynamic(position):
            client.problems.append(words.positionals[position])


# --- mysql / mariadb ------------------------------------------------------------------------

_MYSQL_VALUES = sql.word_set(
    """e D h P u S --execute --database --host --port --user --socket --protocol
    --default-character-set --defaults-file --defaults-extra-file --defaults-group-suffix
    --login-path --init-command --pager --tee --prompt --delimiter --ssl-ca --ssl-capath
    --ssl-cert --ssl-key --ssl-mode --ssl-cipher --ssl-crl --ssl-crlpath --tls-version
    --tls-ciphersuites --connect-timeout --max-allowed-packet --net-buffer-length --plugin-dir
    --default-auth --load-data-local-dir --character-sets-dir --server-public-key-path
    --histignore --bind-address --compression-algorithms --zstd-compression-level --select-limit
    --max-join-size --network-namespace --dns-srv-name --connect-expired-password"""
)


_MYSQL_FLAGS = sql.word_set(
    """--auto-rehash --skip-auto-rehash --auto-vertical-output --batch --binary-as-hex
    --binary-mode --column-names --skip-column-names --column-type-info --comments
    --skip-comments --compress --debug-check --debug-info --force --html --ignore-spaces
    --line-numbers --skip-line-numbers --local-infile --named-commands --no-auto-rehash --no-beep
    --no-defaults --one-database --print-defaults --quick --raw --reconnect --skip-reconnect
    --safe-updates --i-am-a-dummy --show-warnings --sigint-ignore --silent --syslog --table
    --unbuffered --verbose --version --vertical --xml --help --password --no-login-paths
    --skip-pager --ssl --skip-ssl --system-command --skip-system-command --no-tee
    --disable-named-commands --debug --delete --ignore --replace --lock-tables --low-priority
    --use-threads --fields-terminated-by --lines-terminated-by --columns --local"""
)


def _mysql_words(cmd: SimpleCommand, with_value: frozenset[str] = _MYSQL_VALUES) -> _Words:
    """`-pSECRET` carries its password attached; `-p` alone prompts and takes no value."""
    args = ["-p" if arg.startswith("-p") and not arg.startswith("--") else arg for arg in cmd.args]
    return _read(cmd, args, with_value, flags=_MYSQL_FLAGS)


_INIT_COMMAND = lazyre.compile(r"^\s*init[-_]command\s*=\s*(.*?)\s*$", re.MULTILINE | re.IGNORECASE)


def _mysql_option_files(ctx: Context, words: _Words) -> list[_Script]:
    """An option file's `init-command` is SQL the client runs on connecting."""
    scripts: list[_Script] = []
    for path in words.values("--defaults-file", "--defaults-extra-file"):
        read = _file_script(ctx, path, words.value_is_dynamic(path))
        if read.text is None:
            scripts.append(read)
        else:
            found = (value.strip("'\"") for value in _INIT_COMMAND.findall(read.text))
            scripts += [_Script(sql_text, path) for sql_text in found]
    return scripts


def _mysql(cmd: SimpleCommand, ctx: Context) -> _Client:
    words = _mysql_words(cmd)
    target = _Target(_env(cmd, "MYSQL_HOST"))
    database = words.last("D", "--database")
    positional = words.positionals[0] if words.positionals else None
    if database is None and positional is not None:
        target = target.merged(
            words.target_word(positional, dynamic=words.positional_is_dynamic(0))
        )
    else:
        target = target.merged(words.target_word(database))
    target = target.merged(words.host_word(words.last("h", "--host")))
    client = _Client(
        cmd,
        cmd.program,
        _sql_check("mysql"),
        target,
        "the default database",
        problems=words.problems,
    )
    _extra_positionals(words, client, keep=1)
    client.scripts = _mysql_option_files(ctx, words)
    client.scripts += [_inline(words, value) for value in words.values("--init-command")]
    client.scripts += [_inline(words, value) for value in words.values("e", "--execute")]
    client.reads_stdin = not words.has("e", "--execute")
    client.exits_at_once = words.has("V", "--version", "?", "I", "--help")
    return client


# --- sqlite3 / duckdb -----------------------------------------------------------------------

_SQLITE_VALUES = sql.word_set(
    """--cmd --init --separator --newline --nullvalue --vfs --maxsize --mmap --nonce --escape
    --c --s --f --storage-version"""
)
_SQLITE_TWO_VALUES = frozenset(
    {"-lookaside", "--lookaside", "-pagecache", "--pagecache", "-heap", "--heap"}
)


def _sqlite_args(args: Sequence[str]) -> list[str]:
    """`-lookaside SIZE N` takes two values; fold them into the option, keeping word positions."""
    out = list(args)
    for index, arg in enumerate(args):
        if arg in _SQLITE_TWO_VALUES and index + 2 < len(args):
            out[index : index + 3] = [f"{arg}={args[index + 1]}", f"{arg}={args[index + 2]}", arg]
    return out


def _embedded_file(syntax: sql.Syntax) -> Callable[[SimpleCommand, Context], _Client]:
    """sqlite3 and duckdb: `PROGRAM [OPTIONS] [FILE] [SQL …]`, options spelled `-name`."""

    def judge(cmd: SimpleCommand, ctx: Context) -> _Client:
        words = _read(cmd, _sqlite_args(cmd.args), _SQLITE_VALUES, long_prefix_single_dash=True)
        database = words.positionals[0] if words.positionals else None
        in_memory = database in (None, "", ":memory:") or bool(
            database and (database.startswith("file::memory:") or "mode=memory" in database)
        )
        target = _Target()
        if not in_memory:
            dynamic = words.positional_is_dynamic(0)
            target = (
                words.target_word(database, dynamic=True) if dynamic else _Target(database=database)
            )
        client = _Client(
            cmd,
            cmd.program,
            _sql_check(syntax),
            target,
            "an in-memory database",
            in_memory=in_memory,
            problems=words.problems,
        )
        for name, value in words.parsed.options:
            if name.startswith("--A"):
                client.scripts.append(_Script(".archive"))
            if value is None:
                continue
            if name in ("--init", "--f"):
                client.scripts.append(_file_script(ctx, value, words.value_is_dynamic(value)))
            elif name in ("--cmd", "--c", "--s"):
                client.scripts.append(_inline(words, value))
        sql_args = [
            _Script(None, dynamic=value)
            if words.positional_is_dynamic(position)
            else _Script(value)
            for position, value in enumerate(words.positionals)
            if position > 0
        ]
        client.scripts += sql_args
        client.reads_stdin = not sql_args and not words.has("--c", "--s", "--f")
        client.exits_at_once = words.has("--version", "--help")
        return client

    return judge


# --- clickhouse client ----------------------------------------------------------------------

_CLICKHOUSE_VALUES = sql.word_set(
    """h u q d f C --host --port --user --password --query --database --format --config-file
    --history_file --query_id --queries-file --log-level --server_logs_file --query_kind --stage
    --connection --jwt --ssh-key-file --ssh-key-passphrase --output-format --input-format"""
)
_CLICKHOUSE_FLAGS = sql.word_set(
    """--multiquery --multiline --time --vertical --secure --stacktrace --version --help
    --ask-password --no-warnings --echo --verbose --hardware-utilization --print-profile-events
    --disable_suggestion --suggestion_limit --highlight --progress"""
)


def _clickhouse_args(args: Sequence[str]) -> list[str]:
    """Any ClickHouse setting is an option (`--max_threads 4`): glue a lone value to it,
    keeping word positions."""
    out: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        following = args[index + 1] if index + 1 < len(args) else None
        if (
            arg.startswith("--")
            and "=" not in arg
            and arg not in _CLICKHOUSE_VALUES
            and arg not in _CLICKHOUSE_FLAGS
            and following is not None
            and not following.startswith("-")
            and not any(char.isspace() for char in following)
        ):
            out += [f"{arg}={following}", arg]
            index += 2
            continue
        out.append(arg)
        index += 1
    return out


def _clickhouse(cmd: SimpleCommand, ctx: Context) -> _Client | None:
    offset = 1
    args = list(cmd.args)
    if cmd.program == "clickhouse":
        if not args or args[0] != "client":
            return None
        offset, args = 2, args[1:]
    known = {name for name in _CLICKHOUSE_VALUES | _CLICKHOUSE_FLAGS if name.startswith("--")}
    words = _read(cmd, _clickhouse_args(_unabbreviated(args, known)), _CLICKHOUSE_VALUES, offset)
    target = words.target_word(words.last("d", "--database"))
    target = target.merged(words.host_word(words.last("h", "--host")))
    name = "clickhouse client" if offset == 2 else cmd.program
    client = _Client(
        cmd, name, _sql_check("clickhouse"), target, "the default server", problems=words.problems
    )
    client.scripts = [_inline(words, value) for value in words.values("q", "--query")]
    for value in words.values("--queries-file"):
        client.scripts.append(_file_script(ctx, value, words.value_is_dynamic(value)))
    for position, value in enumerate(words.positionals):
        dynamic = words.positional_is_dynamic(position)
        if value.startswith(("clickhouse://", "ch://")):
            client.target = client.target.merged(words.target_word(value, dynamic=dynamic))
        elif value.endswith(".sql"):
            client.scripts.append(_file_script(ctx, value, dynamic))
        else:
            client.scripts.append(_Script(None, dynamic=value) if dynamic else _Script(value))
    client.reads_stdin = not client.scripts
    client.exits_at_once = words.has("--version", "V", "--help")
    return client


# --- cqlsh ----------------------------------------------------------------------------------

_CQLSH_VALUES = sql.word_set(
    """e f k u p b --execute --file --keyspace --username --password --cqlshrc --cqlversion
    --protocol-version --encoding --connect-timeout --request-timeout --secure-connect-bundle
    --browser"""
)


_CQLSH_FLAGS = sql.word_set(
    """--color --no-color --ssl --no_compact --tty --debug --coverage --version --help
    --disable-history --no-file-io"""
)


def _cqlsh(cmd: SimpleCommand, ctx: Context) -> _Client:
    words = _read(cmd, cmd.args, _CQLSH_VALUES, flags=_CQLSH_FLAGS)
    host = words.positionals[0] if words.positionals else None
    target = _Target(database=words.last("k", "--keyspace"))
    if host is not None:
        target = target.merged(words.host_word(host, dynamic=words.positional_is_dynamic(0)))
    client = _Client(
        cmd, "cqlsh", _sql_check("cql"), target, "the default cluster", problems=words.problems
    )
    _extra_positionals(words, client, keep=2)
    client.scripts = [_inline(words, value) for value in words.values("e", "--execute")]
    for value in words.values("f", "--file"):
        client.scripts.append(_file_script(ctx, value, words.value_is_dynamic(value)))
    client.reads_stdin = not client.scripts
    client.exits_at_once = words.has("--version", "--help", "h")
    return client


# --- redis-cli ------------------------------------------------------------------------------

_REDIS_VALUES = sql.word_set(
    """h p s a u r i n d D t X --user --pass --cacert --cacertdir --cert --key --tls-ciphers
    --tls-ciphersuites --sni --rdb --functions-rdb --pipe-timeout --eval --pattern
    --quoted-pattern --count --intrinsic-latency --lru-test --memkeys-samples --keystats-samples
    --cursor --top --show-pushes --cluster"""
)
_REDIS_READS = sql.word_set(
    """GET MGET GETRANGE SUBSTR STRLEN EXISTS TYPE TTL PTTL EXPIRETIME PEXPIRETIME KEYS SCAN SSCAN
    HSCAN ZSCAN RANDOMKEY DBSIZE INFO PING ECHO TIME LASTSAVE ROLE HGET HMGET HGETALL HKEYS HVALS
    HLEN HEXISTS HSTRLEN HRANDFIELD HTTL HPTTL HEXPIRETIME HPEXPIRETIME LRANGE LLEN LINDEX LPOS
    SMEMBERS SISMEMBER SMISMEMBER SCARD SRANDMEMBER SINTER SUNION SDIFF SINTERCARD ZRANGE
    ZRANGEBYSCORE ZRANGEBYLEX ZREVRANGE ZREVRANGEBYSCORE ZREVRANGEBYLEX ZRANK ZREVRANK ZSCORE
    ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANDMEMBER ZINTER ZUNION ZDIFF ZINTERCARD XRANGE XREVRANGE XLEN
    XREAD XPENDING GEOPOS GEODIST GEOHASH GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH BITCOUNT
    BITPOS GETBIT BITFIELD_RO PFCOUNT DUMP TOUCH SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE
    PUNSUBSCRIBE SUNSUBSCRIBE MONITOR SELECT AUTH HELLO QUIT RESET READONLY READWRITE WAIT
    WAITAOF LOLWUT SORT_RO EVAL_RO EVALSHA_RO FCALL_RO MULTI EXEC DISCARD WATCH UNWATCH ASKING
    JSON.GET JSON.MGET JSON.TYPE JSON.STRLEN JSON.OBJKEYS JSON.OBJLEN JSON.ARRLEN JSON.ARRINDEX
    JSON.RESP FT.SEARCH FT.AGGREGATE FT.INFO FT._LIST FT.EXPLAIN FT.PROFILE FT.TAGVALS
    TS.GET TS.MGET TS.RANGE TS.REVRANGE TS.MRANGE TS.MREVRANGE TS.INFO TS.QUERYINDEX
    BF.EXISTS BF.MEXISTS BF.INFO CF.EXISTS CF.COUNT CF.INFO"""
)
_REDIS_READ_SUBCOMMANDS = {
    "CONFIG": {"GET", "HELP"},
    "CLIENT": {"LIST", "INFO", "GETNAME", "ID", "SETNAME", "SETINFO", "TRACKINGINFO", "GETREDIR", "HELP"},
    "CLUSTER": {"INFO", "NODES", "SLOTS", "SHARDS", "MYID", "MYSHARDID", "KEYSLOT", "COUNTKEYSINSLOT",
                "GETKEYSINSLOT", "LINKS", "REPLICAS", "SLAVES", "COUNT-FAILURE-REPORTS", "HELP"},
    "SLOWLOG": {"GET", "LEN", "HELP"},
    "LATENCY": {"LATEST", "HISTORY", "DOCTOR", "GRAPH", "HISTOGRAM", "HELP"},
    "ACL": {"WHOAMI", "LIST", "USERS", "GETUSER", "CAT", "LOG", "HELP", "GENPASS", "DRYRUN"},
    "MODULE": {"LIST", "HELP"},
    "FUNCTION": {"LIST", "STATS", "DUMP", "HELP"},
    "SCRIPT": {"EXISTS", "HELP"},
    "XINFO": {"STREAM", "GROUPS", "CONSUMERS", "HELP"},
    "OBJECT": {"ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP"},
    "MEMORY": {"USAGE", "STATS", "DOCTOR", "MALLOC-STATS", "HELP"},
    "PUBSUB": {"CHANNELS", "NUMSUB", "NUMPAT", "SHARDCHANNELS", "SHARDNUMSUB", "HELP"},
    "COMMAND": {"COUNT", "INFO", "DOCS", "LIST", "GETKEYS", "GETKEYSANDFLAGS", "HELP", ""},
}  # fmt: skip
_REDIS_WRITES = sql.word_set(
    """SET SETEX PSETEX SETNX SETRANGE GETSET GETDEL GETEX APPEND INCR INCRBY INCRBYFLOAT DECR
    DECRBY MSET MSETNX DEL UNLINK EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST RENAME RENAMENX MOVE
    COPY RESTORE MIGRATE FLUSHALL FLUSHDB SWAPDB HSET HSETNX HMSET HDEL HINCRBY HINCRBYFLOAT
    HEXPIRE HPEXPIRE HPERSIST HGETDEL HGETEX HSETEX LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP RPOPLPUSH
    LMOVE BLPOP BRPOP BLMOVE BRPOPLPUSH LMPOP BLMPOP LINSERT LREM LSET LTRIM SADD SREM SPOP SMOVE
    SINTERSTORE SUNIONSTORE SDIFFSTORE ZADD ZREM ZINCRBY ZPOPMIN ZPOPMAX BZPOPMIN BZPOPMAX ZMPOP
    BZMPOP ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX ZRANGESTORE ZINTERSTORE ZUNIONSTORE
    ZDIFFSTORE XADD XDEL XTRIM XGROUP XACK XCLAIM XAUTOCLAIM XREADGROUP XSETID GEOADD GEORADIUS
    GEORADIUSBYMEMBER GEOSEARCHSTORE PFADD PFMERGE SETBIT BITOP BITFIELD SORT EVAL EVALSHA FCALL
    SCRIPT FUNCTION CONFIG SHUTDOWN SAVE BGSAVE BGREWRITEAOF DEBUG REPLICAOF SLAVEOF FAILOVER
    CLUSTER CLIENT ACL MODULE SLOWLOG LATENCY MEMORY PUBLISH SPUBLISH"""
)
_REDIS_READ_MODES = ("--scan", "--bigkeys", "--memkeys", "--hotkeys", "--keystats", "--stat",
                     "--latency", "--latency-history", "--latency-dist", "--intrinsic-latency",
                     "--rdb", "--functions-rdb", "--replica", "--slave", "--version", "--help")  # fmt: skip


def _redis_target(words: _Words) -> _Target:
    uri = words.last("u")
    target = (
        words.target_word(uri)
        if uri and (words.value_is_dynamic(uri) or "://" in uri)
        else _Target()
    )
    target = target.merged(words.host_word(words.last("h")))
    number = words.last("n")
    if number is not None:
        target = target.merged(_Target(database=number))
    return target


def _redis_command_effect(command: Sequence[str]) -> sql.Effect | None:
    """What a redis command would do, unless it is a known read."""
    verb = command[0].upper()
    sub = command[1].upper() if len(command) > 1 else ""
    if verb in _REDIS_READ_SUBCOMMANDS:
        if sub in _REDIS_READ_SUBCOMMANDS[verb]:
            return None
        shown = f"{verb} {sub}".strip()
    else:
        if verb in _REDIS_READS or (verb == "SORT" and "STORE" not in {w.upper() for w in command}):
            return None
        shown = verb if len(command) < 2 else f"{verb} {command[1]}"
    if verb in _REDIS_WRITES:
        return sql.Effect("redis-write", f"run {sql.clean(shown, 50)}")
    return sql.Effect("redis-unchecked", f"run {sql.clean(shown, 50)}", why=_NOT_KNOWN)


_NOT_KNOWN = "a command agentsh does not know"
_REDIS_CLUSTER_READS = frozenset({"check", "info", "help", "backup"})


def _redis_lines(text: str) -> list[list[str]] | None:
    commands: list[list[str]] = []
    for line in text.splitlines():
        try:
            words = shlex.split(line, comments=False)
        except ValueError:
            return None
        if words:
            commands.append(words)
    return commands


def _redis(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """Commands come from the arguments, or one per line on stdin; --cluster and modes aside."""
    words = _read(cmd, cmd.args, _REDIS_VALUES, stop_at_first_positional=True)
    target = _redis_target(words)
    where = target.phrase("the default server")
    name = cmd.program
    found: list[Finding] = []

    def report(rule: str, message: str) -> None:
        found.append(finding(_rule(rule), cmd, message, target=target.label, grants=target.grants))

    for word in words.problems:
        report(
            "dynamic-args",
            f"{name} would run with `{sql.clean(word, 40)}`, which agentsh cannot see",
        )
    for option, action in (
        ("--eval", f"run the Lua script {sql.clean(words.last('--eval') or '', 50)}"),
        ("--pipe", "send raw commands from standard input"),
        ("--lru-test", "write test keys"),
    ):
        if words.has(option):
            report("redis-write", f"{name} would {action} on {where}")
    command = list(words.positionals)
    cluster = words.last("--cluster")
    if cluster is not None:
        if cluster.lower() == "call" and len(command) > 1:
            effect = _redis_command_effect(command[1:])
            if effect is not None:
                report(effect.rule, _say(name, effect, f"every node of {where}"))
        elif cluster.lower() not in _REDIS_CLUSTER_READS:
            report("redis-write", f"{name} would run cluster {sql.clean(cluster, 30)} on {where}")
        return found
    if command and words.positional_is_dynamic(0):
        shown = sql.clean(command[0], 40)
        report(
            "redis-unchecked", f"{name} would run `{shown}` on {where}, which agentsh cannot see"
        )
        return found
    commands = [command] if command else None
    if commands is None and not words.has(*_REDIS_READ_MODES, "--eval", "--pipe", "--lru-test"):
        stdin = _stdin_script(cmd, ctx)
        if cmd.extra_args_unknown:
            report(
                "dynamic-args",
                f"{name} would get its command at run time, which agentsh cannot see",
            )
        elif stdin is None:
            report("interactive", f"{name} opens an interactive session on {where}")
        elif stdin.text is None or stdin.dynamic is not None:
            report(
                "redis-unchecked",
                f"{name} would run commands from {stdin.origin} on {where}, which agentsh cannot see",
            )
        else:
            commands = _redis_lines(stdin.text)
            if commands is None:
                report(
                    "redis-unchecked",
                    f"{name} would run commands from {stdin.origin} on {where}, which agentsh cannot parse",
                )
    for each in commands or []:
        effect = _redis_command_effect(each)
        if effect is not None:
            report(effect.rule, _say(name, effect, where))
    return found


# --- mongosh / mongo ------------------------------------------------------------------------

_MONGO_VALUES = sql.word_set(
    """f u p --host --port --eval --file --username --password --authenticationDatabase
    --authenticationMechanism --gssapiServiceName --gssapiHostName --sspiHostnameCanonicalization
    --sspiRealmOverride --tlsCAFile --tlsCertificateKeyFile --tlsCertificateKeyFilePassword
    --tlsCRLFile --tlsCertificateSelector --tlsDisabledProtocols --apiVersion --awsAccessKeyId
    --awsSecretAccessKey --awsSessionToken --awsIamSessionToken --csfleLibraryPath
    --cryptSharedLibPath --keyVaultNamespace --kmsURL --oidcFlows --oidcRedirectUri --browser
    --sslCAFile --sslPEMKeyFile --sslPEMKeyPassword --sslCRLFile --sslDisabledProtocols"""
)
_MONGO_SHELL_HELPER = lazyre.compile(
    r"^[ \t]*(?:show[ \t]+\w+[^\n;]*|use[ \t]+[\w.-]+|it|exit|quit|help(?:[ \t]+\w+)?|cls)[ \t]*;?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
_JS_TOKEN = lazyre.compile(
    r"(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|(?P<string>'(?:[^'\\\n]|\\.)*'?|\"(?:[^\"\\\n]|\\.)*\"?)"
    r"|(?P<template>`(?:[^`\\]|\\.)*`?)",
    re.DOTALL,
)
_JS_MEMBER = lazyre.compile(r"\.\s*([A-Za-z_$][\w$]*)\s*(\()?")
_JS_CALL = lazyre.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(")
_JS_COMPUTED = lazyre.compile(r"(?<=[\w$)\]])\s*\[([^\[\]]*)\]\s*(\()?")
_JS_DANGEROUS = lazyre.compile(
    r"(?<![\w$])(require|process|eval|Function|load|import|globalThis|Reflect|constructor|"
    r"__proto__|prototype|child_process|setTimeout|setInterval|fetch|runProgram|run|"
    r"_runMongoProgram|startMongoProgram|removeFile|writeFile|appendFile|mkdir|cd|fs)(?![\w$])"
)
_MONGO_WRITES = sql.word_set(
    """drop dropDatabase dropIndex dropIndexes deleteOne deleteMany remove findOneAndDelete
    findOneAndUpdate findOneAndReplace findAndModify updateOne updateMany update replaceOne insert
    insertOne insertMany save bulkWrite initializeOrderedBulkOp initializeUnorderedBulkOp
    createIndex createIndexes ensureIndex createCollection createView renameCollection createUser dropUser dropAllUsers updateUser changeUserPassword grantRolesToUser
    revokeRolesFromUser createRole dropRole dropAllRoles updateRole grantPrivilegesToRole
    revokePrivilegesFromRole grantRolesToRole revokeRolesFromRole shutdownServer fsyncLock
    fsyncUnlock killOp setProfilingLevel setLogLevel mapReduce hideIndex unhideIndex
    convertToCapped compact reIndex repairDatabase cloneDatabase copyDatabase enableSharding
    shardCollection addShard removeShard stopBalancer startBalancer setBalancerState moveChunk
    splitAt splitFind stepDown reconfig add addArb freeze syncFrom createEncryptedCollection
    createSearchIndex createSearchIndexes dropSearchIndex updateSearchIndex
    configureQueryAnalyzer"""
)
_MONGO_READS = sql.word_set(
    """find findOne countDocuments estimatedDocumentCount count distinct aggregate
    getCollectionNames getCollectionInfos getCollection getSiblingDB getName getMongo getDBNames
    getDB getIndexes getIndexKeys getIndexSpecs stats dataSize storageSize totalSize
    totalIndexSize latencyStats explain limit skip sort project projection hint maxTimeMS
    batchSize collation comment readPref readConcern allowDiskUse min max returnKey
    showRecordId noCursorTimeout toArray pretty forEach map filter reduce hasNext next tryNext
    itcount size length isExhausted objsLeftInBatch close serverStatus serverBuildInfo version
    hostInfo isMaster hello currentOp status conf printReplicationInfo
    printSecondaryReplicationInfo getReplicationInfo printShardingStatus getProfilingStatus
    getProfilingLevel getUsers getUser getRoles getRole getLogComponents listCommands
    commandHelp help watch keys values entries stringify parse log toString toJSON valueOf join
    slice includes indexOf startsWith endsWith toLowerCase toUpperCase trim split concat getTime
    toISOString getTimestamp str tojson floor round ceil abs isArray from some every find
    getCollectionInfos listDatabases getSearchIndexes getShardDistribution isCapped
    getShardVersion printjson print"""
)
_MONGO_RUN_COMMAND = lazyre.compile(r"""\s*\(\s*(?:\{\s*)?["']?([A-Za-z_$][\w$]*)""")
_MONGO_READ_COMMANDS = sql.word_set(
    """listDatabases listCollections listIndexes ping serverStatus buildInfo buildinfo hello
    isMaster ismaster dbStats dbstats collStats collstats hostInfo getParameter
    connectionStatus currentOp top replSetGetStatus replSetGetConfig getCmdLineOpts getLog
    whatsmyuri count distinct find explain dataSize listCommands usersInfo rolesInfo
    getShardMap listShards balancerStatus lockInfo connPoolStats shardConnPoolStats
    getDefaultRWConcern"""
)
_JS_FUNCTIONS = sql.word_set(
    """print printjson printjsononeline tojson ObjectId ISODate Date NumberLong NumberInt
    NumberDecimal UUID BinData Timestamp MinKey MaxKey Number String Boolean Array Object JSON
    parseInt parseFloat isNaN sleep Mongo connect Code DBRef Decimal128 Long Int32 Double
    RegExp Math if for while switch catch function return typeof"""
)


def _mask_js(text: str) -> tuple[str, str | None]:
    """`text` with comments and string contents masked (positions kept), and a reason it cannot be checked."""
    out: list[str] = []
    last = 0
    problem = None
    for match in _JS_TOKEN.finditer(text):
        out.append(text[last : match.start()])
        token = match.group()
        if match.lastgroup == "comment":
            out.append(" " * len(token))
        elif match.lastgroup == "template" and "${" in token:
            problem = "a template string with code in it"
            out.append(token)
        else:
            out.append(
                token[0] + "_" * max(len(token) - 2, 0) + (token[-1] if len(token) > 1 else "")
            )
        last = match.end()
    out.append(text[last:])
    return "".join(out), problem


def _js_call_chain(text: str, end: int) -> str:
    """`db.getCollection('x').drop` from the end of `drop`: back over names, dots and (…)/[…]."""
    start, depth = end, 0
    while start > 0:
        char = text[start - 1]
        if char in ")]":
            depth += 1
        elif char in "([":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and not (char.isalnum() or char in "_$."):
            break
        start -= 1
    return sql.clean(text[start:end] + "()", 60)


@functools.lru_cache(maxsize=256)
def _classify_mongo(text: str) -> tuple[sql.Effect, ...]:
    """What MongoDB shell code would do beyond reading: known writes by name, anything else unchecked."""
    code = _MONGO_SHELL_HELPER.sub(lambda m: " " * len(m.group()), text)
    masked, problem = _mask_js(code)
    effects: list[sql.Effect] = []

    def write(action: str) -> None:
        effects.append(sql.Effect("mongo-write", action))

    def unchecked(action: str) -> None:
        effects.append(sql.Effect("mongo-unchecked", action, why="which agentsh cannot check"))

    if problem:
        unchecked(f"run JavaScript with {problem}")
    if "\\" in masked:
        unchecked("run JavaScript with escapes outside strings")
    if re.search(r"\$(?:out|merge)\b", code):
        write("run an aggregation that writes its results ($out/$merge)")
    dangerous = _JS_DANGEROUS.search(masked)
    if dangerous:
        unchecked(f"run JavaScript that uses {dangerous.group(1)}")
    for match in _JS_MEMBER.finditer(masked):
        name, called = match.group(1), match.group(2)
        if name in ("runCommand", "adminCommand"):
            command = _MONGO_RUN_COMMAND.match(code, match.end(1))
            if command is None or command.group(1) not in _MONGO_READ_COMMANDS:
                shown = command.group(1) if command else "a command"
                unchecked(f"run {_js_call_chain(code, match.end(1))[:-2]}({sql.clean(shown, 30)})")
        elif name in _MONGO_WRITES:
            write(f"run {_js_call_chain(code, match.end(1))}")
        elif called and name not in _MONGO_READS:
            unchecked(f"run {_js_call_chain(code, match.end(1))}")
    for match in _JS_COMPUTED.finditer(masked):
        inner = code[match.start(1) : match.end(1)].strip()
        literal = re.fullmatch(r"""(['"])([\w$]+)\1|\d+""", inner)
        if literal is None:
            unchecked(f"run JavaScript with a computed name [{sql.clean(inner, 30)}]")
        elif match.group(2) and literal.group(2) and literal.group(2) not in _MONGO_READS:
            method = sql.clean(literal.group(2), 30)
            (write if literal.group(2) in _MONGO_WRITES else unchecked)(f"run .{method}()")
    for match in _JS_CALL.finditer(masked):
        if match.group(1) not in _JS_FUNCTIONS:
            unchecked(f"call {sql.clean(match.group(1), 30)}()")
    return tuple(dict.fromkeys(effects))[: sql.MAX_EFFECTS]


def _mongo_words(cmd: SimpleCommand) -> _Words:
    """`-p`/`--password` prompt when no value follows."""
    args = list(cmd.args)
    for index, arg in enumerate(args):
        if arg in ("-p", "--password") and (index + 1 == len(args) or args[index + 1][:1] == "-"):
            args[index] = "--password-prompt"
    return _read(cmd, args, _MONGO_VALUES)


def _mongo(cmd: SimpleCommand, ctx: Context) -> _Client:
    words = _mongo_words(cmd)
    target = _Target()
    files: list[_Script] = []
    for position, value in enumerate(words.positionals):
        dynamic = words.positional_is_dynamic(position)
        if value.endswith((".js", ".mjs", ".cjs")):
            files.append(_file_script(ctx, value, dynamic))
        elif target == _Target():
            target = _mongo_address(words, value, dynamic)
        elif dynamic:
            words.problems.append(value)
    target = target.merged(_mongo_address(words, words.last("--host"), None))
    nodb = words.has("--nodb")
    client = _Client(
        cmd, cmd.program, _classify_mongo, _Target() if nodb else target,
        "no database" if nodb else "the default server", problems=words.problems,
    )  # fmt: skip
    client.scripts = [_inline(words, value) for value in words.values("--eval")]
    for value in words.values("f", "--file"):
        client.scripts.append(_file_script(ctx, value, words.value_is_dynamic(value)))
    client.scripts += files
    client.reads_stdin = not client.scripts
    client.stays_interactive = words.has("--shell")
    client.exits_at_once = words.has("--help", "h", "--version", "--build-info")
    return client


def _mongo_address(words: _Words, value: str | None, dynamic: bool | None) -> _Target:
    """`mongodb://host/db`, `host:port/db`, `rs0/host1,host2` or a bare database name."""
    if value is None:
        return _Target()
    target = words.target_word(value, dynamic=dynamic)
    if target.variable or "://" in value:
        return target
    host, slash, database = value.partition("/")
    if not slash:
        looks_like_host = dynamic is None or bool(re.search(r"[:.]", value))
        return _Target(host=_without_port(value)) if looks_like_host else _Target(database=value)
    if "," in database or ":" in database:
        return _Target(host=_without_port(database))
    return _Target(_without_port(host) or None, database or None)


# --- admin tools ----------------------------------------------------------------------------

_PG_ADMIN_FLAGS = sql.word_set(
    """--clean --create --data-only --exit-on-error --list --no-owner --schema-only
    --no-privileges --no-acl --single-transaction --disable-triggers --enable-row-security
    --if-exists --no-comments --no-data-for-failed-tables --no-publications --no-security-labels
    --no-subscriptions --no-table-access-method --no-tablespaces --strict-names
    --use-set-session-authorization --no-password --password --verbose --version --help --echo
    --force --interactive --superuser --no-superuser --createdb --no-createdb --createrole
    --no-createrole --inherit --no-inherit --login --no-login --replication --no-replication
    --bypassrls --no-bypassrls --pwprompt --full --freeze --analyze --analyze-only
    --analyze-in-stages --all --dry-run --skip-locked --disable-page-skipping --no-index-cleanup
    --no-process-toast --no-truncate --missing-stats-only --quiet --statistics-only --no-data
    --no-schema --no-statistics --with-data --with-schema --with-statistics"""
)
_PG_ADMIN_VALUES = sql.word_set(
    """h p U d f F j n N t T L I P S e --host --port --username --dbname --file --format --jobs
    --schema --exclude-schema --table --exclude-table --use-list --index --function --superuser
    --maintenance-db --role --section --trigger --exclude-table-data --filter
    --exclude-database --transaction-size"""
)


def _pg_target(cmd: SimpleCommand, words: _Words, database: str | None) -> _Target:
    target = _Target(_env(cmd, "PGHOST"), _env(cmd, "PGDATABASE"))
    if database is not None:
        conninfo = _from_conninfo(database) if "=" in database and "://" not in database else None
        target = target.merged(conninfo or words.target_word(database))
    return target.merged(words.host_word(words.last("h", "--host")))


_CREATEUSER_VALUES = _PG_ADMIN_VALUES | sql.word_set(
    "c --connection-limit g --role --member-of a --with-admin m --with-member --valid-until"
)
_PG_RESETWAL_VALUES = sql.word_set("D --pgdata c e l m o O u x --wal-segsize --char-signedness")
_MONGO_TOOL_VALUES = sql.word_set(
    """h u p d c --host --port --uri --db --collection --username --password
    --authenticationDatabase --nsInclude --nsExclude --nsFrom --nsTo --file --type --fields
    --fieldFile --mode --archive --dir --numParallelCollections --writeConcern --config"""
)
_MYSQLADMIN_VALUES = _MYSQL_VALUES | sql.word_set(
    "c --count i --sleep w --wait O --set-variable --shutdown-timeout"
)
_MYSQLADMIN_COMMANDS: dict[str, tuple[bool, bool]] = {
    # command: (harmful, takes an argument)
    "create": (False, True), "debug": (False, False), "extended-status": (False, False),
    "ping": (False, False), "processlist": (False, False), "status": (False, False),
    "variables": (False, False), "version": (False, False),
    "drop": (True, True), "kill": (True, True), "password": (True, True),
    "old-password": (True, True), "flush-hosts": (True, False), "flush-logs": (True, False),
    "flush-privileges": (True, False), "flush-status": (True, False),
    "flush-tables": (True, False), "flush-threads": (True, False), "refresh": (True, False),
    "reload": (True, False), "shutdown": (True, False), "start-replica": (True, False),
    "start-slave": (True, False), "stop-replica": (True, False), "stop-slave": (True, False),
}  # fmt: skip


def _report_admin(cmd: SimpleCommand, rule: str, message: str, target: _Target) -> list[Finding]:
    return [finding(_rule(rule), cmd, message, target=target.label, grants=target.grants)]


def _dropdb(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """dropdb and dropuser: the first positional is what they drop."""
    words = _read(cmd, cmd.args, _PG_ADMIN_VALUES, flags=_PG_ADMIN_FLAGS)
    if words.has("--help", "?", "V", "--version") or not words.positionals:
        return []
    name = words.positionals[0]
    target = _pg_target(cmd, words, None)
    where = target.phrase("the default server")
    shown = sql.clean(name, 40)
    if cmd.program == "dropuser":
        message = f"dropuser would drop the role {shown} on {where}"
        return _report_admin(cmd, "drop-role", message, target)
    message = f"dropdb would drop the database {shown} on {where}"
    return _report_admin(cmd, "drop-database", message, target.merged(_Target(database=name)))


def _createuser(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """Creating a role is everyday setup; creating a privileged one needs a human."""
    words = _read(cmd, cmd.args, _CREATEUSER_VALUES, flags=_PG_ADMIN_FLAGS)
    if not words.has("s", "--superuser", "r", "--createrole", "--replication", "--bypassrls"):
        return []
    target = _pg_target(cmd, words, None)
    role = sql.clean(words.positionals[0], 40) if words.positionals else "a role"
    where = target.phrase("the default server")
    message = f"createuser would create the privileged role {role} on {where}"
    return _report_admin(cmd, "create-role", message, target)


def _pg_restore(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """Without --dbname pg_restore only prints a script; with it, it writes into that database."""
    words = _read(cmd, cmd.args, _PG_ADMIN_VALUES, flags=_PG_ADMIN_FLAGS)
    database = words.last("d", "--dbname")
    if database is None or words.has("l", "--list", "--help", "?", "V", "--version"):
        return []
    target = _pg_target(cmd, words, database)
    archive = sql.clean(words.positionals[0], 40) if words.positionals else "standard input"
    how = ""
    if words.has("c", "--clean"):
        how = ", dropping existing objects first"
        if words.has("C", "--create"):
            how = ", dropping and recreating the database first"
    message = (
        f"pg_restore would restore {archive} into {target.phrase('the default database')}{how}"
    )
    return _report_admin(cmd, "restore", message, target)


def _pg_resetwal(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    words = _read(cmd, cmd.args, _PG_RESETWAL_VALUES, flags=_PG_ADMIN_FLAGS)
    if words.has("n", "--dry-run", "--help", "?", "V", "--version"):
        return []
    data = words.last("D", "--pgdata") or (words.positionals[0] if words.positionals else "$PGDATA")
    shown = sql.clean(data, 50)
    message = (
        f"{cmd.program} would reset the write-ahead log of {shown}, which can lose committed data"
    )
    return [finding(_rule("reset-wal"), cmd, message, target=shown)]


def _vacuumdb(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    words = _read(cmd, cmd.args, _PG_ADMIN_VALUES, flags=_PG_ADMIN_FLAGS)
    if not words.has("f", "--full"):
        return []
    database = words.last("d", "--dbname") or (words.positionals[0] if words.positionals else None)
    target = _pg_target(cmd, words, database)
    where = target.phrase("the default database")
    if words.has("a", "--all"):
        where = "every database on the server"
    message = f"vacuumdb would rewrite and lock tables (VACUUM FULL) on {where}"
    return _report_admin(cmd, "vacuum-full", message, target)


def _mysqladmin(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """Each positional is a command; mysqladmin accepts any unambiguous prefix (`proc`)."""
    words = _mysql_words(cmd, _MYSQLADMIN_VALUES)
    target = words.host_word(words.last("h", "--host")).merged(_Target(_env(cmd, "MYSQL_HOST")))
    where = target.phrase("the default server")
    found: list[Finding] = []
    positionals = list(words.positionals)
    position = 0
    while position < len(positionals):
        word, dynamic = positionals[position].lower(), words.positional_is_dynamic(position)
        position += 1
        names = [name for name in _MYSQLADMIN_COMMANDS if name.startswith(word)]
        if word in _MYSQLADMIN_COMMANDS:
            names = [word]
        takes_argument = any(_MYSQLADMIN_COMMANDS[name][1] for name in names)
        argument = positionals[position] if takes_argument and position < len(positionals) else ""
        position += takes_argument
        if names and not dynamic and not any(_MYSQLADMIN_COMMANDS[name][0] for name in names):
            continue
        shown = sql.clean(names[0] if len(names) == 1 else word, 30)
        if dynamic or not names:
            message = f"{cmd.program} would run `{shown}`, which agentsh cannot check"
            found += _report_admin(cmd, "admin-command", message, target)
        elif shown == "drop":
            dropped = target.merged(_Target(database=argument))
            message = f"{cmd.program} would drop the database {sql.clean(argument, 40)} on {where}"
            found += _report_admin(cmd, "drop-database", message, dropped)
        else:
            found += _report_admin(
                cmd, "admin-command", f"{cmd.program} would run {shown} on {where}", target
            )
    return found


def _bulk_loader(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    """mongorestore, mongoimport, mysqlimport: they all write into a database."""
    if cmd.program.startswith("mongo"):
        words = _read(cmd, cmd.args, _MONGO_TOOL_VALUES)
        if words.has("--dryRun", "--help", "--version"):
            return []
        target = words.target_word(words.last("--uri"))
        target = target.merged(words.host_word(words.last("h", "--host")))
        target = target.merged(_Target(database=words.last("d", "--db")))
        emptied = words.has("--drop")
    else:
        words = _mysql_words(cmd)
        if words.has("--help", "V", "--version", "?"):
            return []
        target = words.host_word(words.last("h", "--host"))
        if words.positionals:
            target = target.merged(words.target_word(words.positionals[0]))
        emptied = words.has("d", "--delete")
    how = ", emptying what it replaces first" if emptied else ""
    message = f"{cmd.program} would load data into {target.phrase('the default database')}{how}"
    return _report_admin(cmd, "restore", message, target)


_FULL_SCREEN: dict[str, sql.Syntax] = {"pgcli": "psql", "mycli": "mysql", "litecli": "sqlite"}
_FULL_SCREEN_VALUES = sql.word_set(
    """e --execute h --host p --port u U --user --username d D --dbname --database --prompt
    --auto-vertical-output --less-chatty"""
)


def _full_screen(cmd: SimpleCommand, ctx: Context) -> _Client:
    """pgcli, mycli, litecli: interactive clients; mycli and litecli also take -e SQL."""
    words = _read(cmd, cmd.args, _FULL_SCREEN_VALUES)
    database = words.last("d", "D", "--dbname", "--database")
    if database is None and words.positionals:
        database = words.positionals[0]
    target = words.target_word(database).merged(words.host_word(words.last("h", "--host")))
    check = _sql_check(_FULL_SCREEN[cmd.program])
    client = _Client(
        cmd, cmd.program, check, target, "the default database", problems=words.problems
    )
    if cmd.program != "pgcli":
        client.scripts = [_inline(words, value) for value in words.values("e", "--execute")]
    client.reads_stdin = not client.scripts
    client.exits_at_once = words.has("--help", "--version", "V", "l", "--list")
    return client


# --- registry -------------------------------------------------------------------------------

_CLIENTS: dict[str, Callable[[SimpleCommand, Context], _Client | None]] = {
    "psql": _psql,
    "mysql": _mysql,
    "mariadb": _mysql,
    "sqlite3": _embedded_file("sqlite"),
    "duckdb": _embedded_file("duckdb"),
    "clickhouse-client": _clickhouse,
    "clickhouse": _clickhouse,
    "cqlsh": _cqlsh,
    "mongosh": _mongo,
    "mongo": _mongo,
    "pgcli": _full_screen,
    "mycli": _full_screen,
    "litecli": _full_screen,
}
_TOOLS: dict[str, Callable[[SimpleCommand, Context], list[Finding]]] = {
    "redis-cli": _redis,
    "valkey-cli": _redis,
    "keydb-cli": _redis,
    "dropdb": _dropdb,
    "dropuser": _dropdb,
    "createuser": _createuser,
    "pg_restore": _pg_restore,
    "pg_resetwal": _pg_resetwal,
    "pg_resetxlog": _pg_resetwal,
    "vacuumdb": _vacuumdb,
    "mysqladmin": _mysqladmin,
    "mariadb-admin": _mysqladmin,
    "mongorestore": _bulk_loader,
    "mongoimport": _bulk_loader,
    "mysqlimport": _bulk_loader,
    "mariadb-import": _bulk_loader,
}

PROGRAMS: frozenset[str] = frozenset(_CLIENTS) | frozenset(_TOOLS)


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    build = _CLIENTS.get(cmd.program)
    if build is not None:
        client = build(cmd, ctx)
        return [] if client is None else _judge_client(client, ctx)
    judge = _TOOLS.get(cmd.program)
    return judge(cmd, ctx) if judge is not None else []


def wanted_files(cmd: SimpleCommand, ctx: Context) -> list[str]:
    """Script files a client would run whose text is not in `ctx.files` yet."""
    build = _CLIENTS.get(cmd.program)
    client = build(cmd, ctx) if build is not None and not cmd.remote else None
    if client is None:
        return []
    return [script.path for script in client.scripts if script.path and script.text is None]
