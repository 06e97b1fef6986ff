"""The sandbox's network: none, an allowlist proxy with forwards, or the host's own.

- `none` (default) and no forwards: bwrap's own empty network namespace.
- `none` with forwards, or `allowlist`: a namespace agentsh makes itself
  (`namespace.py`), where 127.0.0.1 holds only the proxy and the forwarded
  ports, all served from outside by `proxy.Proxy`.
- `open`: no network namespace; the command shares the host's network.

A command a human approved may be granted hosts by its rule; they are added
to that one invocation's allow list (and bring up the proxy under `none`).
"""

from __future__ import annotations

from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    from collections.abc import Callable

    from agentsh.net.proxy import Proxy
    from agentsh.net.rules import HostRules
    from agentsh.profile.model import NetworkSettings

PROXY_HOST = "127.0.0.1"
PROXY_PORT = 3128
SSH_CONNECT_PATH = "/tmp/.agentsh/ssh-connect"
"""Where, in the sandbox's private /tmp, the ProxyCommand script for git over ssh goes."""


def ssh_connect_script(port: int) -> str:
    """An ssh ProxyCommand that tunnels through the proxy with bash's /dev/tcp: no extra package."""
    return rf"""#!/bin/bash
# Written by agentsh: ssh's ProxyCommand, through the sandbox's proxy (CONNECT host:port).
exec 3<>/dev/tcp/{PROXY_HOST}/{port} || exit 1
printf 'CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n' "$1" "$2" "$1" "$2" >&3
IFS= read -r status <&3
case "$status" in
  *" 200 "*) ;;
  *) echo "agentsh proxy: ${{status%$'\r'}}" >&2; exit 1 ;;
esac
while IFS= read -r line <&3 && [ -n "${{line%$'\r'}}" ]; do :; done
cat <&3 &
exec cat >&3
"""


@record
class Plan:
    rules: HostRules | None
    """The proxy's rules; None when there is no proxy (forwards only)."""
    forwards: tuple[tuple[str, int], ...] = ()
    proxy_port: int = PROXY_PORT

    def listen_addresses(self) -> list[tuple[str, int]]:
        proxy = [(PROXY_HOST, self.proxy_port)] if self.rules is not None else []
        return proxy + list(self.forwards)


def parse_forward(text: str) -> tuple[str, int]:
    """`127.0.0.1:5432`, `localhost:3000` or `[::1]:8080` as (address, port)."""
    from agentsh.net.rules import EntryError, split_port

    host, port = split_port(text)
    if port is None:
        raise EntryError(f"{text!r}: a forward needs a port, like 127.0.0.1:5432")
    if host == "localhost":
        host = "127.0.0.1"
    if host not in ("127.0.0.1", "::1"):
        raise EntryError(
            f"{text!r}: only services on the host's loopback (127.0.0.1, ::1) can be forwarded"
        )
    return host, port


def check_forward(value: object) -> str | None:
    from agentsh.net.rules import EntryError

    try:
        parse_forward(str(value))
    except EntryError as exc:
        return str(exc)
    return None


def plan(settings: NetworkSettings, grants: tuple[str, ...] = ()) -> Plan | None:
    """What the invocation needs, or None for bwrap's own (`none`) or no namespace (`open`)."""
    if settings.mode == "open":
        return None
    forwards = tuple(parse_forward(text) for text in settings.forward)
    if settings.mode == "none" and not grants and not forwards:
        return None
    rules = None
    if settings.mode == "allowlist" or grants:
        from agentsh.net.rules import HostRules

        allow = settings.allow if settings.mode == "allowlist" else ()
        rules = HostRules.build((*allow, *grants), settings.deny, dict(settings.hosts))
    port = PROXY_PORT
    while any(p == port for _, p in forwards):
        port += 1
    return Plan(rules, forwards, port)


def environment(plan: Plan) -> dict[str, str]:
    """Variables that point the usual clients at the proxy (and past it for forwards)."""
    if plan.rules is None:
        return {}
    http = f"http://{PROXY_HOST}:{plan.proxy_port}"
    socks = f"socks5h://{PROXY_HOST}:{plan.proxy_port}"
    bypass = "localhost,127.0.0.1,::1"
    values = {
        "HTTP_PROXY": http,
        "HTTPS_PROXY": http,
        "ALL_PROXY": socks,
        "NO_PROXY": bypass,
        "npm_config_proxy": http,
        "npm_config_https_proxy": http,
        "NODE_USE_ENV_PROXY": "1",
        "GIT_SSH_COMMAND": f"ssh -o ProxyCommand='{SSH_CONNECT_PATH} %h %p'",
        "AGENTSH_PROXY": http,
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        values[name.lower()] = values[name]
    return values


class Session:
    """The proxy and forwards of one invocation, from the sockets the namespace handed over."""

    def __init__(
        self,
        plan: Plan,
        ask: Callable[[str, int], bool] | None,
        say: Callable[[str], None],
    ):
        from agentsh.net.proxy import Proxy
        from agentsh.net.rules import HostRules

        self.plan = plan
        self.proxy: Proxy = Proxy(plan.rules or HostRules(), ask, say)

    def addresses(self) -> list[tuple[str, int]]:
        return self.plan.listen_addresses()

    def start(self, sockets: list[socket.socket]) -> None:
        listening = iter(sockets)
        if self.plan.rules is not None:
            self.proxy.serve(next(listening))
        for target, listener in zip(self.plan.forwards, listening, strict=True):
            self.proxy.serve(listener, forward_to=target)

    def stop(self) -> list[dict[str, object]]:
        return [connection.to_json() for connection in self.proxy.close()]
