"""Fixtures for the sandbox tests that drive agentsh through terminals and the approval console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Workspace
from tests.sandbox.terminals import ApprovalConsole, Tmux


@pytest.fixture
def console(ws: Workspace) -> Iterator[ApprovalConsole]:
    running = ApprovalConsole(ws.env, ws.project)
    yield running
    running.stop()


@pytest.fixture
def tmux(ws: Workspace) -> Iterator[Tmux]:
    terminal = Tmux(ws.root, ws.env)
    yield terminal
    terminal.stop()
