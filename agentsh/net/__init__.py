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
    from collections.abc import Callable

    from agentsh.net.namespace import Child
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
    proxy: bool
    """Serve the allowlist proxy (allowlist mode, or hosts granted to an approved command)."""
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    hosts: tuple[tuple[str, str], ...] = ()
    forwards: tuple[tuple[str, int], ...] = ()
    proxy_port: int = PROXY_PORT

    def listen_addresses(self) -> list[tuple[str, int]]:
        proxy = [(PROXY_HOST, self.proxy_port)] if self.proxy else []
        return proxy + list(self.forwards)

    def rules(self) -> HostRules:
        from agentsh.net.rules import HostRules

        return HostRules.build(self.allow, self.deny, dict(self.hosts))


class ForwardError(ValueError):
    pass


def parse_forward(text: str) -> tuple[str, int]:
    """`127.0.0.1:5432`, `localhost:3000` or `[::1]:8080` as (address, port)."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ForwardError(f"{text!r}: a forward needs a port, like 127.0.0.1:5432")
    if host == "localhost":
        host = "127.0.0.1"
    if host not in ("127.0.0.1", "::1"):
        raise ForwardError(
            f"{text!r}: only services on the host's loopback (127.0.0.1, ::1) can be forwarded"
        )
    return host, int(port)


def check_forward(value: object) -> str | None:
    try:
        parse_forward(str(value))
    except ForwardError as exc:
        return str(exc)
    return None


def plan(
    settings: NetworkSettings, grants: tuple[str, ...] = (), own_namespace: bool = False
) -> Plan | None:
    """What the invocation needs, or None for bwrap's own (`none`) or no namespace (`open`).

    `own_namespace` asks for a namespace of agentsh's even under `none`, with nothing
    served in it: one that a kept background job holds and later commands can join.
    """
    if settings.mode == "open":
        return None
    forwards = tuple(parse_forward(text) for text in settings.forward)
    if settings.mode == "none" and not grants and not forwards and not own_namespace:
        return None
    proxy = settings.mode == "allowlist" or bool(grants)
    allow = settings.allow if settings.mode == "allowlist" else ()
    port = PROXY_PORT
    while any(p == port for _, p in forwards):
        port += 1
    return Plan(proxy, (*allow, *grants), settings.deny, settings.hosts, forwards, port)


def environment(plan: Plan) -> dict[str, str]:
    """Variables that point the usual clients at the proxy (and past it for forwards)."""
    if not plan.proxy:
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
    """The proxy and forwards of one invocation, served from the sockets the namespace handed over.

    Nothing is imported or started for them until the first connection
    arrives: a command that never uses the network pays only for the namespace.
    """

    def __init__(
        self,
        plan: Plan,
        ask: Callable[[str, int], bool] | None,
        say: Callable[[str], None],
    ):
        import _thread

        self.plan = plan
        self.ask = ask
        self.say = say
        self.child: Child | None = None
        self.joining: int | None = None
        """A process whose network namespace to join instead of making one (see namespace.join)."""
        self.proxy: Proxy | None = None
        self._fds: list[int] = []
        self._wake = (-1, -1)
        self._lock = _thread.allocate_lock()
        self._stopped = False

    def launch(self, path: str, argv: list[str], env: dict[str, str], fds: list[int]) -> int:
        """Turn the namespace's child into bwrap; returns its pid once the sockets are served.

        The child is usually forked early by the supervisor (see `child`);
        otherwise (hosts granted after an approval) it is forked here.
        """
        if self.child is None:
            from agentsh.net.namespace import Child

            self.child = Child(self.plan.listen_addresses(), self.joining)
        child = self.child
        try:
            pid = child.exec(path, argv, env, fds)
        except OSError:
            child.listening()  # the child's own reason, when it died making the namespace
            raise
        try:
            self._start(child.listening())
        finally:
            child.close()
        return pid

    def _start(self, fds: list[int]) -> None:
        import _thread
        import os

        self._fds = fds
        self._wake = os.pipe()
        _thread.start_new_thread(self._serve_when_used, ())

    def _serve_when_used(self) -> None:
        import select

        try:
            select.select([*self._fds, self._wake[0]], [], [])
        except OSError:
            return
        with self._lock:
            if not self._stopped:
                self._serve()

    def _serve(self) -> None:
        import socket

        from agentsh.net.proxy import Proxy
        from agentsh.net.rules import HostRules

        self.proxy = Proxy(
            self.plan.rules() if self.plan.proxy else HostRules(), self.ask, self.say
        )
        listeners = iter([socket.socket(fileno=fd) for fd in self._fds])
        if self.plan.proxy:
            self.proxy.serve(next(listeners))
        for target, listener in zip(self.plan.forwards, listeners, strict=True):
            self.proxy.serve(listener, forward_to=target)

    def stop(self) -> list[dict[str, object]]:
        import os

        if self.child is not None:
            self.child.abandon()
        with self._lock:
            self._stopped = True
            proxy = self.proxy
            if proxy is None:
                for fd in self._fds:
                    os.close(fd)
                self._fds = []
        if self._wake[1] >= 0:
            os.write(self._wake[1], b"x")
        if proxy is None:
            return []
        return [connection.to_json() for connection in proxy.close()]
