"""Infrastructure tools: Terraform family, Pulumi, kubectl family, Helm, Docker family.

These CLIs act on shared and usually production infrastructure, so the rules
hold for a human anything that changes real resources, a remote state file or a
cluster, opens a way into a cluster, or prints stored secrets. Reading,
planning, linting and building stay allowed. A verb this module does not know
(a newer release, a kubectl or helm plugin) is held too: these CLIs keep
growing write verbs, and a plugin can do anything.

Sections, in order: shared helpers; Terraform, OpenTofu, Terragrunt, CDKTF;
Pulumi; kubectl (oc, kubecolor, and kubectl inside k3s, microk8s, minikube);
Helm; Docker, Podman, nerdctl and Compose; the dispatch table.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection, Sequence

from agentsh.policy.argv import ParsedArgs, parse
from agentsh.policy.model import Context, Finding, SimpleCommand, finding
from agentsh.records import record

# ---------------------------------------------------------------- shared helpers


@record
class _Call:
    """One tool invocation: the tool's name in messages and the words after that name."""

    cmd: SimpleCommand
    ctx: Context
    tool: str
    words: tuple[str, ...]
    offset: int
    """argv index of `words[0]`, to ask `cmd` whether a word is static."""

    def is_dynamic(self, index: int) -> bool:
        return not self.cmd.is_static(self.offset + index)

    def sub(self, start: int, tool: str | None = None) -> _Call:
        """The call seen from `words[start]` on (a subcommand and its arguments)."""
        return _Call(self.cmd, self.ctx, tool or self.tool, self.words[start:], self.offset + start)

    def with_verb(self, verb: str) -> _Call:
        """The call with `verb` put in front of its words (Terragrunt's `apply-all`)."""
        return _Call(self.cmd, self.ctx, self.tool, (verb, *self.words), self.offset - 1)

    def confirm(self, rule: str, message: str, target: str | None = None) -> list[Finding]:
        return [finding(f"infra.{rule}", self.cmd, message, target=target)]


@record
class _Verb:
    """A verb with everything around it, as the per-verb rules see it."""

    call: _Call
    name: str
    opts: ParsedArgs
    rest: tuple[str, ...]
    """Positionals after the verb."""
    where: str = ""
    """What the verb acts on as a whole (a configuration, a stack, a namespace)."""

    def confirm(self, rule: str, action: str, target: str | None = None) -> list[Finding]:
        """`TOOL VERB would ACTION`, the shape of every message in this module."""
        return self.call.confirm(rule, f"{self.call.tool} {self.name} would {action}", target)

    def named(self, name: str, rest: tuple[str, ...]) -> _Verb:
        """The same verb seen as its subcommand (`state` -> `state rm`)."""
        return _Verb(self.call, name, self.opts, rest, self.where)


_Rule = Callable[[_Verb], list[Finding]]


def _find_verb(call: _Call, parsed: ParsedArgs) -> tuple[int | None, list[Finding]]:
    """Index of the verb (first positional) in `call.words`, or the findings when there is none.

    A bare tool prints its help, unless xargs appends the real arguments at run
    time; a verb that is only known at run time is held.
    """
    if not parsed.positional_indexes:
        if call.cmd.extra_args_unknown:
            return None, call.confirm(
                "dynamic-verb", f"{call.tool} would get its arguments at run time (from xargs)"
            )
        return None, []
    index = parsed.positional_indexes[0]
    if call.is_dynamic(index):
        return None, _runtime_verb(call)
    return index, []


def _runtime_verb(call: _Call) -> list[Finding]:
    return call.confirm(
        "dynamic-verb", f"{call.tool} would run a subcommand that is only known at run time"
    )


def _unknown_verb(call: _Call, verb: str = "") -> list[Finding]:
    """A verb this module does not know; `verb=""` when `call.tool` already names it."""
    command = f"{call.tool} {verb}".strip()
    return call.confirm(
        "unknown-verb",
        f"{command} is not a command agentsh knows (a plugin or newer verb?)",
        target=verb or command,
    )


def _words(text: str) -> frozenset[str]:
    """A set of verbs written as one string, for compact tables."""
    return frozenset(text.split())


def _listing(items: Sequence[str]) -> str:
    return ", ".join(items)


def _positionals(words: Sequence[str]) -> list[str]:
    """Words that are not options, where no option of interest takes a value."""
    return [w for w in words if not w.startswith("-")]


def _dry_run(opts: ParsedArgs) -> bool:
    """kubectl and helm `--dry-run[=client|server]`: nothing is changed."""
    return opts.has("--dry-run") and opts.last("--dry-run") != "none"


# ------------------------------------------------ Terraform, OpenTofu, Terragrunt

_TF_WITH_VALUE = frozenset(
    {
        "--chdir", "--var", "--var-file", "--target", "--replace", "--out", "--state",
        "--state-out", "--backup", "--lock-timeout", "--parallelism", "--backend-config",
        "--generate-config-out", "--plugin-dir", "--from-module", "--lockfile",
        "--test-directory", "--filter", "--config", "--provider", "--type", "--plan",
        # Terragrunt's own flags that take a value.
        "--terragrunt-working-dir", "--working-dir", "--terragrunt-config",
        "--terragrunt-log-level", "--log-level", "--log-format", "--terragrunt-include-dir",
        "--queue-include-dir", "--terragrunt-exclude-dir", "--queue-exclude-dir",
        "--terragrunt-download-dir", "--download-dir", "--terragrunt-source", "--source",
        "--terragrunt-iam-role", "--iam-assume-role", "--terragrunt-parallelism",
        "--terragrunt-tfpath", "--tf-path", "--feature", "--units-that-include",
        "--out-dir", "--json-out-dir", "--provider-cache-dir",
    }
)  # fmt: skip
_TF_HELP = ("--help", "--h")
_TF_READ = _words(
    "plan validate fmt version providers graph get login logout metadata modules query help"
)
_TF_STATE_READ = frozenset({"list", "show", "identities"})
_TF_WORKSPACE_READ = frozenset({"list", "show", "new", "select"})


def _terraform(call: _Call, scope: str | None = None) -> list[Finding]:
    """`terraform|tofu [-chdir=DIR] VERB ...`; `scope` replaces "this configuration"."""
    opts = parse(call.words, _TF_WITH_VALUE, long_prefix_single_dash=True)
    if opts.has(*_TF_HELP):
        return []
    index, found = _find_verb(call, opts)
    if index is None:
        return found
    name = call.words[index]
    chdir = opts.last("--chdir")
    where = scope or (f"the configuration in {chdir}" if chdir else "this configuration")
    verb = _Verb(call, name, opts, opts.positionals[1:], where)
    if name in _TF_VERBS:
        return _TF_VERBS[name](verb)
    return [] if name in _TF_READ else _unknown_verb(call, name)


def _tf_apply(verb: _Verb) -> list[Finding]:
    opts, rest = verb.opts, verb.rest
    if opts.has("--destroy"):
        return _tf_destroy(verb.named(f"{verb.name} -destroy", rest))
    if opts.has("--refresh-only"):
        return verb.confirm(
            "terraform-state",
            f"rewrite the state of {verb.where} to match real infrastructure (-refresh-only)",
        )
    if rest:
        return verb.confirm(
            "terraform-apply", f"apply the saved plan {rest[0]} to real infrastructure", rest[0]
        )
    targets = _listing(opts.values("--target"))
    if targets:
        return verb.confirm("terraform-apply", f"change {targets} in real infrastructure", targets)
    return verb.confirm(
        "terraform-apply", f"change real infrastructure ({verb.where})", opts.last("--chdir")
    )


def _tf_destroy(verb: _Verb) -> list[Finding]:
    targets = _listing(verb.opts.values("--target"))
    if targets:
        return verb.confirm("terraform-destroy", f"destroy {targets}", targets)
    return verb.confirm(
        "terraform-destroy", f"destroy every resource in {verb.where}", verb.opts.last("--chdir")
    )


def _tf_state_change(action: str) -> _Rule:
    """A verb that rewrites the (usually shared, remote) state; `action` may use {args}, {where}."""

    def rule(verb: _Verb) -> list[Finding]:
        args = _listing(verb.rest)
        text = action.format(args=args or "resources", where=verb.where)
        return verb.confirm("terraform-state", text, args or None)

    return rule


def _tf_reveals(action: str) -> _Rule:
    def rule(verb: _Verb) -> list[Finding]:
        return verb.confirm("terraform-secrets", action)

    return rule


_TF_STATE_SUBVERBS: dict[str, _Rule] = {
    "rm": _tf_state_change("remove {args} from the state, so Terraform no longer manages it"),
    "mv": _tf_state_change("move {args} in the state"),
    "push": _tf_state_change("overwrite the state of {where} with {args}"),
    "replace-provider": _tf_state_change("replace provider {args} throughout the state"),
    "pull": _tf_reveals("print the whole state, secret values included"),
}


def _tf_state(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] in _TF_STATE_READ:
        return []
    sub = verb.rest[0]
    rule = _TF_STATE_SUBVERBS.get(sub, _tf_state_change("change the state of {where}"))
    return rule(verb.named(f"{verb.name} {sub}", verb.rest[1:]))


def _tf_workspace(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] in _TF_WORKSPACE_READ:
        return []
    rule = _tf_state_change("delete workspace {args} and its state")
    return rule(verb.named(f"{verb.name} {verb.rest[0]}", verb.rest[1:]))


def _tf_import(verb: _Verb) -> list[Finding]:
    address, resource_id = (*verb.rest, "?", "?")[:2]
    return verb.confirm(
        "terraform-state",
        f"bind existing resource {resource_id} to {address} in the state of {verb.where}",
        address,
    )


def _tf_output(verb: _Verb) -> list[Finding]:
    if not verb.opts.has("--json", "--raw"):
        return []
    what = f"output {verb.rest[0]}" if verb.rest else "every output value"
    return verb.confirm(
        "terraform-secrets", f"print {what} in plain text, sensitive values included"
    )


def _tf_show(verb: _Verb) -> list[Finding]:
    if not verb.opts.has("--json"):
        return []
    return verb.confirm(
        "terraform-secrets", "print the state in plain text, sensitive values included"
    )


def _tf_init(verb: _Verb) -> list[Finding]:
    if not verb.opts.has("--migrate-state", "--force-copy"):
        return []
    return verb.confirm("terraform-state", f"copy the state of {verb.where} to a new backend")


def _tf_test(verb: _Verb) -> list[Finding]:
    return verb.confirm(
        "terraform-test",
        "create (then destroy) real infrastructure for every run block that applies",
    )


_TF_VERBS: dict[str, _Rule] = {
    "apply": _tf_apply,
    "destroy": _tf_destroy,
    "refresh": _tf_state_change("rewrite the state of {where} to match real infrastructure"),
    "import": _tf_import,
    "taint": _tf_state_change("mark {args} for replacement on the next apply"),
    "untaint": _tf_state_change("clear the replacement mark on {args}"),
    "force-unlock": _tf_state_change("remove state lock {args} (unsafe if a run holds it)"),
    "state": _tf_state,
    "workspace": _tf_workspace,
    "env": _tf_workspace,
    "output": _tf_output,
    "show": _tf_show,
    "console": _tf_reveals("evaluate expressions against the state, secret values included"),
    "test": _tf_test,
    "init": _tf_init,
}

_TERRAGRUNT_READ = _words(
    "hclfmt hcl render-json render graph-dependencies dag find list info terragrunt-info "
    "catalog scaffold validate-inputs output-module-groups aws-provider-patch help "
    "version stack backend"
)
_TERRAGRUNT_SHORTHANDS = {
    "apply-all": "apply",
    "destroy-all": "destroy",
    "plan-all": "plan",
    "output-all": "output",
    "validate-all": "validate",
}
_EVERY_MODULE = "every module under this directory"


def _terragrunt(call: _Call) -> list[Finding]:
    """Terragrunt passes verbs to Terraform; `run-all`/`run --all` apply them to every module."""
    opts = parse(call.words, _TF_WITH_VALUE, long_prefix_single_dash=True)
    if opts.has(*_TF_HELP):
        return []
    index, found = _find_verb(call, opts)
    if index is None:
        return found
    name, second = call.words[index], opts.positionals[1:2]
    if name == "run-all":
        return _terraform(call.sub(index + 1, f"{call.tool} run-all"), _EVERY_MODULE)
    if name in _TERRAGRUNT_SHORTHANDS:
        inner = call.sub(index + 1).with_verb(_TERRAGRUNT_SHORTHANDS[name])
        return _terraform(inner, _EVERY_MODULE)
    if name == "run" or (name == "stack" and second == ("run",)):
        start = index + 1 if name == "run" else opts.positional_indexes[1] + 1
        run_opts = parse(call.words[start:], _TF_WITH_VALUE, long_prefix_single_dash=True)
        every = name == "stack" or run_opts.has("--all", "--a")
        inner = call.sub(start, f"{call.tool} {name}")
        if "--" in inner.words:
            inner = inner.sub(inner.words.index("--") + 1)
        return _terraform(inner, _EVERY_MODULE if every else None)
    if name == "exec":
        command = " ".join(_positionals(call.words[index + 1 :])) or "a command"
        return call.confirm(
            "terraform-apply",
            f"{call.tool} exec would run {command} with the module's credentials",
        )
    if name == "backend" and second in (("delete",), ("migrate",)):
        return call.confirm(
            "terraform-state",
            f"{call.tool} backend {second[0]} would {second[0]} the remote state of this unit",
        )
    if name in _TERRAGRUNT_READ:
        return []
    return _terraform(call)


_CDKTF_VERBS: dict[str, tuple[str, str]] = {
    "deploy": ("terraform-apply", "change real infrastructure"),
    "apply": ("terraform-apply", "change real infrastructure"),
    "watch": ("terraform-apply", "keep deploying changes to real infrastructure"),
    "destroy": ("terraform-destroy", "destroy every resource"),
}
_CDKTF_READ = _words(
    "diff plan synth synthesize list ls get init convert output outputs debug provider "
    "login help completion"
)


def _cdktf(call: _Call) -> list[Finding]:
    opts = parse(call.words, {"a", "--app", "o", "--output"})
    if opts.has("h", "--help"):
        return []
    index, found = _find_verb(call, opts)
    if index is None:
        return found
    name = call.words[index]
    if name in _CDKTF_VERBS:
        rule, action = _CDKTF_VERBS[name]
        stacks = _listing(opts.positionals[1:])
        of = f" of stack {stacks}" if stacks else " of every stack"
        return _Verb(call, name, opts, ()).confirm(rule, action + of, stacks or None)
    return [] if name in _CDKTF_READ else _unknown_verb(call, name)


# ---------------------------------------------------------------------------- Pulumi

_PULUMI_WITH_VALUE = frozenset(
    {
        "C", "--cwd", "--color", "v", "--verbose", "--tracing", "--profiling",
        "--memprofilerate", "--otel-traces", "s", "--stack", "m", "--message", "t",
        "--target", "c", "--config", "--config-file", "p", "--parallel", "--replace",
        "x", "--exclude", "--policy-pack", "--policy-pack-config", "--secrets-provider",
        "--plan", "--save-plan", "--exec-kind", "--exec-agent", "--file", "o", "--out",
        "--from", "--provider", "--parent", "--attach-debugger",
    }
)  # fmt: skip
_PULUMI_READ = _words(
    "preview pre whoami version about logs login logout new convert gen-completion "
    "completion schema package plugin install console help org view-trace template config "
    "deployment"
)
_PULUMI_STACK_READ = frozenset(
    {"ls", "select", "init", "history", "graph", "tag", "unselect", "output", "export"}
)
_PULUMI_ENV_READ = frozenset({"ls", "get", "diff"})
_PULUMI_POLICY_WRITE = frozenset({"publish", "enable", "disable", "rm"})


def _pulumi(call: _Call) -> list[Finding]:
    opts = parse(call.words, _PULUMI_WITH_VALUE)
    if opts.has("h", "--help"):
        return []
    index, found = _find_verb(call, opts)
    if index is None:
        return found
    name, rest = call.words[index], opts.positionals[1:]
    stack = opts.last("s", "--stack")
    verb = _Verb(call, name, opts, rest, f"stack {stack}" if stack else "the selected stack")
    if opts.has("--show-secrets") and name != "env":
        label = verb.named(" ".join((name, *rest[:1])), rest[1:])
        found += label.confirm(
            "pulumi-secrets", f"print secret values of {verb.where} in plain text", stack
        )
    if name == "deployment" and rest[:1] == ("run",):
        deployment = verb.named("deployment run", rest[1:])
        return found + deployment.confirm("pulumi-up", f"start a deployment of {verb.where}", stack)
    if name in _PULUMI_VERBS:
        return found + _PULUMI_VERBS[name](verb)
    return found if name in _PULUMI_READ else _unknown_verb(call, name)


def _pulumi_up(verb: _Verb) -> list[Finding]:
    return verb.confirm(
        "pulumi-up", f"change the real resources of {verb.where}", verb.opts.last("s", "--stack")
    )


def _pulumi_destroy(verb: _Verb) -> list[Finding]:
    if verb.opts.has("--preview-only"):
        return []
    targets = _listing(verb.opts.values("t", "--target"))
    what = targets or f"every resource in {verb.where}"
    return verb.confirm("pulumi-destroy", f"destroy {what}", verb.opts.last("s", "--stack"))


def _pulumi_state_change(action: str) -> _Rule:
    """`action` may use {where} (the stack) and {args} (the verb's arguments)."""

    def rule(verb: _Verb) -> list[Finding]:
        if verb.opts.has("--preview-only"):
            return []
        text = action.format(where=verb.where, args=" ".join(verb.rest) or "(from a file)")
        return verb.confirm("pulumi-state", text, verb.opts.last("s", "--stack"))

    return rule


def _pulumi_stack(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] in _PULUMI_STACK_READ:
        return []
    sub, args = verb.rest[0], verb.rest[1:]
    stack = args[0] if args and sub == "rm" else verb.opts.last("s", "--stack")
    of_stack = f"stack {stack}" if stack else "the selected stack"
    actions = {
        "rm": ("pulumi-destroy", f"delete {of_stack} and its state"),
        "import": ("pulumi-state", f"replace the state of {of_stack}"),
        "rename": ("pulumi-state", f"rename {of_stack} to {_listing(args)}"),
        "change-secrets-provider": ("pulumi-state", f"re-encrypt the secrets of {of_stack}"),
    }
    if sub not in actions:
        return _unknown_verb(verb.call, f"stack {sub}")
    rule, action = actions[sub]
    return verb.named(f"stack {sub}", args).confirm(rule, action, stack)


def _pulumi_state(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] == "protect":
        return []
    sub, args = verb.rest[0], verb.rest[1:]
    detail = f" ({_listing(args)})" if args else ""
    return verb.named(f"state {sub}", args).confirm(
        "pulumi-state", f"change the state of {verb.where}{detail}", verb.opts.last("s", "--stack")
    )


def _pulumi_env(verb: _Verb) -> list[Finding]:
    """Pulumi ESC environments: shared configuration and secrets in Pulumi Cloud."""
    if not verb.rest:
        return []
    sub = verb.rest[0]
    name = verb.rest[1] if len(verb.rest) > 1 else None
    label = f"Pulumi ESC environment {name}" if name else "a Pulumi ESC environment"
    sub_verb = verb.named(f"env {sub}", verb.rest[1:])
    if sub in ("open", "run") or (sub in ("get", "diff") and verb.opts.has("--show-secrets")):
        return sub_verb.confirm("pulumi-secrets", f"reveal the secret values of {label}", name)
    if sub in _PULUMI_ENV_READ:
        return []
    return sub_verb.confirm("pulumi-cloud-write", f"change {label}", name)


def _pulumi_policy(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] not in _PULUMI_POLICY_WRITE:
        return []
    return verb.named(f"policy {verb.rest[0]}", verb.rest[1:]).confirm(
        "pulumi-cloud-write", "change the organization's policy packs"
    )


_PULUMI_VERBS: dict[str, _Rule] = {
    "up": _pulumi_up,
    "update": _pulumi_up,
    "watch": _pulumi_up,
    "destroy": _pulumi_destroy,
    "down": _pulumi_destroy,
    "dn": _pulumi_destroy,
    "refresh": _pulumi_state_change("rewrite the state of {where} to match the cloud"),
    "import": _pulumi_state_change("add existing resource {args} to {where}"),
    "cancel": _pulumi_state_change(
        "cancel the running update of {where}, leaving resources half-changed"
    ),
    "stack": _pulumi_stack,
    "state": _pulumi_state,
    "env": _pulumi_env,
    "policy": _pulumi_policy,
}


# --------------------------------------------------------------------------- kubectl

_KUBECTL_WITH_VALUE = frozenset(
    {
        "n", "s", "o", "f", "l", "c", "k", "p", "L", "e", "v",
        "--namespace", "--context", "--kubeconfig", "--server", "--cluster", "--user",
        "--token", "--as", "--as-group", "--as-uid", "--certificate-authority",
        "--client-certificate", "--client-key", "--request-timeout", "--tls-server-name",
        "--cache-dir", "--log-file", "--log-dir", "--v", "--vmodule", "--username",
        "--password", "--profile", "--profile-output", "--output", "--filename",
        "--selector", "--field-selector", "--container", "--kustomize", "--patch",
        "--patch-file", "--type", "--replicas", "--current-replicas", "--resource-version",
        "--timeout", "--grace-period", "--image", "--env", "--port", "--overrides",
        "--labels", "--sort-by", "--template", "--label-columns", "--chunk-size",
        "--subresource", "--since", "--since-time", "--tail", "--limit-bytes",
        "--pod-running-timeout", "--for", "--min", "--max", "--cpu-percent",
        "--to-revision", "--revision", "--field-manager", "--prune-allowlist",
        "--from-file", "--from-literal", "--from-env-file", "--address", "--serviceaccount",
        "--restart", "--image-pull-policy", "--target", "--copy-to", "--raw",
        "--docker-server", "--docker-username", "--docker-password", "--docker-email",
        "--cert", "--key", "--name", "--protocol", "--target-port", "--external-ip",
        "--session-affinity", "--cluster-ip", "--load-balancer-ip",
    }
)  # fmt: skip
_KUBECTL_READ = _words(
    "get describe logs top explain version api-resources api-versions cluster-info diff wait "
    "events completion options help kustomize plugin"
    # OpenShift.
    " status projects whoami process login logout"
)
_KUBECTL_WRITE_ACTIONS = {
    "apply": "apply {what} to the cluster",
    "create": "create {what}",
    "replace": "replace {what}",
    "patch": "patch {what}",
    "edit": "edit {what}",
    "label": "change the labels of {what}",
    "annotate": "change the annotations of {what}",
    "expose": "expose {what} as a new service",
    "autoscale": "set up autoscaling for {what}",
    "taint": "taint {what}",
    # OpenShift.
    "new-project": "create project {what}",
    "new-app": "create an application from {what}",
    "new-build": "create a build from {what}",
    "start-build": "start a build of {what}",
    "cancel-build": "cancel build {what}",
    "import-image": "import image {what}",
    "tag": "tag image {what}",
    "idle": "scale {what} down to zero",
    "secrets": "change secrets {what}",
}
_KUBECTL_ROLLOUT_ACTIONS = {
    "restart": "restart {what}",
    "undo": "roll back {what}",
    "pause": "pause the rollout of {what}",
    "resume": "resume the rollout of {what}",
}
_KUBECTL_NODE_ACTIONS = {
    "drain": "evict every pod from node {what}",
    "cordon": "stop scheduling pods on node {what}",
    "uncordon": "allow scheduling pods on node {what} again",
}
_KUBECTL_CONFIG_READ = frozenset(
    {"view", "get-contexts", "current-context", "get-clusters", "get-users"}
)
_SECRET_SAFE_OUTPUTS = frozenset({"wide", "name"})
_SHELLS = frozenset({"sh", "bash", "zsh", "ash", "dash", "fish", "ksh", "csh", "tcsh"})
_NAMESPACE_KINDS = frozenset({"namespace", "namespaces", "ns", "project", "projects"})


@record
class _Objects:
    """The Kubernetes objects a verb acts on, as the confirm prompt names them."""

    description: str
    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


def _k8s_objects(opts: ParsedArgs, words: Sequence[str]) -> _Objects:
    files = opts.values("f", "--filename") + opts.values("k", "--kustomize")
    if files:
        files = ["stdin" if f == "-" else f for f in files]
        return _Objects(f"the resources in {_listing(files)}", names=tuple(files))
    words = [w for w in words if "=" not in w and not w.endswith("-") and ":" not in w]
    if not words:
        return _Objects("resources")
    if any("/" in w for w in words):
        kinds = tuple(w.split("/", 1)[0].lower() for w in words)
        return _Objects(_listing(words), kinds, tuple(words))
    kind, names = words[0], tuple(words[1:])
    kinds = tuple(kind.lower().split(","))
    selector = opts.last("l", "--selector") or opts.last("--field-selector")
    if names:
        return _Objects(f"{kind} {_listing(names)}", kinds, names)
    if selector:
        return _Objects(f"the {kind} matching {selector}", kinds)
    return _Objects(f"every {kind}", kinds)


def _k8s_scope(opts: ParsedArgs, kinds: Collection[str] = ()) -> str:
    """Where a kubectl command acts: ` in namespace prod (context prod-eu)`."""
    text = ""
    namespace = opts.last("n", "--namespace")
    if opts.has("A", "--all-namespaces"):
        text = " in every namespace"
    elif namespace and not _NAMESPACE_KINDS.intersection(kinds):
        text = f" in namespace {namespace}"
    cluster = opts.last("--context", "--cluster", "s", "--server")
    kubeconfig = opts.last("--kubeconfig")
    if cluster:
        text += f" (context {cluster})"
    elif kubeconfig:
        text += f" (kubeconfig {kubeconfig})"
    return text


def _k8s_target(opts: ParsedArgs, objects: _Objects) -> str | None:
    """The named objects, else the namespace."""
    return _listing(objects.names) or opts.last("n", "--namespace")


def _kubectl(call: _Call) -> list[Finding]:
    head = call.words[: call.words.index("--")] if "--" in call.words else call.words
    opts = parse(head, _KUBECTL_WITH_VALUE)
    if opts.has("h", "--help"):
        return []
    index, found = _find_verb(call, opts)
    if index is None:
        return found
    name = call.words[index]
    verb = _Verb(call, name, opts, opts.positionals[1:])
    if name in _KUBECTL_VERBS:
        return _KUBECTL_VERBS[name](verb)
    if name in _KUBECTL_WRITE_ACTIONS:
        return _kubectl_write(verb)
    return [] if name in _KUBECTL_READ else _unknown_verb(call, name)


def _kubectl_delete(verb: _Verb) -> list[Finding]:
    if _dry_run(verb.opts):
        return []
    objects = _k8s_objects(verb.opts, verb.rest)
    if _NAMESPACE_KINDS.intersection(objects.kinds):
        target = _listing(objects.names) or None
    else:
        target = verb.opts.last("n", "--namespace") or _listing(objects.names) or None
    scope = _k8s_scope(verb.opts, objects.kinds)
    return verb.confirm("kubectl-delete", f"delete {objects.description}{scope}", target)


def _kubectl_write(verb: _Verb) -> list[Finding]:
    if _dry_run(verb.opts) or verb.rest[:1] == ("view-last-applied",):
        return []
    if verb.name == "create" and verb.rest[:1] == ("token",):
        account = _listing(verb.rest[1:]) or "?"
        return verb.named("create token", verb.rest[1:]).confirm(
            "kubectl-secrets",
            f"mint a credential for service account {account}{_k8s_scope(verb.opts)}",
            account,
        )
    objects = _k8s_objects(verb.opts, verb.rest)
    action = _KUBECTL_WRITE_ACTIONS[verb.name].format(what=objects.description)
    scope = _k8s_scope(verb.opts, objects.kinds)
    return verb.confirm("kubectl-write", action + scope, _k8s_target(verb.opts, objects))


def _kubectl_set(verb: _Verb) -> list[Finding]:
    if _dry_run(verb.opts) or not verb.rest:
        return []
    sub, args = verb.rest[0], verb.rest[1:]
    objects = _k8s_objects(verb.opts, args)
    return verb.named(f"set {sub}", args).confirm(
        "kubectl-write",
        f"change the {sub} of {objects.description}{_k8s_scope(verb.opts, objects.kinds)}",
        _k8s_target(verb.opts, objects),
    )


def _kubectl_scale(verb: _Verb) -> list[Finding]:
    if _dry_run(verb.opts):
        return []
    objects = _k8s_objects(verb.opts, verb.rest)
    replicas = verb.opts.last("--replicas")
    to = f" to {replicas} replicas" if replicas else ""
    stopping = " (stopping it)" if replicas == "0" else ""
    scope = _k8s_scope(verb.opts, objects.kinds)
    return verb.confirm(
        "kubectl-scale",
        f"scale {objects.description}{to}{stopping}{scope}",
        _k8s_target(verb.opts, objects),
    )


def _kubectl_rollout(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] in ("status", "history"):
        return []
    sub, args = verb.rest[0], verb.rest[1:]
    if sub not in _KUBECTL_ROLLOUT_ACTIONS:
        return _unknown_verb(verb.call, f"rollout {sub}")
    objects = _k8s_objects(verb.opts, args)
    action = _KUBECTL_ROLLOUT_ACTIONS[sub].format(what=objects.description)
    return verb.named(f"rollout {sub}", args).confirm(
        "kubectl-rollout",
        action + _k8s_scope(verb.opts, objects.kinds),
        _k8s_target(verb.opts, objects),
    )


def _kubectl_node(verb: _Verb) -> list[Finding]:
    if _dry_run(verb.opts):
        return []
    selector = verb.opts.last("l", "--selector")
    nodes = _listing(verb.rest) or (f"matching {selector}" if selector else "?")
    action = _KUBECTL_NODE_ACTIONS[verb.name].format(what=nodes)
    return verb.confirm("kubectl-node", action + _k8s_scope(verb.opts), _listing(verb.rest))


def _kubectl_exec(verb: _Verb) -> list[Finding]:
    """`kubectl exec POD -- CMD`: the engine judges CMD.

    A shell without `-c` reads its commands from a terminal, stdin or a script
    inside the pod, none of which agentsh can see, so it is held here.
    """
    words = verb.call.words
    inner = words[words.index("--") + 1 :] if "--" in words else verb.rest[1:]
    pod = verb.rest[0] if verb.rest else verb.opts.last("p") or "a pod"
    if inner:
        program = inner[0].rsplit("/", 1)[-1]
        has_command = any(a.startswith("-") and "c" in a.lstrip("-") for a in inner[1:])
        if program not in _SHELLS or has_command:
            return []
    return verb.confirm(
        "kubectl-exec",
        f"open a shell in pod {pod} running commands agentsh cannot see{_k8s_scope(verb.opts)}",
        pod,
    )


def _kubectl_session(action: str) -> _Rule:
    """Verbs that start something inside the cluster: attach, run, debug, rsh."""

    def rule(verb: _Verb) -> list[Finding]:
        if _dry_run(verb.opts):
            return []
        name = verb.rest[0] if verb.rest else "a pod"
        image = verb.opts.last("--image")
        with_image = f" (image {image})" if image else ""
        text = action.format(name=name) + with_image + _k8s_scope(verb.opts)
        return verb.confirm("kubectl-exec", text, name)

    return rule


def _kubectl_copy(verb: _Verb) -> list[Finding]:
    """`kubectl cp SRC DST` and `oc rsync`: only copying *into* a pod changes the cluster."""
    if len(verb.rest) < 2 or ":" not in verb.rest[-1]:
        return []
    pod = verb.rest[-1].split(":", 1)[0]
    sources = _listing(verb.rest[:-1])
    return verb.confirm(
        "kubectl-exec", f"copy {sources} into pod {pod}{_k8s_scope(verb.opts)}", pod
    )


def _kubectl_port_forward(verb: _Verb) -> list[Finding]:
    target = verb.rest[0] if verb.rest else "a pod"
    ports = f" ({_listing(verb.rest[1:])})" if verb.rest[1:] else ""
    return verb.confirm(
        "kubectl-tunnel",
        f"open a local tunnel into {target}{ports}{_k8s_scope(verb.opts)}",
        target,
    )


def _kubectl_proxy(verb: _Verb) -> list[Finding]:
    return verb.confirm(
        "kubectl-tunnel",
        f"serve the cluster API on a local port with your credentials{_k8s_scope(verb.opts)}",
    )


def _is_secret_kind(kind: str) -> bool:
    kind = kind.lower()
    return kind in ("secret", "secrets") or kind.startswith(("secret.", "secrets."))


def _kubectl_get(verb: _Verb) -> list[Finding]:
    """`get` is a read, except that a structured output of Secrets prints their values."""
    raw = verb.opts.last("--raw")
    if raw is not None:
        if "secret" not in raw.lower():
            return []
        return verb.named("get --raw", ()).confirm(
            "kubectl-secrets", f"print secret data from {raw}", raw
        )
    output = verb.opts.last("o", "--output")
    if output is None or output.split("=", 1)[0] in _SECRET_SAFE_OUTPUTS:
        return []
    rest = verb.rest
    if any("/" in w for w in rest):
        kinds = [w.split("/", 1)[0] for w in rest]
        names = [w.split("/", 1)[1] for w in rest if _is_secret_kind(w.split("/", 1)[0])]
    else:
        kinds = rest[0].split(",") if rest else []
        names = list(rest[1:])
    if not any(_is_secret_kind(k) for k in kinds):
        return []
    what = f"secret {_listing(names)}" if names else "every secret"
    return verb.confirm(
        "kubectl-secrets",
        f"print the contents of {what}{_k8s_scope(verb.opts)}",
        _listing(names) or verb.opts.last("n", "--namespace"),
    )


def _oc_extract(verb: _Verb) -> list[Finding]:
    what = _listing(verb.rest) or "resources"
    return verb.confirm(
        "kubectl-secrets",
        f"write the contents of {what} to local files{_k8s_scope(verb.opts)}",
        _listing(verb.rest) or None,
    )


def _kubectl_config(verb: _Verb) -> list[Finding]:
    """Changing the kubeconfig changes which cluster every later approval acts on."""
    if not verb.rest:
        return []
    sub, args = verb.rest[0], verb.rest[1:]
    sub_verb = verb.named(f"config {sub}", args)
    if sub in _KUBECTL_CONFIG_READ:
        if sub == "view" and verb.opts.has("--raw"):
            return sub_verb.confirm("kubectl-secrets", "print the kubeconfig with its credentials")
        return []
    if sub in ("use-context", "use"):
        context = _listing(args) or "?"
        return sub_verb.confirm(
            "kubectl-context",
            f"point later {verb.call.tool} commands at context {context}",
            context,
        )
    return sub_verb.confirm(
        "kubectl-context",
        "change the kubeconfig (which cluster, user and namespace later commands use)",
        _listing(args[:1]) or None,
    )


def _oc_project(verb: _Verb) -> list[Finding]:
    if not verb.rest:
        return []
    return verb.confirm(
        "kubectl-context",
        f"point later {verb.call.tool} commands at project {verb.rest[0]}",
        verb.rest[0],
    )


def _oc_whoami(verb: _Verb) -> list[Finding]:
    if not verb.opts.has("t", "--show-token"):
        return []
    return verb.confirm("kubectl-secrets", "print your cluster token")


def _oc_adm(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] == "top":
        return []
    return verb.named(f"adm {verb.rest[0]}", verb.rest[1:]).confirm(
        "kubectl-write", f"run a cluster administration command{_k8s_scope(verb.opts)}"
    )


def _kubectl_certificate(verb: _Verb) -> list[Finding]:
    if not verb.rest or verb.rest[0] not in ("approve", "deny"):
        return []
    sub, requests = verb.rest[0], _listing(verb.rest[1:])
    effect = " (the requester gets cluster credentials)" if sub == "approve" else ""
    return verb.named(f"certificate {sub}", verb.rest[1:]).confirm(
        "kubectl-write", f"{sub} certificate request {requests or '?'}{effect}", requests or None
    )


def _kubectl_auth(verb: _Verb) -> list[Finding]:
    if verb.rest[:1] != ("reconcile",) or _dry_run(verb.opts):
        return []
    objects = _k8s_objects(verb.opts, verb.rest[1:])
    return verb.named("auth reconcile", verb.rest[1:]).confirm(
        "kubectl-write",
        f"change RBAC rules from {objects.description}{_k8s_scope(verb.opts)}",
    )


_KUBECTL_VERBS: dict[str, _Rule] = {
    "delete": _kubectl_delete,
    "set": _kubectl_set,
    "scale": _kubectl_scale,
    "rollout": _kubectl_rollout,
    "drain": _kubectl_node,
    "cordon": _kubectl_node,
    "uncordon": _kubectl_node,
    "exec": _kubectl_exec,
    "attach": _kubectl_session("attach to the running process in {name}"),
    "run": _kubectl_session("start a new pod {name} in the cluster"),
    "debug": _kubectl_session("start a debugging container for {name}"),
    "rsh": _kubectl_session("open a shell (or run a command) in {name}"),
    "cp": _kubectl_copy,
    "rsync": _kubectl_copy,
    "port-forward": _kubectl_port_forward,
    "proxy": _kubectl_proxy,
    "get": _kubectl_get,
    "extract": _oc_extract,
    "config": _kubectl_config,
    "certificate": _kubectl_certificate,
    "auth": _kubectl_auth,
    "project": _oc_project,
    "whoami": _oc_whoami,
    "adm": _oc_adm,
}

_Tool = Callable[[_Call], list[Finding]]


def _cluster_distribution(reads: Collection[str] | None, delegates: dict[str, _Tool]) -> _Tool:
    """k3s, microk8s, minikube: `TOOL kubectl ...` is kubectl; other verbs act on the cluster.

    `reads=None` allows every other verb (minikube: a local, disposable cluster).
    """

    def tool(call: _Call) -> list[Finding]:
        opts = parse(call.words, {"p", "--profile"}, stop_at_first_positional=True)
        index, found = _find_verb(call, opts)
        if index is None:
            return found
        name = call.words[index]
        if name in delegates:
            inner = call.sub(index + 1, f"{call.tool} {name}")
            if "--" in inner.words[:3]:
                inner = inner.sub(inner.words.index("--") + 1)
            return delegates[name](inner)
        if reads is None or name in reads:
            return []
        return call.confirm(
            "k8s-admin", f"{call.tool} {name} would change the {call.tool} cluster itself", name
        )

    return tool


# ------------------------------------------------------------------------------ Helm

_HELM_WITH_VALUE = frozenset(
    {
        "n", "--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver",
        "--kube-token", "--kube-as-user", "--kube-as-group", "--kube-ca-file",
        "--kube-tls-server-name", "--registry-config", "--repository-cache",
        "--repository-config", "--burst-limit", "--qps", "--content-cache",
        "f", "--values", "--set", "--set-string", "--set-file", "--set-json",
        "--set-literal", "--version", "--repo", "--timeout", "o", "--output",
        "--description", "--post-renderer", "--post-renderer-args", "--username",
        "--password", "--ca-file", "--cert-file", "--key-file", "--max", "--revision",
        "--history-max", "l", "--selector", "--name-template", "--kube-version", "a",
        "--api-versions", "s", "--show-only", "--output-dir", "--keyring", "--cascade",
        "--deletion-propagation", "--labels", "d", "--destination", "--untardir",
        "--app-version", "--filter", "--max-col-width", "--offset", "--template",
    }
)  # fmt: skip
_HELM_UNINSTALL = frozenset({"uninstall", "delete", "del", "un"})
_HELM_RELEASE_CHANGES = _HELM_UNINSTALL | {"install", "upgrade", "rollback"}
_HELM_READ = _words(
    "list ls status get history hist template lint show inspect search version env "
    "completion create package pull fetch verify help dependency dep dependencies repo "
    "registry plugin diff"
)


def _helm(call: _Call) -> list[Finding]:
    opts = parse(call.words, _HELM_WITH_VALUE)
    if opts.has("h", "--help"):
        return []
    index, found = _find_verb(call, opts)
    if index is None:
        return found
    name = call.words[index]
    namespace, context = opts.last("n", "--namespace"), opts.last("--kube-context")
    where = f"namespace {namespace}" if namespace else "the current namespace"
    where += f" (context {context})" if context else ""
    verb = _Verb(call, name, opts, opts.positionals[1:], where)
    if name in _HELM_RELEASE_CHANGES and _dry_run(opts):
        return []
    if name in _HELM_UNINSTALL:
        return _helm_uninstall(verb)
    if name in _HELM_VERBS:
        return _HELM_VERBS[name](verb)
    return [] if name in _HELM_READ else _unknown_verb(call, name)


def _helm_uninstall(verb: _Verb) -> list[Finding]:
    releases = _listing(verb.rest)
    return verb.confirm(
        "helm-uninstall",
        f"remove release {releases or '?'} and all its resources from {verb.where}",
        releases or None,
    )


def _helm_install(verb: _Verb) -> list[Finding]:
    release = verb.rest[0] if verb.rest else "?"
    if len(verb.rest) > 1:
        chart, what = verb.rest[1], f"release {release}"
    else:
        chart, what = release, "a new release"
    return verb.confirm(
        "helm-release", f"{verb.name} {what} from chart {chart} in {verb.where}", release
    )


def _helm_rollback(verb: _Verb) -> list[Finding]:
    release = verb.rest[0] if verb.rest else "?"
    revision = f"revision {verb.rest[1]}" if len(verb.rest) > 1 else "its previous revision"
    return verb.confirm(
        "helm-release", f"roll release {release} back to {revision} in {verb.where}", release
    )


def _helm_test(verb: _Verb) -> list[Finding]:
    release = verb.rest[0] if verb.rest else "?"
    return verb.confirm(
        "helm-release", f"run the test hooks of release {release} in {verb.where}", release
    )


def _helm_push(verb: _Verb) -> list[Finding]:
    chart = verb.rest[0] if verb.rest else "?"
    remote = verb.rest[1] if len(verb.rest) > 1 else "a registry"
    return verb.confirm("helm-push", f"publish chart {chart} to {remote}", remote)


_HELM_VERBS: dict[str, _Rule] = {
    "install": _helm_install,
    "upgrade": _helm_install,
    "rollback": _helm_rollback,
    "test": _helm_test,
    "push": _helm_push,
}


# ----------------------------------------------- Docker, Podman, nerdctl, Compose

_DOCKER_GLOBAL_WITH_VALUE = frozenset(
    {
        "H", "--host", "c", "--context", "--config", "l", "--log-level", "--tlscacert",
        "--tlscert", "--tlskey",
        # Podman.
        "--connection", "--url", "--identity", "--root", "--runroot", "--storage-driver",
        "--storage-opt", "--cgroup-manager", "--events-backend", "--runtime",
        "--runtime-flag", "--tmpdir", "--conmon", "--network-cmd-path",
        "--network-config-dir", "--imagestore", "--module", "--ssh", "--hooks-dir",
        "--volumepath", "--out", "--db-backend",
        # nerdctl.
        "n", "--namespace", "a", "--address", "--snapshotter", "--data-root", "--cni-path",
        "--cni-netconfpath", "--host-gateway-ip", "--hosts-dir",
    }
)  # fmt: skip
_DOCKER_RUN_WITH_VALUE = frozenset(
    {
        "a", "c", "e", "h", "l", "m", "p", "u", "v", "w",
        "--attach", "--add-host", "--annotation", "--blkio-weight", "--blkio-weight-device",
        "--cap-add", "--cap-drop", "--cgroup-parent", "--cgroupns", "--cidfile",
        "--cpu-period", "--cpu-quota", "--cpu-rt-period", "--cpu-rt-runtime",
        "--cpu-shares", "--cpus", "--cpuset-cpus", "--cpuset-mems", "--device",
        "--device-cgroup-rule", "--device-read-bps", "--device-read-iops",
        "--device-write-bps", "--device-write-iops", "--dns", "--dns-option",
        "--dns-search", "--domainname", "--entrypoint", "--env", "--env-file", "--expose",
        "--gpus", "--group-add", "--health-cmd", "--health-interval", "--health-retries",
        "--health-start-period", "--health-start-interval", "--health-timeout",
        "--hostname", "--ip", "--ip6", "--ipc", "--isolation", "--kernel-memory", "--label",
        "--label-file", "--link", "--link-local-ip", "--log-driver", "--log-opt",
        "--mac-address", "--memory", "--memory-reservation", "--memory-swap",
        "--memory-swappiness", "--mount", "--name", "--network", "--net",
        "--network-alias", "--net-alias", "--oom-score-adj", "--pid", "--pids-limit",
        "--platform", "--publish", "--pull", "--restart", "--runtime", "--security-opt",
        "--shm-size", "--stop-signal", "--stop-timeout", "--storage-opt", "--sysctl",
        "--tmpfs", "--ulimit", "--user", "--userns", "--uts", "--volume", "--volume-driver",
        "--volumes-from", "--workdir", "--detach-keys",
        # Podman.
        "--arch", "--authfile", "--cert-dir", "--cgroup-conf", "--cgroups", "--chrootdirs",
        "--conmon-pidfile", "--creds", "--decryption-key", "--env-merge", "--gidmap",
        "--group-entry", "--hostuser", "--image-volume", "--init-path", "--os",
        "--passwd-entry", "--personality", "--pidfile", "--pod", "--pod-id-file",
        "--preserve-fds", "--rdt-class", "--requires", "--retry", "--retry-delay",
        "--sdnotify", "--seccomp-policy", "--secret", "--shm-size-systemd",
        "--signature-policy", "--subgidname", "--subuidname", "--timeout", "--tz",
        "--uidmap", "--umask", "--unsetenv", "--variant", "--health-on-failure",
        "--health-log-destination", "--health-max-log-count", "--health-max-log-size",
        "--health-startup-cmd", "--health-startup-interval", "--health-startup-retries",
        "--health-startup-success", "--health-startup-timeout",
    }
)  # fmt: skip
_DOCKER_EXEC_WITH_VALUE = frozenset(
    {"e", "u", "w", "--env", "--env-file", "--user", "--workdir", "--detach-keys"}
)
_DOCKER_PUSH_WITH_VALUE = frozenset(
    {
        "--platform", "--creds", "--authfile", "--cert-dir", "--digestfile", "--format",
        "f", "--sign-by", "--encryption-key", "--compression-format", "--compression-level",
        "--retry", "--retry-delay", "--sign-passphrase-file", "--sign-by-sigstore",
        "--sign-by-sigstore-private-key",
    }
)  # fmt: skip
_DOCKER_BUILD_WITH_VALUE = frozenset(
    {
        "t", "--tag", "o", "--output", "f", "--file", "--builder", "--build-arg",
        "--target", "--platform", "--cache-from", "--cache-to", "--secret", "--ssh",
        "--label", "--network", "--progress", "--iidfile", "--metadata-file", "--add-host",
        "--build-context", "--attest", "--sbom", "--provenance", "--shm-size", "--ulimit",
        "--set", "--annotation", "--call", "--allow",
    }
)  # fmt: skip
_COMPOSE_WITH_VALUE = frozenset(
    {
        "f", "--file", "p", "--project-name", "--project-directory", "--env-file",
        "--profile", "--ansi", "--parallel", "--progress", "H", "--host", "c", "--context",
        "--podman-path", "--podman-args", "--pod-args", "--in-pod",
    }
)  # fmt: skip

_CONTAINER_VERBS = (
    "attach", "commit", "cp", "create", "diff", "exec", "export", "kill", "logs", "pause",
    "port", "rename", "restart", "rm", "run", "start", "stats", "stop", "top", "unpause",
    "update", "wait", "init", "mount", "unmount", "checkpoint", "restore", "healthcheck",
    "cleanup",
)  # fmt: skip
_IMAGE_VERBS = (
    "build", "history", "import", "load", "pull", "push", "save", "tag", "search", "untag",
)  # fmt: skip
_LEGACY_DOCKER_VERBS: dict[str, tuple[str, str]] = {
    **{verb: ("container", verb) for verb in _CONTAINER_VERBS},
    **{verb: ("image", verb) for verb in _IMAGE_VERBS},
    **{verb: ("system", verb) for verb in ("events", "info", "inspect", "login", "logout")},
    "version": ("system", "version"),
    "ps": ("container", "ls"),
    "images": ("image", "ls"),
    "rmi": ("image", "rm"),
}
"""Top-level verbs (`docker rm`), as the management command that means the same."""
_DOCKER_SUBVERB_ALIASES = {"list": "ls", "ps": "ls", "remove": "rm", "b": "build"}

_DOCKER_READ: dict[str, frozenset[str]] = {
    "container": _words("ls logs inspect diff port stats top wait exists"),
    "image": _words("ls inspect history search tree exists"),
    "volume": _words("ls inspect exists"),
    "network": _words("ls inspect exists"),
    "system": _words("df info events version inspect check"),
    "builder": _words("ls inspect du"),
    "buildx": _words("ls inspect du version history"),
    "context": _words("ls inspect show"),
    "plugin": _words("ls inspect"),
    "manifest": _words("inspect exists"),
    "trust": _words("inspect"),
    "pod": _words("ls inspect logs stats top exists"),
    "machine": _words("ls inspect info"),
    "kube": _words("generate"),
    "generate": _words("systemd kube spec"),
    "swarm": _words("ca"),
    "node": _words("ls inspect"),
    "service": _words("ls inspect logs"),
    "stack": _words("ls services config"),
    "secret": _words("ls inspect exists"),
    "config": _words("ls inspect"),
}
"""Verbs that only look, per management command: allowed even on a remote daemon."""
_DOCKER_LOCAL: dict[str, frozenset[str]] = {
    "container": frozenset(_CONTAINER_VERBS) | _words("clone runlabel prune"),
    "image": frozenset(_IMAGE_VERBS) | _words("rm prune mount unmount sign"),
    "volume": _words("create import export mount unmount reload rm prune"),
    "network": _words("create connect disconnect rm prune reload update"),
    "system": _words("login logout migrate renumber service dial-stdio prune reset"),
    "builder": _words("prune build"),
    "buildx": _words("build bake create use rm stop prune imagetools debug dial-stdio"),
    "context": _words("create export import rm update use"),
    "plugin": _words("disable enable rm set create install upgrade push"),
    "manifest": _words("create annotate rm add push"),
    "pod": _words("create start stop restart kill pause unpause rm prune clone"),
    "machine": _words("init start stop ssh set cp os rm reset"),
    "kube": _words("play down apply"),
    "play": _words("kube"),
    "secret": _words("create rm"),
    "artifact": _words("add pull rm extract ls inspect push"),
    "farm": _words("build create ls rm update"),
    "trust": _words("sign revoke key signer"),
}
"""Verbs that change only the daemon's own containers, images and networks: allowed locally."""
_DOCKER_STANDALONE = {"scout": True, "sbom": True, "init": False, "debug": False, "model": False}
"""Plugins without subverbs we judge, and whether they only look."""
_SWARM_GROUPS = frozenset({"swarm", "node", "service", "stack", "secret", "config"})
_LOCAL_DAEMONS = frozenset(
    {
        "default", "desktop-linux", "desktop-windows", "colima", "orbstack",
        "rancher-desktop", "rootless", "podman-machine-default", "podman-machine-default-root",
    }
)  # fmt: skip
_LOCAL_DAEMON_ADDRESSES = ("unix://", "npipe://", "/")
_ENGINE_SOCKETS = ("docker.sock", "podman.sock", "containerd.sock")
_DANGEROUS_CAPS = frozenset(
    {"ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF"}
)
_HOST_NAMESPACE_FLAGS = ("--pid", "--userns")
_CWD_PREFIXES = ("$PWD", "${PWD}", "$(pwd)", "`pwd`")
_HOME_PREFIXES = ("~", "$HOME", "${HOME}")


def _docker_remote(call: _Call, globals_: ParsedArgs) -> str | None:
    """The daemon a command talks to when it is not (known to be) this machine's."""
    env = dict(call.cmd.env)
    host = globals_.last("H", "--host", "--url", "a", "--address") or env.get(
        "DOCKER_HOST", env.get("CONTAINER_HOST")
    )
    if (
        host
        and not host.startswith(_LOCAL_DAEMON_ADDRESSES)
        and not any(local in host for local in ("://localhost", "://127.0.0.1"))
    ):
        return host
    context = globals_.last("c", "--context", "--connection") or env.get(
        "DOCKER_CONTEXT", env.get("CONTAINER_CONNECTION")
    )
    if context and context not in _LOCAL_DAEMONS:
        return f"context {context}"
    return None


def _remote_finding(call: _Call, label: str, remote: str | None, is_read: bool) -> list[Finding]:
    if remote is None or is_read:
        return []
    return call.confirm(
        "docker-remote", f"{label} would act on the Docker daemon at {remote}", remote
    )


def _docker(call: _Call) -> list[Finding]:
    globals_ = parse(call.words, _DOCKER_GLOBAL_WITH_VALUE, stop_at_first_positional=True)
    if globals_.has("--help", "h", "v", "--version"):
        return []
    index, found = _find_verb(call, globals_)
    if index is None:
        return found
    remote = _docker_remote(call, globals_)
    name = call.words[index]
    if name == "compose":
        return _compose(call.sub(index + 1, f"{call.tool} compose"), remote)
    if name in _DOCKER_STANDALONE:
        return _remote_finding(call, f"{call.tool} {name}", remote, _DOCKER_STANDALONE[name])
    if name in _LEGACY_DOCKER_VERBS:
        group, sub = _LEGACY_DOCKER_VERBS[name]
        rest, label = index + 1, name
    elif name in _DOCKER_READ or name in _DOCKER_LOCAL:
        sub_index = next(
            (i for i in range(index + 1, len(call.words)) if not call.words[i].startswith("-")),
            None,
        )
        if sub_index is None:
            return []
        if call.is_dynamic(sub_index):
            return _runtime_verb(call)
        group, label = name, f"{name} {call.words[sub_index]}"
        sub = _DOCKER_SUBVERB_ALIASES.get(call.words[sub_index], call.words[sub_index])
        rest = sub_index + 1
    else:
        return _unknown_verb(call, name)
    return _docker_subverb(call.sub(rest, f"{call.tool} {label}"), group, sub, remote)


def _docker_subverb(call: _Call, group: str, sub: str, remote: str | None) -> list[Finding]:
    """`call.tool` is `docker GROUP SUB` (or `docker VERB`); `call.words` what follows."""
    is_read = sub in _DOCKER_READ.get(group, ())
    found = _DOCKER_RULES[group, sub](call) if (group, sub) in _DOCKER_RULES else []
    if group in _SWARM_GROUPS and not is_read and not call.tool.startswith("podman"):
        names = _positionals(call.words)[-1:]
        of = f" ({names[0]})" if names else ""
        return call.confirm(
            "docker-swarm", f"{call.tool} would change the swarm{of}", names[0] if names else None
        )
    if not is_read and sub not in _DOCKER_LOCAL.get(group, ()):
        return _unknown_verb(call)
    return found + _remote_finding(call, call.tool, remote, is_read)


def _resolve_host_path(source: str, ctx: Context) -> str | None:
    """The absolute host path a bind-mount source names, or None when it is not static."""
    for prefix in _CWD_PREFIXES:
        if source.startswith(prefix):
            source = ctx.cwd + source[len(prefix) :]
            break
    for prefix in _HOME_PREFIXES:
        if source.startswith(prefix):
            source = ctx.home + source[len(prefix) :]
            break
    if "$" in source or "`" in source:
        return None
    return posixpath.normpath(posixpath.join(ctx.cwd, source))


def _is_within(path: str, root: str) -> bool:
    return root == "/" or path == root or path.startswith(root.rstrip("/") + "/")


def _host_mount_problem(source: str, ctx: Context) -> str | None:
    """What bind-mounting `source` exposes beyond the project, or None for a harmless mount.

    The daemon runs outside the sandbox, so it sees the real files the sandbox
    hides; only the project and the per-run temporary directories are fair game.
    """
    if not source.startswith(("/", ".", "~", "$", "`")):
        return None
    path = _resolve_host_path(source, ctx)
    if path is None:
        return f"access to host path {source} (only known at run time)"
    if path.endswith(_ENGINE_SOCKETS):
        return f"the container engine socket {path} (control of the host)"
    if not any(_is_within(path, root) for root in (ctx.project_root, *ctx.tmp_dirs)):
        return f"access to host path {path}"
    if posixpath.basename(path).startswith(".env"):
        return f"access to {path}, which the sandbox hides"
    return None


def _bind_mount_sources(opts: ParsedArgs) -> list[str]:
    sources = [v.split(":", 1)[0] for v in opts.values("v", "--volume") if ":" in v]
    for spec in opts.values("--mount"):
        fields = dict(field.partition("=")[::2] for field in spec.split(","))
        if fields.get("type", "volume") == "bind":
            sources.append(fields.get("source", fields.get("src", "")))
    return sources


def _host_privileges(opts: ParsedArgs, ctx: Context) -> list[str]:
    """What `run`/`create` options hand a container from the host."""
    problems: list[str] = []
    if opts.has("--privileged"):
        problems.append("full host privileges (--privileged)")
    if opts.has("--use-api-socket"):
        problems.append("the Docker API socket (control of the host)")
    for source in _bind_mount_sources(opts):
        problem = _host_mount_problem(source, ctx)
        if problem:
            problems.append(problem)
    for flag in _HOST_NAMESPACE_FLAGS:
        if opts.last(flag) == "host":
            problems.append(f"the host's {flag[2:]} namespace ({flag}=host)")
    for cap in opts.values("--cap-add"):
        if cap.upper().removeprefix("CAP_") in _DANGEROUS_CAPS:
            problems.append(f"the {cap} capability")
    for option in opts.values("--security-opt"):
        if option.endswith("unconfined") or option.replace(":", "=") == "label=disable":
            problems.append(f"no confinement ({option})")
    problems += [f"host device {d.split(':', 1)[0]}" for d in opts.values("--device")]
    return problems


def _docker_run(call: _Call) -> list[Finding]:
    opts = parse(call.words, _DOCKER_RUN_WITH_VALUE, stop_at_first_positional=True)
    problems = _host_privileges(opts, call.ctx)
    if not problems:
        return []
    image = opts.positionals[0] if opts.positionals else "?"
    return call.confirm(
        "docker-host-access",
        f"{call.tool} would give the {image} container {_listing(problems)}",
        image,
    )


def _docker_exec(call: _Call) -> list[Finding]:
    opts = parse(call.words, _DOCKER_EXEC_WITH_VALUE, stop_at_first_positional=True)
    if not opts.has("--privileged"):
        return []
    container = opts.positionals[0] if opts.positionals else "?"
    return call.confirm(
        "docker-host-access",
        f"{call.tool} --privileged would run a command in {container} with full host privileges",
        container,
    )


def _docker_rm(call: _Call) -> list[Finding]:
    opts = parse(call.words, {"t", "--time", "--cidfile", "--filter"})
    if not opts.has("v", "--volumes"):
        return []
    containers = _listing(opts.positionals)
    what = "container {} and its" if len(opts.positionals) == 1 else "containers {} and their"
    return call.confirm(
        "docker-volume-delete",
        f"{call.tool} -v would delete {what.format(containers)} anonymous volumes",
        containers or None,
    )


def _docker_volume_rm(call: _Call) -> list[Finding]:
    names = _listing(parse(call.words, {"t", "--time"}).positionals)
    what = f"volume {names}" if names else "every volume"
    return call.confirm(
        "docker-volume-delete", f"{call.tool} would delete {what} and the data in it", names or None
    )


def _docker_volume_prune(call: _Call) -> list[Finding]:
    return call.confirm(
        "docker-volume-delete", f"{call.tool} would delete unused volumes and the data in them"
    )


def _docker_system_prune(call: _Call) -> list[Finding]:
    opts = parse(call.words, {"--filter"})
    images = "all unused images" if opts.has("a", "--all") else "dangling images"
    volumes = ", and unused volumes with their data" if opts.has("--volumes") else ""
    return call.confirm(
        "docker-prune",
        f"{call.tool} would delete stopped containers, unused networks, {images} "
        f"and the build cache{volumes}",
    )


def _docker_wipe(what: str) -> Callable[[_Call], list[Finding]]:
    def rule(call: _Call) -> list[Finding]:
        return call.confirm("docker-prune", f"{call.tool} would delete {what}")

    return rule


def _podman_machine_rm(call: _Call) -> list[Finding]:
    names = _listing(_positionals(call.words))
    machine = f"podman machine {names}" if names else "the default podman machine"
    return call.confirm(
        "docker-prune",
        f"{call.tool} would delete {machine} with every container, image and volume in it",
        names or None,
    )


def _docker_push(call: _Call) -> list[Finding]:
    opts = parse(call.words, _DOCKER_PUSH_WITH_VALUE)
    image = opts.positionals[-1] if opts.positionals else "?"
    return call.confirm(
        "docker-push", f"{call.tool} would publish image {image} to its registry", image
    )


def _docker_build(call: _Call) -> list[Finding]:
    """A build is local, unless it pushes (`--push`, `--output type=registry`)."""
    opts = parse(call.words, _DOCKER_BUILD_WITH_VALUE)
    outputs = opts.values("o", "--output") + opts.values("--set")
    pushes = opts.has("--push") or any(
        "type=registry" in output or "push=true" in output for output in outputs
    )
    if not pushes:
        return []
    tags = _listing(opts.values("t", "--tag"))
    return call.confirm(
        "docker-push",
        f"{call.tool} would publish {tags or 'the built image'} to its registry",
        tags or None,
    )


def _docker_imagetools(call: _Call) -> list[Finding]:
    opts = parse(call.words, {"t", "--tag", "f", "--file", "--annotation", "--builder"})
    if opts.positionals[:1] != ("create",) or opts.has("--dry-run"):
        return []
    tags = _listing(opts.values("t", "--tag")) or "?"
    return call.confirm(
        "docker-push", f"{call.tool} create would publish image {tags} to its registry", tags
    )


def _docker_context_use(call: _Call) -> list[Finding]:
    context = _listing(call.words) or "?"
    return call.confirm(
        "docker-context",
        f"{call.tool} would point later docker commands at context {context}",
        context,
    )


def _docker_plugin_install(call: _Call) -> list[Finding]:
    plugin = (parse(call.words, {"--alias"}).positionals or ("?",))[0]
    return call.confirm(
        "docker-host-access",
        f"{call.tool} would install Docker plugin {plugin}, which runs with host privileges",
        plugin,
    )


def _podman_kube_apply(call: _Call) -> list[Finding]:
    files = _listing(_positionals(call.words)) or "?"
    return call.confirm(
        "kubectl-write", f"{call.tool} would deploy {files} to a Kubernetes cluster", files
    )


def _podman_kube_down(call: _Call) -> list[Finding]:
    if "--force" not in call.words:
        return []
    files = _listing(_positionals(call.words)) or "?"
    return call.confirm(
        "docker-volume-delete",
        f"{call.tool} --force would remove the pods of {files} and their volumes",
        files,
    )


_DOCKER_RULES: dict[tuple[str, str], Callable[[_Call], list[Finding]]] = {
    ("container", "run"): _docker_run,
    ("container", "create"): _docker_run,
    ("container", "exec"): _docker_exec,
    ("container", "rm"): _docker_rm,
    ("container", "prune"): _docker_wipe("every stopped container and anything written in it"),
    ("image", "push"): _docker_push,
    ("image", "build"): _docker_build,
    ("builder", "build"): _docker_build,
    ("buildx", "build"): _docker_build,
    ("buildx", "bake"): _docker_build,
    ("buildx", "imagetools"): _docker_imagetools,
    ("manifest", "push"): _docker_push,
    ("artifact", "push"): _docker_push,
    ("plugin", "push"): _docker_push,
    ("trust", "sign"): _docker_push,
    ("trust", "revoke"): _docker_push,
    ("trust", "signer"): _docker_push,
    ("volume", "rm"): _docker_volume_rm,
    ("volume", "prune"): _docker_volume_prune,
    ("system", "prune"): _docker_system_prune,
    ("system", "reset"): _docker_wipe("every container, image, volume, network and pod"),
    ("machine", "rm"): _podman_machine_rm,
    ("machine", "reset"): _docker_wipe("every podman machine with everything in it"),
    ("context", "use"): _docker_context_use,
    ("plugin", "install"): _docker_plugin_install,
    ("plugin", "upgrade"): _docker_plugin_install,
    ("kube", "apply"): _podman_kube_apply,
    ("kube", "down"): _podman_kube_down,
}
"""Verbs judged on their arguments; the group tables above decide the rest."""

_COMPOSE_READ = _words("ps logs config convert ls images top version events port volumes stats")
_COMPOSE_LOCAL = _words(
    "up down build pull create start stop restart kill pause unpause rm run exec cp scale "
    "wait watch attach commit export systemd push publish"
)


def _compose(call: _Call, remote: str | None = None) -> list[Finding]:
    """`docker compose`, `docker-compose`, `podman-compose`.

    `down` only removes containers and networks; the project's data lives in
    its volumes, so `down -v` and `rm -v` are what is held. `run` and `exec`
    are judged like `docker run` on their own flags (the compose file itself
    is not read).
    """
    opts = parse(call.words, _COMPOSE_WITH_VALUE, stop_at_first_positional=True)
    if opts.has("h", "--help", "v", "--version"):
        return []
    index, found = _find_verb(call, opts)
    if index is None:
        return found
    name = call.words[index]
    if name not in _COMPOSE_READ and name not in _COMPOSE_LOCAL:
        return _unknown_verb(call, name)
    project = opts.last("p", "--project-name")
    of_project = f"compose project {project}" if project else "this compose project"
    verb = _Verb(call, name, parse(call.words[index + 1 :], {"t", "--timeout", "--rmi"}), ())
    if name in ("down", "rm") and verb.opts.has("v", "--volumes"):
        found = verb.named(f"{name} -v", ()).confirm(
            "docker-volume-delete",
            f"delete the volumes of {of_project} and the data in them",
            project,
        )
    elif name in ("push", "publish"):
        found = verb.confirm(
            "docker-push", f"publish the images of {of_project} to their registries", project
        )
    elif name in ("run", "exec"):
        found = _docker_run(call.sub(index + 1, f"{call.tool} {name}"))
    remote = remote or _docker_remote(call, opts)
    return found + _remote_finding(call, f"{call.tool} {name}", remote, name in _COMPOSE_READ)


# -------------------------------------------------------------------------- dispatch

_TOOLS: dict[str, _Tool] = {
    "terraform": _terraform,
    "tofu": _terraform,
    "terragrunt": _terragrunt,
    "cdktf": _cdktf,
    "pulumi": _pulumi,
    "kubectl": _kubectl,
    "oc": _kubectl,
    "kubecolor": _kubectl,
    "microk8s.kubectl": _kubectl,
    "k3s": _cluster_distribution(
        {"--version", "-v", "--help", "-h", "help", "check-config", "completion"},
        {"kubectl": _kubectl},
    ),
    "microk8s": _cluster_distribution(
        {"status", "version", "inspect", "--help", "-h", "help"},
        {"kubectl": _kubectl, "helm": _helm, "helm3": _helm},
    ),
    "minikube": _cluster_distribution(None, {"kubectl": _kubectl}),
    "helm": _helm,
    "microk8s.helm": _helm,
    "microk8s.helm3": _helm,
    "docker": _docker,
    "podman": _docker,
    "nerdctl": _docker,
    "docker-compose": _compose,
    "podman-compose": _compose,
}

PROGRAMS: frozenset[str] = frozenset(_TOOLS)
NPM_PACKAGES: dict[str, str] = {"cdktf-cli": "cdktf"}


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    tool = _TOOLS.get(cmd.program)
    if tool is None:
        return []
    return tool(_Call(cmd, ctx, cmd.program, cmd.args, 1))
