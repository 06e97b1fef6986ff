"""Properties: `decide` never raises, and no stack of wrappers hides a dangerous command."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from agentsh.policy.engine import decide
from agentsh.policy.model import Decision, Verdict
from tests.policy.helpers import CTX
from tests.policy.test_engine import REGISTRY

SHELL_ALPHABET = "abcrmx -_./~$(){}[]|&;<>'\"\\`\n\t*?=#!:%@,^0123456789"

any_text = st.one_of(
    st.text(),
    st.text(alphabet=SHELL_ALPHABET, max_size=80),
    st.binary(max_size=80).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    st.binary(max_size=80).map(lambda raw: raw.decode("latin-1")),
)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_decide_never_raises_with_the_real_families(line: str) -> None:
    verdict = decide(line, CTX)
    assert isinstance(verdict, Verdict)
    assert verdict.decision == max((f.decision for f in verdict.findings), default=Decision.ALLOW)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_decide_never_raises_with_the_fake_family(line: str) -> None:
    assert isinstance(decide(line, CTX, registry=REGISTRY), Verdict)


Wrapper = Callable[[str], str]


class Layer(NamedTuple):
    name: str
    wrap: Wrapper
    takes_argv: bool
    """Runs its operand as argv, so the operand must be one simple command."""
    gives_simple: bool


LAYERS = [
    Layer("sudo", lambda c: f"sudo {c}", True, True),
    Layer("sudo -u", lambda c: f"sudo -u root -- {c}", True, True),
    Layer("env", lambda c: f"env X=1 {c}", True, True),
    Layer("assignment", lambda c: f"X=1 {c}", True, True),
    Layer("timeout", lambda c: f"timeout 5 {c}", True, True),
    Layer("nohup", lambda c: f"nohup {c}", True, True),
    Layer("nice", lambda c: f"nice -n 5 {c}", True, True),
    Layer("time", lambda c: f"time {c}", True, True),
    Layer("command", lambda c: f"command {c}", True, True),
    Layer("exec", lambda c: f"exec {c}", True, True),
    Layer("xargs", lambda c: f"xargs {c}", True, True),
    Layer("docker exec", lambda c: f"docker exec c {c}", True, True),
    Layer("kubectl exec", lambda c: f"kubectl exec p -- {c}", True, True),
    Layer("bash -c", lambda c: f"bash -c {shlex.quote(c)}", False, True),
    Layer("sh -c", lambda c: f"sh -c {shlex.quote(c)}", False, True),
    Layer("eval", lambda c: f"eval {shlex.quote(c)}", False, True),
    Layer("ssh", lambda c: f"ssh host {shlex.quote(c)}", False, True),
    Layer("substitution", lambda c: f"echo $( {c} )", False, True),
    Layer("subshell", lambda c: f"( {c} )", False, False),
    Layer("group", lambda c: f"{{ {c}; }}", False, False),
    Layer("and", lambda c: f"true && {c}", False, False),
    Layer("pipe", lambda c: f"echo x | {c}", False, False),
]
DANGEROUS = ["danger x", "danger", "danger -rf /", "deadly now", "'dan'ger x", "\\danger x"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DANGEROUS), st.lists(st.sampled_from(LAYERS), max_size=6))
def test_no_stack_of_wrappers_hides_a_dangerous_command(base: str, layers: list[Layer]) -> None:
    line, simple = base, True
    names: list[str] = []
    for layer in layers:
        if layer.takes_argv and not simple:
            line, names = f"bash -c {shlex.quote(line)}", [*names, "bash -c"]
        line, simple, names = layer.wrap(line), layer.gives_simple, [*names, layer.name]
    verdict = decide(line, CTX, registry=REGISTRY)
    assert verdict.decision != Decision.ALLOW, f"{names}: {line!r} was allowed"
    if base.startswith("deadly"):
        assert verdict.decision == Decision.DENY, f"{names}: {line!r} lost its deny"
