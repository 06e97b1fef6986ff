"""Which masks reach bwrap: none inside another masked directory."""

from __future__ import annotations

from pathlib import Path

from agentsh.sandbox.secrets import Hidden
from agentsh.supervisor import _effective_masks


def test_masks_inside_masked_directories_are_dropped_and_neighbours_kept(tmp_path: Path) -> None:
    for relative in ("a/b/x", "a/b c", "a/bb", "d"):
        (tmp_path / relative).mkdir(parents=True)
    for relative in ("a/b/x/.env", "a/b c/.env", "a/bb/.env"):
        (tmp_path / relative).write_text("secret")
    hidden = [
        Hidden(str(tmp_path / "a/b/x/.env"), False),
        Hidden(str(tmp_path / "a/b c/.env"), False),
        Hidden(str(tmp_path / "a/b"), True),
        Hidden(str(tmp_path / "a/bb/.env"), False),
        Hidden(str(tmp_path / "a/b/x"), True),
        Hidden(str(tmp_path / "d"), True, emptied=True),
        Hidden(str(tmp_path / "missing"), False),
    ]
    kept = _effective_masks(hidden, (str(tmp_path),), None)
    assert [str(Path(item.path).relative_to(tmp_path)) for item in kept] == [
        "a/b",
        "a/b c/.env",
        "a/bb/.env",
        "d",
    ]
    assert kept[-1].emptied


def test_what_a_mask_hides() -> None:
    secret_dir = Hidden("/home/u/.ssh", True)
    assert secret_dir.hides("/home/u/.ssh") and secret_dir.hides("/home/u/.ssh/id_rsa")
    assert not secret_dir.hides("/home/u/.sshrc")
    assert Hidden("/p/.env", False).hides("/p/.env") and not Hidden("/p/.env", False).hides("/p")
    level = Hidden("/srv", True, emptied=True, keep=(("/srv/app", ""), ("/srv/current", "app")))
    assert not level.hides("/srv") and not level.hides("/srv/app/src/main.py")
    assert not level.hides("/srv/current")
    assert level.hides("/srv/other/.env") and level.hides("/srv/current/x")
