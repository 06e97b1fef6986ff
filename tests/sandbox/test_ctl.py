"""agentshctl doctor and profile show, and both bwrap binaries agentsh can use."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import Workspace


def test_doctor_reports_a_working_sandbox(ws: Workspace) -> None:
    result = ws.ctl("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[  ok] sandbox:" in result.stdout
    assert "bwrap" in result.stdout


def test_doctor_fails_and_says_how_to_fix(ws: Workspace) -> None:
    ws.user_profile("sandbox:\n  bwrap: /nonexistent/bwrap\n")
    result = ws.ctl("doctor")
    assert result.returncode == 1
    assert "[FAIL] bwrap" in result.stdout
    assert "fix:" in result.stdout


def test_doctor_warns_about_an_open_network(ws: Workspace) -> None:
    ws.user_profile("network:\n  mode: open\n")
    assert "[warn] network" in ws.ctl("doctor").stdout


def test_profile_show_says_where_each_value_came_from(ws: Workspace) -> None:
    user = ws.user_profile("network:\n  mode: open\n")
    (ws.project / ".agentsh.yaml").write_text("env:\n  pass: [PROJECT_VAR]\n")
    untrusted = ws.ctl("profile", "show")
    assert "# ignored, untrusted" in untrusted.stdout
    assert "env.pass" in untrusted.stdout
    assert 'PROJECT_VAR"  #' not in untrusted.stdout
    assert ws.ctl("trust", "--yes").returncode == 0
    result = ws.ctl("profile", "show")
    assert result.returncode == 0, result.stderr
    assert f"mode: open  # {user}:2" in result.stdout
    assert f'- "PROJECT_VAR"  # {ws.project}/.agentsh.yaml:2' in result.stdout
    data = json.loads(ws.ctl("profile", "show", "--json").stdout)
    assert data["profile"]["network"]["mode"] == "open"
    assert data["sources"][-1] == str(ws.project / ".agentsh.yaml")


def test_profile_show_of_a_broken_profile_is_an_error(ws: Workspace) -> None:
    (ws.project / ".agentsh.yaml").write_text("nope: 1\n")
    result = ws.ctl("profile", "show")
    assert result.returncode != 0
    assert ".agentsh.yaml:1" in result.stderr


@pytest.mark.parametrize("choice", ["bundled", "system"])
def test_both_bwrap_binaries_sandbox_the_same(ws: Workspace, choice: str) -> None:
    if choice == "system" and not any(
        shutil.which("bwrap", path=folder) for folder in ("/usr/bin", "/bin", "/usr/local/bin")
    ):
        pytest.skip("no system bwrap installed (apt-get install bubblewrap)")
    ws.user_profile(f"sandbox:\n  bwrap: {choice}\n", policy_off=True)
    result = ws.run("-c", "cat .env; echo x | tee /etc/agentsh-probe || echo ro")
    assert result.stdout.startswith("hidden by agentsh")
    assert result.stdout.rstrip().endswith("ro")
    assert f"{choice} bwrap" in ws.ctl("doctor").stdout
