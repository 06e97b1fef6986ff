"""The effective profile: one frozen, fully validated object."""

from __future__ import annotations

from agentsh.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from agentsh.profile.schema import Section


@record
class SandboxSettings:
    bwrap: str
    fallback: str
    writable: tuple[str, ...]
    protected: tuple[str, ...]
    home: str
    home_visible: tuple[str, ...]
    hidden_sockets: tuple[str, ...]
    background: str = "stop"
    other_projects: str = "hidden"


@record
class SecretSettings:
    hide: tuple[str, ...]
    reveal: tuple[str, ...]
    paths: tuple[str, ...]
    skip_dirs: tuple[str, ...]
    watch: bool


@record
class EnvSettings:
    pass_: tuple[str, ...]
    block: tuple[str, ...]
    set: tuple[tuple[str, str], ...]


@record
class NetworkSettings:
    mode: str
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    hosts: tuple[tuple[str, str], ...] = ()
    forward: tuple[str, ...] = ()
    sockets: tuple[str, ...] = ()
    ask: bool = True


@record
class ApprovalSettings:
    channels: tuple[str, ...]
    """Tried in order; empty means deny without asking."""
    timeout: int
    notify: bool


@record
class AuditSettings:
    max_bytes: int
    keep: int


@record
class RuleSettings:
    """A profile rule, as written: the policy engine turns it into its own ProfileRule."""

    match: tuple[tuple[str, ...], ...]
    decision: str
    reason: str
    target: str | None
    origin: str


@record
class Profile:
    sandbox: SandboxSettings
    secrets: SecretSettings
    env: EnvSettings
    network: NetworkSettings
    approval: ApprovalSettings
    audit: AuditSettings
    rules: tuple[RuleSettings, ...] = ()
    sources: tuple[str, ...] = ()
    """The files merged, base first."""
    digest: str = ""
    """Hash of the sources' contents: identifies this exact profile in the audit log."""
    ignored: tuple[str, ...] = ()
    """What untrusted project files tried to loosen, and was ignored (see profile.trust)."""
    values: Mapping[str, Any] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_merged(
        cls,
        values: Mapping[str, Any],
        origins: Mapping[str, str],
        sources: tuple[str, ...],
        digest: str,
        ignored: tuple[str, ...] = (),
    ) -> Profile:
        """Build from merged values that already carry every key (see `with_defaults`)."""
        full = values
        sandbox, secrets, env, network = (
            full["sandbox"],
            full["secrets"],
            full["env"],
            full["network"],
        )
        return cls(
            sandbox=SandboxSettings(
                bwrap=sandbox["bwrap"],
                fallback=sandbox["fallback"],
                writable=tuple(sandbox["writable"]),
                protected=tuple(sandbox["protected"]),
                home=sandbox["home"],
                home_visible=tuple(sandbox["home_visible"]),
                hidden_sockets=tuple(sandbox["hidden_sockets"]),
                background=sandbox["background"],
                other_projects=sandbox["other_projects"],
            ),
            secrets=SecretSettings(
                hide=tuple(secrets["hide"]),
                reveal=tuple(secrets["reveal"]),
                paths=tuple(secrets["paths"]),
                skip_dirs=tuple(secrets["skip_dirs"]),
                watch=secrets["watch"],
            ),
            env=EnvSettings(
                pass_=tuple(env["pass"]),
                block=tuple(env["block"]),
                set=tuple(sorted(env["set"].items())),
            ),
            network=NetworkSettings(
                mode=network["mode"],
                allow=tuple(network["allow"]),
                deny=tuple(network["deny"]),
                hosts=tuple(sorted(network["hosts"].items())),
                forward=tuple(network["forward"]),
                sockets=tuple(network["sockets"]),
                ask=network["ask"],
            ),
            approval=ApprovalSettings(
                channels=tuple(full["approval"]["channels"]),
                timeout=full["approval"]["timeout"],
                notify=full["approval"]["notify"],
            ),
            audit=AuditSettings(max_bytes=full["audit"]["max_bytes"], keep=full["audit"]["keep"]),
            rules=tuple(_rule(item, origins) for item in full["rules"]),
            sources=sources,
            digest=digest,
            ignored=ignored,
            values=full,
            origins=dict(origins),
        )


def _rule(item: Mapping[str, Any], origins: Mapping[str, str]) -> RuleSettings:
    match = tuple(
        tuple(position) if isinstance(position, list) else (position,) for position in item["match"]
    )
    return RuleSettings(
        match=match,
        decision=item["decision"],
        reason=item["reason"],
        target=item.get("target"),
        origin=origins.get(f"rules\0{item!r}", "a profile"),
    )


def with_defaults(values: Mapping[str, Any], spec: Section | None = None) -> dict[str, Any]:
    """`values` with every key of the schema present, defaults filled in."""
    from agentsh.profile.schema import SCHEMA, ListOf, MapOf, Scalar, Section, Value

    spec = spec or SCHEMA
    full: dict[str, Any] = {}
    for name, field_spec in spec.fields.items():
        if name == "extends":
            continue
        given = values.get(name)
        if isinstance(field_spec, Section):
            full[name] = with_defaults(given or {}, field_spec)
        elif isinstance(field_spec, ListOf):
            full[name] = list(given or [])
        elif isinstance(field_spec, MapOf):
            full[name] = dict(given or {})
        elif isinstance(field_spec, Scalar):
            full[name] = field_spec.default if given is None else given
        elif isinstance(field_spec, Value):
            default = field_spec.default
            full[name] = (
                (list(default) if isinstance(default, tuple) else default)
                if given is None
                else given
            )
    return full
