"""A real PostgreSQL database through agentsh: reads work, every kind of write waits for a human."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import Workspace
from tests.sandbox.servers import Postgres, postgres  # noqa: F401  (fixture)
from tests.sandbox.terminals import ApprovalConsole, start_agent


def _host_query(db: Postgres, sql: str) -> str:
    return subprocess.run(
        [
            str(db.bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(db.port),
            "-U",
            "agentsh",
            "-d",
            "shop",
            "-Atc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def shop(postgres: Postgres, ws: Workspace) -> Iterator[Postgres]:  # noqa: F811
    admin = [
        str(postgres.bin_dir / "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        str(postgres.port),
        "-U",
        "agentsh",
        "-d",
        "postgres",
        "-qc",
    ]
    subprocess.run([*admin, "DROP DATABASE IF EXISTS shop"], check=True, capture_output=True)
    subprocess.run([*admin, "CREATE DATABASE shop"], check=True, capture_output=True)
    _host_query(
        postgres,
        "CREATE TABLE customers (id serial PRIMARY KEY, name text); "
        "INSERT INTO customers (name) VALUES ('ada'), ('alan'), ('grace')",
    )
    ws.user_profile(f"network:\n  forward: ['127.0.0.1:{postgres.port}']\n")
    ws.env["PATH"] = f"{postgres.bin_dir}:{ws.env['PATH']}"
    yield postgres


def _rows(db: Postgres) -> str:
    return _host_query(db, "SELECT string_agg(id || name, ',' ORDER BY id) FROM customers")


def _psql(db: Postgres) -> str:
    return f"psql -h 127.0.0.1 -p {db.port} -U agentsh -d shop"


def test_reads_go_through(ws: Workspace, shop: Postgres) -> None:
    result = ws.run("-c", f"{_psql(shop)} -Atc 'SELECT count(*) FROM customers'")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"
    listing = ws.run("-c", f"{_psql(shop)} -c '\\dt'")
    assert listing.returncode == 0 and "customers" in listing.stdout


WRITES = [
    "-c 'DROP TABLE customers'",
    "-c 'DELETE FROM customers'",
    "-c \"UPDATE customers SET name = 'x'\"",
    "-c \"INSERT INTO customers (name) VALUES ('mallory')\"",
    "-c 'TRUNCATE customers'",
    "-c 'ALTER TABLE customers DROP COLUMN name'",
    "-c 'CREATE TABLE t (x int)'",
    "-c 'GRANT ALL ON customers TO PUBLIC'",
    "-c 'WITH gone AS (DELETE FROM customers RETURNING *) SELECT count(*) FROM gone'",
    "-c 'SELECT 1; DROP TABLE customers'",
    "<<'SQL'\nDELETE FROM customers;\nSQL",
    "-f wipe.sql",
    '-c "$STATEMENT"',
    "-c '\\! rm -rf .'",
    "",
]


@pytest.mark.parametrize("write", WRITES, ids=range(len(WRITES)))
def test_every_kind_of_write_is_held_and_the_rows_stay(
    ws: Workspace, shop: Postgres, write: str
) -> None:
    (ws.project / "wipe.sql").write_text("DELETE FROM customers;\n")
    before = _rows(shop)
    result = ws.run("-c", f"STATEMENT='DROP TABLE customers'; {_psql(shop)} {write}", input="")
    assert result.returncode == 126, (result.stdout, result.stderr)
    assert result.stderr.startswith("agentsh: blocked: ")
    assert _rows(shop) == before == "1ada,2alan,3grace"


def test_an_approved_write_goes_through(
    ws: Workspace, shop: Postgres, console: ApprovalConsole
) -> None:
    command = f"{_psql(shop)} -c \"INSERT INTO customers (name) VALUES ('barbara')\""
    agent = start_agent(ws, "-c", command)
    console.send(f"y {console.request_number(command)}")
    _, err = agent.communicate(timeout=60)
    assert agent.returncode == 0, err
    assert _rows(shop) == "1ada,2alan,3grace,4barbara"
