"""Malformed profiles: a clear ProfileError naming the file, never a crash, never a silent default."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentsh import profile as profiles
from agentsh.errors import ProfileError
from agentsh.paths import Dirs

KEYS = [
    "sandbox",
    "secrets",
    "env",
    "network",
    "approval",
    "audit",
    "rules",
    "extends",
    "mode",
    "allow",
    "deny",
    "hosts",
    "forward",
    "writable",
    "hide",
    "reveal",
    "pass",
    "set",
    "channels",
    "timeout",
    "match",
    "decision",
    "reason",
    "bogus",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.sampled_from(KEYS),
    st.text(max_size=12),
    st.sampled_from(["allowlist", "none", "open", "*.x.com", "127.0.0.1:5432", "~/x", "/etc"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=10,
)
documents = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), values, max_size=4),
    values,
)


def _yaml(value: object) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=False, allow_unicode=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(documents.map(_yaml), st.text(max_size=200)))
def test_any_text_is_a_profile_or_a_clear_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        dirs = Dirs(
            home=str(root / "home"),
            config=str(root / "config"),
            state=str(root / "state"),
            runtime=str(root / "run"),
        )
        project = root / "project"
        project.mkdir()
        path = project / ".agentsh.yaml"
        path.write_text(text)
        try:
            loaded = profiles.load(profiles.discover(str(project), dirs), dirs)
        except ProfileError as error:
            assert error.message.startswith(f"profile error: {path}")
            assert "\n" not in error.message
            return
        path.unlink()
        base = profiles.load(profiles.discover(str(project), dirs), dirs)
        assert loaded.network == base.network or (
            loaded.network.mode == "none"
            and not (loaded.network.allow or loaded.network.hosts or loaded.network.forward)
            and not loaded.network.sockets
        ), "an untrusted project never opens the network"
        assert loaded.sandbox.writable == base.sandbox.writable
        assert loaded.sandbox.home_visible == base.sandbox.home_visible
        assert loaded.secrets.reveal == base.secrets.reveal
        assert set(loaded.secrets.hide) >= set(base.secrets.hide)
        assert loaded.env.pass_ == base.env.pass_ and loaded.env.set == base.env.set
        assert set(loaded.approval.channels) <= set(base.approval.channels)
        assert all(rule.decision != "allow" for rule in loaded.rules[len(base.rules) :])
