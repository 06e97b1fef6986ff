"""Script classification: which statements write, which cannot be checked, which only read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from agentsh.policy.sql import (
    CLIENT_COMMAND,
    SQL_SIDE_EFFECT,
    SQL_UNCHECKED,
    SQL_WRITE,
    classify_script,
    clean,
)

if TYPE_CHECKING:
    from agentsh.policy.sql import Syntax

READS: list[tuple[Syntax, str]] = [
    ("psql", "SELECT * FROM deleted_users LIMIT 5"),
    ("psql", "select count(*) from orders where status = 'deleted'"),
    ("psql", "EXPLAIN SELECT * FROM orders"),
    ("psql", "EXPLAIN (FORMAT JSON, COSTS) DELETE FROM orders"),
    ("psql", "EXPLAIN DELETE FROM orders"),
    ("psql", "SHOW search_path"),
    ("psql", "TABLE orders"),
    ("psql", "VALUES (1), (2)"),
    ("psql", "WITH recent AS (SELECT * FROM orders) SELECT * FROM recent"),
    ("psql", "SELECT 1 UNION SELECT 2"),
    ("psql", "BEGIN; SELECT 1; COMMIT;"),
    ("psql", "SET search_path TO app; SELECT 1"),
    ("psql", "SET ROLE readonly"),
    ("psql", "RESET ALL"),
    ("psql", "VACUUM ANALYZE orders"),
    ("psql", "ANALYZE orders"),
    ("psql", "SELECT * FROM orders FOR UPDATE"),
    ("psql", "SELECT x::int, y::text FROM t"),
    ("psql", "SELECT pg_size_pretty(pg_database_size('app'))"),
    ("psql", "SELECT version(), current_database(), now(), pg_catalog.now()"),
    ("psql", "SELECT jsonb_pretty(data), age(created_at) FROM events"),
    ("psql", "SELECT has_table_privilege('app', 'orders', 'SELECT')"),
    ("psql", "SELECT * FROM information_schema.tables"),
    ("psql", "COPY orders TO STDOUT WITH CSV HEADER"),
    ("psql", "COPY (SELECT * FROM orders) TO STDOUT"),
    ("psql", "-- DROP TABLE customers\nSELECT 1"),
    ("psql", "/* DELETE FROM t; */ SELECT 1"),
    ("psql", "/* nested /* */ DROP TABLE x; */ SELECT 1"),
    ("psql", "SELECT 'DROP TABLE x; DELETE FROM y'"),
    ("psql", "SELECT $$; DROP TABLE x; $$"),
    ("psql", "SELECT $tag$ $$; DROP TABLE x; $tag$"),
    ("psql", 'SELECT "drop;table" FROM t'),
    ("psql", "SELECT E'it\\'s; DROP TABLE x'"),
    ("psql", "SELECT * FROM t WHERE id = :id"),
    ("psql", "SELECT * FROM t WHERE name = :'name'"),
    ("psql", "\\dt"),
    ("psql", "\\d+ users"),
    ("psql", "\\l"),
    ("psql", "\\conninfo"),
    ("psql", "\\q"),
    ("psql", "\\x on\nSELECT 1;\n\\timing\n"),
    ("psql", "\\set ON_ERROR_STOP on\nSELECT 1;"),
    ("psql", "\\echo hello \\\\ SELECT 1;"),
    ("psql", "\\o out.txt\nSELECT 1;\n\\o"),
    ("psql", "SELECT 1 \\g out.txt"),
    ("psql", "SELECT 1 \\gx"),
    ("psql", "\\copy orders to 'orders.csv' csv header"),
    ("psql", "\\copy (SELECT * FROM orders) to orders.csv"),
    ("psql", "\\if :is_prod\n\\echo prod\n\\endif"),
    ("mysql", "SHOW TABLES"),
    ("mysql", "DESCRIBE users"),
    ("mysql", "EXPLAIN SELECT * FROM t"),
    ("mysql", "SELECT DATABASE(), VERSION(), NOW()"),
    ("mysql", "USE app; SELECT 1"),
    ("mysql", "use app\nSELECT 1;"),
    ("mysql", "SELECT * FROM t\\G"),
    ("mysql", "SET NAMES utf8mb4"),
    ("mysql", "SELECT 1 INTO @x"),
    ("mysql", "SELECT 1 # ; DROP TABLE x"),
    ("mysql", "SELECT 1 -- ; DROP TABLE x"),
    ("mysql", "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;"),
    ("mysql", "SELECT 'C:\\\\path'"),
    ("mysql", "status"),
    ("sqlite", ".tables"),
    ("sqlite", ".schema users"),
    ("sqlite", ".sc users"),
    ("sqlite", ".mode csv\n.headers on\nSELECT * FROM t;"),
    ("sqlite", ".dump"),
    ("sqlite", "PRAGMA table_info(users)"),
    ("sqlite", "PRAGMA foreign_keys = ON"),
    ("sqlite", "PRAGMA integrity_check"),
    ("sqlite", "SELECT count(*) FROM users"),
    ("sqlite", "EXPLAIN QUERY PLAN SELECT * FROM users"),
    ("sqlite", "SELECT [drop;table] FROM t"),
    ("sqlite", "SELECT my_udf(x) FROM t"),
    ("duckdb", "SELECT * FROM 'data.csv'"),
    ("duckdb", "FROM events LIMIT 5"),
    ("duckdb", "COPY (SELECT * FROM t) TO 'out.parquet'"),
    ("duckdb", "DESCRIBE t"),
    ("duckdb", "SUMMARIZE t"),
    ("clickhouse", "SELECT * FROM system.tables FORMAT JSON"),
    ("clickhouse", "SHOW TABLES"),
    ("clickhouse", "EXISTS TABLE t"),
    ("clickhouse", "SELECT count() FROM events SETTINGS max_threads = 2"),
    ("cql", "SELECT * FROM ks.users LIMIT 10"),
    ("cql", "DESCRIBE KEYSPACES; USE ks;"),
    ("cql", "COPY ks.users TO 'users.csv'"),
    ("cql", "SELECT * FROM t WHERE name = 'DROP; TABLE'"),
]

EFFECTS: list[tuple[Syntax, str, str, str]] = [
    # (syntax, script, rule of the first effect, words its action must contain)
    ("psql", "DROP TABLE customers", SQL_WRITE, "DROP TABLE customers"),
    ("psql", "delete from orders where 1=1", SQL_WRITE, "run delete from orders"),
    ("psql", "UPDATE accounts SET balance = 0", SQL_WRITE, "UPDATE accounts"),
    ("psql", "INSERT INTO audit (a) VALUES (1)", SQL_WRITE, "INSERT INTO audit"),
    ("psql", "TRUNCATE users CASCADE", SQL_WRITE, "run TRUNCATE users CASCADE"),
    ("psql", "ALTER TABLE users DROP COLUMN email", SQL_WRITE, "ALTER TABLE users"),
    ("psql", "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", SQL_WRITE, "MERGE"),
    ("psql", "WITH gone AS (DELETE FROM sessions RETURNING *) SELECT count(*) FROM gone",
     SQL_WRITE, "DELETE FROM sessions"),
    ("psql", "EXPLAIN ANALYZE DELETE FROM logs", SQL_WRITE, "DELETE FROM logs"),
    ("psql", "EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET x = 1", SQL_WRITE, "UPDATE t"),
    ("psql", "SELECT 1; DROP TABLE x", SQL_WRITE, "DROP TABLE x"),
    ("psql", "SELECT 1 -- comment\n; DELETE FROM t", SQL_WRITE, "DELETE FROM t"),
    ("psql", "SELECT 'a\\'; DROP TABLE x; --'", SQL_UNCHECKED, "backslashes"),
    ("psql", "COPY orders FROM '/tmp/orders.csv'", SQL_WRITE, "COPY orders FROM"),
    ("psql", "COPY orders TO PROGRAM 'rm -rf /'", SQL_SIDE_EFFECT, "PROGRAM"),
    ("psql", "SELECT * INTO archive FROM orders", SQL_WRITE, "INTO archive"),
    ("psql", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", SQL_SIDE_EFFECT,
     "pg_terminate_backend(), which ends another session"),
    ("psql", "SELECT pg_catalog.lo_unlink(42)", SQL_SIDE_EFFECT, "lo_unlink"),
    ("psql", "SELECT setval('orders_id_seq', 1)", SQL_SIDE_EFFECT, "setval"),
    ("psql", "SELECT * FROM dblink('prod', 'DELETE FROM t')", SQL_SIDE_EFFECT, "dblink"),
    ("psql", "SELECT cleanup_old_rows()", SQL_UNCHECKED, "cleanup_old_rows()"),
    ("psql", "SELECT cron.schedule('x', 'DELETE FROM y')", SQL_UNCHECKED, "cron.schedule()"),
    ("psql", "CALL refresh_all()", SQL_UNCHECKED, "CALL refresh_all"),
    ("psql", "DO $$ BEGIN DELETE FROM x; END $$", SQL_UNCHECKED, "DO"),
    ("psql", "VACUUM FULL orders", SQL_WRITE, "VACUUM FULL"),
    ("psql", "GRANT SELECT ON orders TO bob", SQL_WRITE, "GRANT SELECT ON orders"),
    ("psql", "REVOKE ALL ON orders FROM bob", SQL_WRITE, "REVOKE"),
    ("psql", "ALTER SYSTEM SET work_mem = '1GB'", SQL_WRITE, "ALTER SYSTEM"),
    ("psql", "CREATE ROLE admin SUPERUSER", SQL_WRITE, "CREATE ROLE"),
    ("psql", "REFRESH MATERIALIZED VIEW totals", SQL_WRITE, "REFRESH"),
    ("psql", "LOCK TABLE orders", SQL_WRITE, "LOCK"),
    ("psql", "PREPARE p AS DELETE FROM x; EXECUTE p", SQL_UNCHECKED, "EXECUTE p"),
    ("psql", "COPY t FROM STDIN;\n1\tDROP TABLE x;\n\\.\n", SQL_WRITE, "COPY t FROM STDIN"),
    ("psql", "garbage here", SQL_UNCHECKED, "garbage"),
    ("psql", "SELECT * FROM", SQL_UNCHECKED, "cannot parse"),
    ("psql", "\\set cmd 'DROP TABLE x'\n:cmd;", SQL_UNCHECKED, ":cmd"),
    ("psql", "SELECT 1 \\gset\nSELECT :anything;", SQL_UNCHECKED, ":anything"),
    ("psql", "\\! rm -rf /", CLIENT_COMMAND, "shell command rm -rf /"),
    ("psql", "\\i reset.sql", CLIENT_COMMAND, "reset.sql"),
    ("psql", "\\ir sub/reset.sql", CLIENT_COMMAND, "sub/reset.sql"),
    ("psql", "\\include_relative x.sql", CLIENT_COMMAND, "x.sql"),
    ("psql", "SELECT format('DROP TABLE %I', t) FROM x \\gexec", SQL_UNCHECKED, "\\gexec"),
    ("psql", "\\o |mail ops@example.com", CLIENT_COMMAND, "mail ops@example.com"),
    ("psql", "SELECT 1 \\g |sh", CLIENT_COMMAND, "sh"),
    ("psql", "\\copy orders from 'orders.csv' csv", SQL_WRITE, "orders"),
    ("psql", "\\copy orders to program 'gzip > o.gz'", CLIENT_COMMAND, "gzip"),
    ("psql", "\\copy (DELETE FROM t RETURNING *) to stdout", SQL_WRITE, "DELETE FROM t"),
    ("psql", "\\set x `rm -rf /`", CLIENT_COMMAND, "rm -rf /"),
    ("psql", "\\dt \\! rm -rf /", CLIENT_COMMAND, "rm -rf /"),
    ("psql", "\\e", CLIENT_COMMAND, "editor"),
    ("psql", "\\lo_import '/etc/passwd'", SQL_WRITE, "large object"),
    ("psql", "\\password bob", SQL_WRITE, "password of bob"),
    ("psql", "\\frobnicate", CLIENT_COMMAND, "does not know"),
    ("mysql", "DROP DATABASE shop", SQL_WRITE, "DROP DATABASE shop"),
    ("mysql", "DELETE FROM carts WHERE 1=1", SQL_WRITE, "DELETE FROM carts"),
    ("mysql", "REPLACE INTO t VALUES (1)", SQL_WRITE, "REPLACE INTO t"),
    ("mysql", "SET GLOBAL max_connections = 10", SQL_SIDE_EFFECT, "max_connections"),
    ("mysql", "SET @@GLOBAL.max_connections = 10", SQL_SIDE_EFFECT, "max_connections"),
    ("mysql", "SET PASSWORD FOR 'bob' = 'x'", SQL_SIDE_EFFECT, "PASSWORD"),
    ("mysql", "RESET MASTER", SQL_UNCHECKED, "RESET MASTER"),
    ("mysql", "FLUSH PRIVILEGES", SQL_UNCHECKED, "FLUSH"),
    ("mysql", "LOAD DATA INFILE 'x.csv' INTO TABLE t", SQL_WRITE, "LOAD DATA"),
    ("mysql", "EXPLAIN ANALYZE DELETE FROM x", SQL_WRITE, "DELETE FROM x"),
    ("mysql", "SELECT 1 /*! ; DROP TABLE x */", SQL_WRITE, "DROP TABLE x"),
    ("mysql", "SELECT 1 --; DROP TABLE x", SQL_WRITE, "DROP TABLE x"),
    ("mysql", "SELECT 'a\\'; DROP TABLE x; --'", SQL_UNCHECKED, "backslashes"),
    ("mysql", "SELECT purge_everything()", SQL_UNCHECKED, "purge_everything()"),
    ("mysql", "system rm -rf /", CLIENT_COMMAND, "rm -rf /"),
    ("mysql", "SELECT 1; \\! rm -rf /", CLIENT_COMMAND, "rm -rf /"),
    ("mysql", "source dump.sql", CLIENT_COMMAND, "dump.sql"),
    ("mysql", "\\. dump.sql", CLIENT_COMMAND, "dump.sql"),
    ("mysql", "pager rm -rf /", CLIENT_COMMAND, "rm -rf /"),
    ("mysql", "DELIMITER //\nCREATE PROCEDURE p() BEGIN DELETE FROM t; SELECT 1; END //\n",
     SQL_WRITE, "CREATE PROCEDURE"),
    ("sqlite", "DELETE FROM users", SQL_WRITE, "DELETE FROM users"),
    ("sqlite", ".shell rm -rf /", CLIENT_COMMAND, "rm -rf /"),
    ("sqlite", ".sh rm -rf /", CLIENT_COMMAND, "rm -rf /"),
    ("sqlite", "  .system ls", CLIENT_COMMAND, "ls"),
    ("sqlite", ".read x.sql", CLIENT_COMMAND, "x.sql"),
    ("sqlite", ".import data.csv users", SQL_WRITE, "users"),
    ("sqlite", ".output |sh", CLIENT_COMMAND, "program"),
    ("sqlite", ".once -x", CLIENT_COMMAND, "program"),
    ("sqlite", ".restore backup.db", CLIENT_COMMAND, "backup.db"),
    ("sqlite", ".open --new app.db", SQL_WRITE, "replace"),
    ("sqlite", ".load ./evil.so", CLIENT_COMMAND, "evil.so"),
    ("sqlite", "SELECT writefile('/home/dev/.bashrc', 'x')", SQL_SIDE_EFFECT, "writefile"),
    ("sqlite", "SELECT load_extension('evil')", SQL_SIDE_EFFECT, "load_extension"),
    ("sqlite", "ATTACH 'prod.db' AS prod", SQL_WRITE, "ATTACH"),
    ("sqlite", "PRAGMA journal_mode = WAL", SQL_WRITE, "journal_mode"),
    ("sqlite", "PRAGMA user_version(5)", SQL_WRITE, "user_version"),
    ("sqlite", "CREATE TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM y; END;", SQL_WRITE, "CREATE"),
    ("duckdb", "INSTALL httpfs", SQL_WRITE, "INSTALL"),
    ("duckdb", "LOAD httpfs", SQL_WRITE, "LOAD"),
    ("duckdb", "CREATE TABLE t AS SELECT * FROM 'x.csv'", SQL_WRITE, "CREATE TABLE t"),
    ("clickhouse", "ALTER TABLE events DELETE WHERE 1", SQL_WRITE, "ALTER TABLE events"),
    ("clickhouse", "SYSTEM DROP DNS CACHE", SQL_WRITE, "SYSTEM"),
    ("clickhouse", "OPTIMIZE TABLE t FINAL", SQL_WRITE, "OPTIMIZE"),
    ("clickhouse", "INSERT INTO FUNCTION file('x.csv') SELECT 1", SQL_WRITE, "INSERT"),
    ("clickhouse", "TRUNCATE TABLE events", SQL_WRITE, "TRUNCATE"),
    ("cql", "DROP KEYSPACE app", SQL_WRITE, "DROP KEYSPACE app"),
    ("cql", "TRUNCATE users", SQL_WRITE, "TRUNCATE users"),
    ("cql", "COPY ks.t FROM 'x.csv'", SQL_WRITE, "COPY"),
    ("cql", "SOURCE 'x.cql'", CLIENT_COMMAND, "x.cql"),
    ("cql", "BEGIN BATCH INSERT INTO t (a) VALUES (1); APPLY BATCH;", SQL_UNCHECKED, "BEGIN"),
]  # fmt: skip


@pytest.mark.parametrize(("syntax", "text"), READS)
def test_reads_have_no_effects(syntax: Syntax, text: str) -> None:
    assert classify_script(text, syntax) == ()


@pytest.mark.parametrize(("syntax", "text", "rule", "words"), EFFECTS)
def test_effects(syntax: Syntax, text: str, rule: str, words: str) -> None:
    effects = classify_script(text, syntax)
    assert effects, "expected an effect"
    assert effects[0].rule == rule, effects
    assert words in " ".join(f"{effect.action}, {effect.why}" for effect in effects), effects


def test_every_statement_is_checked_not_just_the_first() -> None:
    effects = classify_script("SELECT 1; DELETE FROM a; UPDATE b SET x = 1; DROP TABLE c", "psql")
    actions = [effect.action for effect in effects]
    assert actions == ["run DELETE FROM a", "run UPDATE b", "run DROP TABLE c"]


def test_many_writes_are_summarised() -> None:
    script = "".join(f"DELETE FROM t{n};\n" for n in range(40))
    effects = classify_script(script, "psql")
    assert len(effects) == 6
    assert effects[-1].action == "run more statements like these"


def test_copy_data_lines_are_not_read_as_sql() -> None:
    effects = classify_script("COPY t (a) FROM stdin;\nDROP TABLE x\n\\.\nSELECT 1;", "psql")
    assert [effect.action for effect in effects] == ["run COPY t FROM stdin"]


def test_command_line_variables_used_bare_are_unchecked() -> None:
    assert classify_script("SELECT * FROM t WHERE id = :id", "psql") == ()
    effects = classify_script("SELECT * FROM t WHERE id = :id", "psql", frozenset({"id"}))
    assert [effect.rule for effect in effects] == [SQL_UNCHECKED]


def test_shell_escapes_happen_where_the_client_runs() -> None:
    (effect,) = classify_script("\\! ls", "psql")
    assert not effect.on_database


def test_contained_marks_changes_to_the_connected_database_only() -> None:
    assert all(
        e.contained
        for e in classify_script("CREATE TABLE t (x int); INSERT INTO t VALUES (1)", "sqlite")
    )
    assert not any(e.contained for e in classify_script("ATTACH 'prod.db' AS p", "sqlite"))
    assert not any(e.contained for e in classify_script(".shell ls", "sqlite"))


def test_ambiguous_mysql_backslash_quoting_fails_closed() -> None:
    script = "SET sql_mode='NO_BACKSLASH_ESCAPES'; SELECT 'a\\'; DROP TABLE x; -- '"
    rules = {effect.rule for effect in classify_script(script, "mysql")}
    assert SQL_UNCHECKED in rules


def test_huge_scripts_are_not_parsed() -> None:
    (effect,) = classify_script("SELECT 1;\n" * 200_000, "psql")
    assert effect.rule == SQL_UNCHECKED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DROP TABLE x\n\x1b[2J", "DROP TABLE x [2J"),
        ("a" * 100, "a" * 59 + "…"),
        ("line\u2028break", "line break"),
    ],
)
def test_clean_makes_one_short_line(text: str, expected: str) -> None:
    assert clean(text) == expected
