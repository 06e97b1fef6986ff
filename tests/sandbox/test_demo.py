"""The README's demo is also a test: the incident, replayed through agentsh, must be stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.sandbox.servers import postgres_bin

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def test_the_incident_is_stopped_at_every_step() -> None:
    result = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "destructive requests the API received: 0" in result.stdout
    assert "data directory intact: yes" in result.stdout
    assert "NOT STOPPED" not in result.stdout
    if postgres_bin() is not None:
        assert "customer rows intact: yes (3 rows, same checksum)" in result.stdout
        assert "drop the customers table  [blocked by the policy" in result.stdout
