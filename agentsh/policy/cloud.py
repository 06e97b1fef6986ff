"""Cloud CLIs: aws, gcloud, gsutil, az and doctl.

Reads (`describe-*`, `list`, `show`, `get`, `s3 ls`, downloads) are allowed;
anything that deletes, writes IAM, reveals secrets or otherwise changes a cloud
account needs a human. Command words these modules do not recognise fail closed.

`aws` has a fixed shape (`aws SERVICE OPERATION`), so the operation name
decides. `gcloud`, `az` and `doctl` nest groups (`gcloud sql instances delete`):
the first word that is a known verb is the command, and everything before it
must be group names.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping, Sequence

from agentsh.policy import lazyre
from agentsh.policy.argv import KnownArgs, read_known
from agentsh.policy.model import Context, Finding, SimpleCommand, finding
from agentsh.policy.phrases import singular
from agentsh.records import record


class Kind(enum.Enum):
    """The value is the suffix of the rule id (`cloud.aws-delete`)."""

    DELETE = "delete"
    IAM = "iam"
    """Changes who may do what (roles, policies, keys, ACLs)."""
    SECRETS = "secrets"
    """Prints secret values or credentials."""
    CHANGE = "change"
    UNKNOWN = "unknown"
    """Not known to be read-only, or not visible statically."""


@record
class _Outcome:
    kind: Kind
    message: str
    target: str | None = None
    grants: tuple[str, ...] = ()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---------------------------------------------------------------------------
# Reading a command line
# ---------------------------------------------------------------------------


def _scope(parts: Sequence[tuple[str, str | None]]) -> str:
    given = [f"{noun} {value}" for noun, value in parts if value]
    return f" ({', '.join(given)})" if given else ""


def _env(cmd: SimpleCommand, *names: str) -> str | None:
    values = dict(cmd.env)
    return next((values[name] for name in names if values.get(name)), None)


def _sentence(*parts: str | None) -> str:
    return " ".join(" ".join(part for part in parts if part).split())


# ---------------------------------------------------------------------------
# Nested-group CLIs (gcloud, az, doctl): find the command verb
# ---------------------------------------------------------------------------

_CHANGE_VERBS = _words(
    """create update set add remove delete deploy apply patch replace import export
    start stop restart reboot reset resize scale enable disable attach detach move
    rename copy cp mv rm rsync upload ssh scp connect exec execute invoke run call
    login logout init install uninstall upgrade promote rollback restore failover
    suspend resume undelete submit publish purge cancel abandon acquire release
    rotate revoke grant assign unassign register deregister approve reject send
    sign encrypt decrypt tag untag lock unlock clone sync swap generate regenerate
    renew reimage redeploy repair migrate activate deactivate destroy wipe
    configure switch use recover failback trigger pause unpause"""
)

_CHANGE_PREFIXES = tuple(
    f"{verb}-"
    for verb in _words(
        """create update set add remove delete deploy apply patch import
    export start stop reset resize enable disable attach detach move rotate revoke
    grant assign register deregister sign generate regenerate restore print
    recreate abandon promote reimage renew send"""
    )
)


@record
class _Command:
    groups: tuple[str, ...]
    verb: str
    verb_index: int
    """Index in args of the verb word."""
    rest: tuple[str, ...]
    """Positional words after the verb."""

    @property
    def path(self) -> str:
        return " ".join((*self.groups, self.verb))


def _find_command(
    line: KnownArgs,
    reads: Callable[[str], bool],
    verbs: Collection[str] = (),
    aliases: Mapping[str, str] | None = None,
    skip_first: Collection[str] = (),
    top_groups: Collection[str] = (),
) -> _Command | None:
    """The first verb-like word is the command; the words before it are groups.

    `top_groups` are top-level groups named like verbs (`gcloud run`, `az lock`).
    """
    aliases = aliases or {}
    words = [(i, aliases.get(word, word)) for i, word in line.positionals]
    if words and words[0][1] in skip_first:
        words = words[1:]
    for number, (index, word) in enumerate(words[:7]):
        if number == 0 and word in top_groups and len(words) > 1:
            continue
        if (
            reads(word)
            or word in verbs
            or word in _CHANGE_VERBS
            or word.startswith(_CHANGE_PREFIXES)
        ):
            groups = tuple(w for _, w in words[:number])
            rest = tuple(w for _, w in words[number + 1 :])
            return _Command(groups, word, index, rest)
    return None


def _doubt(cmd: SimpleCommand, line: KnownArgs, before: int) -> str:
    """Why the command word we found may not be the one that runs ("" when certain)."""
    for index in sorted(cmd.dynamic):
        if 0 < index <= before + 1:
            return f"{cmd.argv[index]} before the command is only known at run time"
    for index in line.unknown:
        if index < before:
            name = next(name for i, name, _ in line.options if i == index)
            return f"the option {name} before the command may change which command runs"
    return ""


def _describe_verb(verb: str) -> str:
    return verb.replace("-", " ")


# ---------------------------------------------------------------------------
# aws
# ---------------------------------------------------------------------------

_AWS_GLOBAL_VALUES = _words(
    """--profile --region --endpoint-url --output --query --color --ca-bundle
    --cli-read-timeout --cli-connect-timeout --cli-binary-format"""
)
_AWS_GLOBAL_FLAGS = _words(
    """--debug --no-verify-ssl --no-paginate --no-sign-request --no-cli-pager
    --cli-auto-prompt --no-cli-auto-prompt --version"""
)

_AWS_READ_VERBS = _words(
    "describe list get head search lookup filter scan query wait tail validate estimate simulate"
)

_AWS_DELETE_VERBS = _words(
    """delete remove terminate destroy deregister purge revoke detach disassociate
    release deprovision abort discard unassign withdraw"""
)

_AWS_IAM_SERVICES = _words("iam sso-admin identitystore")

_AWS_SECRET_OPERATIONS = frozenset(
    {
        ("secretsmanager", "get-secret-value"),
        ("secretsmanager", "batch-get-secret-value"),
        ("kms", "decrypt"),
        ("kms", "generate-data-key"),
        ("kms", "generate-data-key-pair"),
        ("sts", "assume-role"),
        ("sts", "assume-role-with-saml"),
        ("sts", "assume-role-with-web-identity"),
        ("sts", "get-session-token"),
        ("sts", "get-federation-token"),
        ("ecr", "get-login-password"),
        ("ecr", "get-authorization-token"),
        ("ecr-public", "get-login-password"),
        ("ecr-public", "get-authorization-token"),
        ("codeartifact", "get-authorization-token"),
        ("rds", "generate-db-auth-token"),
        ("redshift", "get-cluster-credentials"),
        ("redshift", "get-cluster-credentials-with-iam"),
        ("redshift-serverless", "get-credentials"),
        ("eks", "get-token"),
        ("ec2", "get-password-data"),
        ("lightsail", "get-instance-access-details"),
        ("lightsail", "get-relational-database-master-user-password"),
        ("cognito-identity", "get-credentials-for-identity"),
        ("sso", "get-role-credentials"),
        ("cloudfront", "sign"),
        ("lambda", "get-function"),
        ("lambda", "get-function-configuration"),
    }
)

_AWS_LOCAL_OPERATIONS = frozenset({("eks", "update-kubeconfig")})
"""Operations that only write local configuration holding no secret."""

_AWS_SECRET_WHEN: Mapping[tuple[str, str], str] = {
    ("ssm", "get-parameter"): "--with-decryption",
    ("ssm", "get-parameters"): "--with-decryption",
    ("ssm", "get-parameters-by-path"): "--with-decryption",
    ("ssm", "get-parameter-history"): "--with-decryption",
    ("apigateway", "get-api-key"): "--include-value",
    ("apigateway", "get-api-keys"): "--include-values",
}

_AWS_SECRET_UNLESS: Mapping[tuple[str, str], str] = {
    ("glue", "get-connection"): "--hide-password",
    ("glue", "get-connections"): "--hide-password",
}

_AWS_TARGET_OPTION = lazyre.compile(
    r"^--(?:[a-z0-9-]+-)?(?:identifier|identifiers|id|ids|name|names|arn|arns|url)$"
    r"|^--(?:bucket|cluster|service|function|table|key|stack|repository)$"
)

_AWS_GLOBAL_ENDPOINTS: Mapping[str, str] = {
    "iam": "iam.amazonaws.com",
    "organizations": "organizations.us-east-1.amazonaws.com",
    "route53": "route53.amazonaws.com",
    "cloudfront": "cloudfront.amazonaws.com",
}
_AWS_ENDPOINT_PREFIX: Mapping[str, str] = {"s3api": "s3", "configservice": "config"}

_LOCAL_HOSTS = lazyre.compile(
    r"^[a-z]+://(?:localhost|127\.0\.0\.1|\[::1\]|localstack|host\.docker\.internal)(?::\d+)?(?:/|$)"
)

_S3_VALUES = _AWS_GLOBAL_VALUES | _words(
    """--exclude --include --acl --grants --storage-class --sse --sse-c --sse-c-key
    --sse-kms-key-id --sse-c-copy-source --sse-c-copy-source-key --website-redirect
    --content-type --cache-control --content-disposition --content-encoding
    --content-language --expires --source-region --metadata --metadata-directive
    --expected-size --page-size --request-payer --checksum-mode --checksum-algorithm
    --copy-props --index-document --error-document --expires-in"""
)
_S3_FLAGS = _AWS_GLOBAL_FLAGS | _words(
    """--recursive --delete --force --dryrun --quiet --no-progress --only-show-errors
    --follow-symlinks --no-follow-symlinks --no-guess-mime-type --exact-timestamps
    --size-only --human-readable --summarize --ignore-glacier-warnings
    --force-glacier-transfer --no-overwrite"""
)


def _aws(cmd: SimpleCommand) -> _Outcome | None:
    args = cmd.argv[1:]
    dynamic = {index - 1 for index in cmd.dynamic}
    words: list[str] = []
    doubt = ""
    i = 0
    while i < len(args) and len(words) < 2:
        arg = args[i]
        if i in dynamic:
            doubt = doubt or f"{arg} is only known at run time"
            words.append(arg)
        elif arg.startswith("-"):
            name = arg.partition("=")[0]
            if name in _AWS_GLOBAL_VALUES and "=" not in arg:
                if i + 1 in dynamic:
                    doubt = doubt or f"{args[i + 1]} before the command is only known at run time"
                i += 1
            elif name not in _AWS_GLOBAL_VALUES and name not in _AWS_GLOBAL_FLAGS:
                doubt = doubt or f"the option {name} before the command may hide which command runs"
        else:
            words.append(arg)
        i += 1
    rest = args[i:]
    options = _aws_options(args)

    if "help" in words or (rest and rest[0] == "help") or "--version" in args[:i]:
        return None
    if not words:
        if cmd.extra_args_unknown:
            return _Outcome(Kind.UNKNOWN, "aws would run with arguments only known at run time")
        return None
    service = words[0]
    operation = words[1] if len(words) > 1 else ""
    profile = _first(options.get("--profile")) or _env(cmd, "AWS_PROFILE")
    region = _first(options.get("--region")) or _env(cmd, "AWS_REGION", "AWS_DEFAULT_REGION")
    scope = _scope([("profile", profile), ("region", region)])
    grants = _aws_grants(service, region)
    endpoint = _first(options.get("--endpoint-url")) or _env(cmd, "AWS_ENDPOINT_URL")

    if doubt:
        return _Outcome(Kind.UNKNOWN, f"aws {' '.join(words)} cannot be judged: {doubt}")
    if not operation:
        if service == "configure":
            return _Outcome(Kind.CHANGE, "aws configure would change the local AWS credentials")
        if cmd.extra_args_unknown:
            return _Outcome(
                Kind.UNKNOWN, f"aws {service} would run a command only known at run time"
            )
        return None
    if endpoint and _LOCAL_HOSTS.match(endpoint):
        return None
    if service == "s3":
        return _aws_s3(cmd, operation, rest, scope, grants)
    if service == "configure":
        return _aws_configure(operation)
    if (service, operation) in _AWS_LOCAL_OPERATIONS:
        return None
    if "--dry-run" in options and "--no-dry-run" not in options:
        return None
    return _aws_operation(service, operation, options, scope, grants)


def _aws_options(args: Sequence[str]) -> dict[str, list[str]]:
    """Every `--name` with the words after it up to the next option (its values)."""
    options: dict[str, list[str]] = {}
    current: list[str] | None = None
    for arg in args:
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            current = options.setdefault(name, [])
            if eq:
                current.append(value)
                current = None
        elif current is not None:
            current.append(arg)
    return options


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _aws_grants(service: str, region: str | None) -> tuple[str, ...]:
    if service in _AWS_GLOBAL_ENDPOINTS:
        return (_AWS_GLOBAL_ENDPOINTS[service],)
    if region:
        return (f"{_AWS_ENDPOINT_PREFIX.get(service, service)}.{region}.amazonaws.com",)
    return ()


def _aws_operation(
    service: str,
    operation: str,
    options: Mapping[str, list[str]],
    scope: str,
    grants: tuple[str, ...],
) -> _Outcome | None:
    pair = (service, operation)
    head = f"aws {service} {operation}"
    target = _aws_target(service, options)
    first, _, noun = operation.partition("-")
    noun = " ".join("database" if w == "db" else w for w in noun.split("-"))
    reveals = (
        pair in _AWS_SECRET_OPERATIONS
        or (pair in _AWS_SECRET_WHEN and _AWS_SECRET_WHEN[pair] in options)
        or (pair in _AWS_SECRET_UNLESS and _AWS_SECRET_UNLESS[pair] not in options)
    )
    if reveals:
        what = f" of {target}" if target else ""
        message = f"{head} would print secret values or credentials{what}{scope}"
        return _Outcome(Kind.SECRETS, message, target, grants)
    if first in _AWS_READ_VERBS or operation.startswith("batch-get-"):
        return None
    if operation.startswith("batch-delete-"):
        first, noun = "delete", noun.removeprefix("delete ")
    verb = first
    message = _sentence(head, "would", verb, noun, target) + scope
    if service in _AWS_IAM_SERVICES:
        return _Outcome(Kind.IAM, message, target, grants)
    if first in _AWS_DELETE_VERBS:
        return _Outcome(Kind.DELETE, message, target, grants)
    return _Outcome(Kind.CHANGE, message, target, grants)


def _aws_target(service: str, options: Mapping[str, list[str]]) -> str | None:
    if service == "s3api" and options.get("--bucket"):
        bucket = options["--bucket"][0]
        key = _first(options.get("--key"))
        return f"s3://{bucket}/{key}" if key else f"s3://{bucket}"
    for name, values in options.items():
        if values and _AWS_TARGET_OPTION.match(name) and name not in _AWS_GLOBAL_VALUES:
            return " ".join(values) if name.endswith("s") else values[0]
    return None


def _aws_configure(operation: str) -> _Outcome | None:
    if operation in {"list", "get", "list-profiles"}:
        return None
    if operation == "export-credentials":
        return _Outcome(
            Kind.SECRETS, "aws configure export-credentials would print AWS credentials"
        )
    return _Outcome(
        Kind.CHANGE, f"aws configure {operation} would change the local AWS configuration"
    )


def _aws_s3(
    cmd: SimpleCommand, operation: str, rest: Sequence[str], scope: str, grants: tuple[str, ...]
) -> _Outcome | None:
    offset = len(cmd.argv) - 1 - len(rest)
    line = read_known(rest, _S3_VALUES, _S3_FLAGS)
    paths = [word for _, word in line.positionals]
    dynamic = any(index + offset + 1 in cmd.dynamic for index, _ in line.positionals)
    head = f"aws s3 {operation}"
    first = paths[0] if paths else None
    if operation == "ls" or (line.has("--dryrun") and operation in {"cp", "mv", "rm", "sync"}):
        return None
    if operation == "rm":
        extent = " and everything under it" if line.has("--recursive") else ""
        what = first or "objects"
        return _Outcome(Kind.DELETE, f"{head} would delete {what}{extent}{scope}", first, grants)
    if operation == "rb":
        extent = " and every object in it" if line.has("--force") else ""
        what = first or "a bucket"
        return _Outcome(
            Kind.DELETE, f"{head} would delete bucket {what}{extent}{scope}", first, grants
        )
    if operation == "presign":
        message = (
            f"{head} would create a link that lets anyone download {first or 'an object'}{scope}"
        )
        return _Outcome(Kind.SECRETS, message, first, grants)
    if operation == "mb":
        message = f"{head} would create bucket {first or 'a bucket'}{scope}"
        return _Outcome(Kind.CHANGE, message, first, grants)
    if operation not in {"cp", "mv", "sync"}:
        message = _sentence(head, "would change", first) + scope
        return _Outcome(Kind.CHANGE, message, first, grants)
    if len(paths) != 2 or dynamic or line.unknown:
        message = f"{head} cannot be judged: its source and destination are not both plain words"
        return _Outcome(Kind.UNKNOWN, message, first, grants)
    source, destination = paths
    if operation == "sync" and line.has("--delete"):
        message = f"{head} would delete files in {destination} that are not in {source}{scope}"
        return _Outcome(Kind.DELETE, message, destination, grants)
    if operation == "mv" and source.startswith("s3://"):
        message = f"{head} would move {source} to {destination}, deleting the source{scope}"
        return _Outcome(Kind.DELETE, message, source, grants)
    if destination.startswith("s3://"):
        message = f"{head} would write {source} to {destination}, overwriting objects there{scope}"
        return _Outcome(Kind.CHANGE, message, destination, grants)
    return None


# ---------------------------------------------------------------------------
# gcloud and gsutil
# ---------------------------------------------------------------------------

_GCLOUD_VALUES = _words(
    """--project --account --configuration --format --verbosity
    --impersonate-service-account --billing-project --flatten --trace-token
    --flags-file --access-token-file --filter --limit --page-size --sort-by
    --region --zone --location --secret --instance --database --cluster"""
)
_GCLOUD_FLAGS = _words("--quiet -q --log-http --user-output-enabled --no-user-output-enabled --uri")

_GCLOUD_READ_VERBS = _words(
    """list describe get read tail info version help topic search lookup log ls cat
    du hash diff explain docs browse test-iam-permissions validate wait
    search-all-resources search-all-iam-policies"""
)
_GCLOUD_SECRET_VERBS = _words(
    """print-access-token print-identity-token print-refresh-token config-helper
    generate-login-token decrypt asymmetric-decrypt"""
)
_GCLOUD_IAM_VERBS = _words("add-iam-policy-binding remove-iam-policy-binding set-iam-policy")
_GCLOUD_DELETE_VERBS = _words("delete remove destroy purge rm restore-backup delete-instances")

_GCLOUD_HOSTS: Mapping[str, str] = {
    "compute": "compute.googleapis.com",
    "sql": "sqladmin.googleapis.com",
    "projects": "cloudresourcemanager.googleapis.com",
    "storage": "storage.googleapis.com",
    "run": "run.googleapis.com",
    "functions": "cloudfunctions.googleapis.com",
    "container": "container.googleapis.com",
    "iam": "iam.googleapis.com",
    "secrets": "secretmanager.googleapis.com",
    "pubsub": "pubsub.googleapis.com",
    "firestore": "firestore.googleapis.com",
    "spanner": "spanner.googleapis.com",
    "redis": "redis.googleapis.com",
    "dns": "dns.googleapis.com",
    "kms": "cloudkms.googleapis.com",
    "app": "appengine.googleapis.com",
}


def _gcloud_reads(word: str) -> bool:
    if word in _GCLOUD_SECRET_VERBS:
        return False
    return word in _GCLOUD_READ_VERBS or word.startswith(("list-", "describe-", "get-"))


def _gcloud(cmd: SimpleCommand) -> _Outcome | None:
    line = read_known(cmd.argv[1:], _GCLOUD_VALUES, _GCLOUD_FLAGS)
    if line.help_at or not line.positionals:
        return None
    project = line.value("--project") or _env(cmd, "CLOUDSDK_CORE_PROJECT")
    scope = _scope([("project", project), ("account", line.value("--account"))])
    command = _find_command(
        line,
        _gcloud_reads,
        verbs=_GCLOUD_SECRET_VERBS | {"access"},
        skip_first=("alpha", "beta", "preview"),
        top_groups=("run", "deploy", "transfer"),
    )
    if command is None:
        first = line.positionals[0][1]
        return _Outcome(
            Kind.UNKNOWN, f"gcloud {first} is not a command agentsh knows to be read-only"
        )
    groups, verb = command.groups, command.verb
    top = groups[0] if groups else verb
    grants = ("oauth2.googleapis.com", _GCLOUD_HOSTS[top]) if top in _GCLOUD_HOSTS else ()
    head = f"gcloud {command.path}"
    named = line.value("--secret") if verb == "access" else None
    target = named or (command.rest[0] if command.rest else line.value("--instance", "--cluster"))
    subject = " ".join(command.rest) or target
    noun = singular(groups[-1]) if groups and groups[-1].endswith("s") else ""

    if verb in _GCLOUD_SECRET_VERBS or (verb == "access" and "secrets" in groups):
        message = (
            _sentence(head, "would print secrets or credentials", target and f"of {target}") + scope
        )
        return _Outcome(Kind.SECRETS, message, target, grants)
    writes_iam = verb in _GCLOUD_IAM_VERBS or bool({"iam", "service-accounts"} & set(groups))
    if _gcloud_reads(verb):
        doubt = _doubt(cmd, line, command.verb_index)
        if doubt:
            return _Outcome(Kind.UNKNOWN, f"{head} cannot be judged: {doubt}", target, grants)
        return None
    message = _sentence(head, "would", _describe_verb(verb), noun, subject) + scope
    if writes_iam:
        return _Outcome(Kind.IAM, message, target, grants)
    if groups == ("storage",) and verb in {"cp", "mv", "rsync"}:
        paths = [(i + 1, w) for i, w in line.positionals if i > command.verb_index]
        return _bucket_copy(head, verb, paths, line, "gs://", scope, grants, cmd.dynamic)
    if verb in _GCLOUD_DELETE_VERBS or verb.startswith(("delete-", "remove-")):
        return _Outcome(Kind.DELETE, message, target, grants)
    return _Outcome(Kind.CHANGE, message, target, grants)


def _bucket_copy(
    head: str,
    verb: str,
    paths: Sequence[tuple[int, str]],
    line: KnownArgs,
    scheme: str,
    scope: str,
    grants: tuple[str, ...],
    dynamic: Collection[int] = (),
) -> _Outcome | None:
    """`cp`/`mv`/`rsync` between local files and a bucket: only downloads are reads.

    `paths` are (argv index, word) of the words after the verb; the last is the
    destination, as in both gsutil and gcloud storage.
    """
    if len(paths) < 2:
        return _Outcome(Kind.UNKNOWN, f"{head} cannot be judged: no source and destination")
    destination_index, destination = paths[-1]
    sources = [w for _, w in paths[:-1]]
    deletes_extra = line.has("-d", "--delete-unmatched-destination-objects")
    if destination_index in dynamic:
        return _Outcome(
            Kind.UNKNOWN, f"{head} cannot be judged: its destination is only known at run time"
        )
    if verb == "rsync" and deletes_extra:
        message = f"{head} would delete files in {destination} that are not in {sources[0]}{scope}"
        return _Outcome(Kind.DELETE, message, destination, grants)
    if verb == "mv" and any(s.startswith(scheme) for s in sources):
        message = (
            f"{head} would move {' '.join(sources)} to {destination}, deleting the source{scope}"
        )
        return _Outcome(Kind.DELETE, message, sources[0], grants)
    if destination.startswith(scheme):
        message = f"{head} would write {' '.join(sources)} to {destination}, overwriting objects there{scope}"
        return _Outcome(Kind.CHANGE, message, destination, grants)
    return None


_GSUTIL_TOP_VALUES = _words("-o -h -u -i -p")
_GSUTIL_TOP_FLAGS = _words("-m -q -D -DD -d -b")
_GSUTIL_ARG_VALUES = _words("-a -L -j -z -x -s -y -I")
_GSUTIL_ARG_FLAGS = _words("-r -R -d -n -c -C -e -f -p -P -U -u -v -J -A -D -m")
_GSUTIL_READS = _words("ls cat du stat hash version help")
_GSUTIL_GET_SET = _words(
    """acl defacl iam versioning lifecycle cors logging web label requesterpays
    retention ubla bucketpolicyonly autoclass pap rpo notification kms
    defstorageclass"""
)
_GSUTIL_ACCESS = _words("acl defacl iam")
_GSUTIL_HOSTS = ("storage.googleapis.com", "oauth2.googleapis.com")


def _gsutil(cmd: SimpleCommand) -> _Outcome | None:
    args = cmd.argv[1:]
    i = 0
    while i < len(args) and args[i].startswith("-") and i + 1 not in cmd.dynamic:
        if args[i] in _GSUTIL_TOP_VALUES:
            if i + 2 in cmd.dynamic:
                reason = f"{args[i + 1]} before the command is only known at run time"
                return _Outcome(Kind.UNKNOWN, f"gsutil cannot be judged: {reason}")
            i += 1
        elif args[i] not in _GSUTIL_TOP_FLAGS:
            reason = f"the option {args[i]} before the command may change which command runs"
            return _Outcome(Kind.UNKNOWN, f"gsutil cannot be judged: {reason}")
        i += 1
    if i >= len(args):
        return None
    if i + 1 in cmd.dynamic:
        return _Outcome(
            Kind.UNKNOWN, f"gsutil would run a command only known at run time ({args[i]})"
        )
    verb = args[i]
    rest = args[i + 1 :]
    line = read_known(rest, _GSUTIL_ARG_VALUES, _GSUTIL_ARG_FLAGS)
    words = [w for _, w in line.positionals]
    first = words[0] if words else None
    project = _value_after(args[:i], "-u")
    scope = _scope([("project", project)])
    head = f"gsutil {verb}"
    if verb in _GSUTIL_READS:
        return None
    if verb in _GSUTIL_GET_SET:
        sub = first or ""
        if sub in {"get", "list"}:
            return None
        target = words[-1] if len(words) > 1 else None
        message = _sentence(f"{head} {sub}", "would change", verb, "settings of", target) + scope
        kind = Kind.IAM if verb in _GSUTIL_ACCESS else Kind.CHANGE
        return _Outcome(kind, message, target, _GSUTIL_HOSTS)
    if verb in {"rm", "rb"}:
        what = " ".join(words) or "objects"
        extent = " and everything under it" if line.has("-r", "-R", "-a") and verb == "rm" else ""
        noun = "bucket " if verb == "rb" else ""
        return _Outcome(
            Kind.DELETE, f"{head} would delete {noun}{what}{extent}{scope}", first, _GSUTIL_HOSTS
        )
    if verb in {"cp", "mv", "rsync"}:
        if verb == "rsync" and line.has("-n"):
            return None
        paths = [(index + i + 2, w) for index, w in line.positionals]
        return _bucket_copy(head, verb, paths, line, "gs://", scope, _GSUTIL_HOSTS, cmd.dynamic)
    if verb == "signurl":
        what = words[-1] if words else "an object"
        message = f"{head} would create a link that lets anyone download {what}"
        return _Outcome(Kind.SECRETS, message, None, _GSUTIL_HOSTS)
    message = _sentence(head, "would change", first) + scope
    return _Outcome(Kind.CHANGE, message, first, _GSUTIL_HOSTS)


def _value_after(args: Sequence[str], option: str) -> str | None:
    for index, arg in enumerate(args[:-1]):
        if arg == option:
            return args[index + 1]
    return None


# ---------------------------------------------------------------------------
# az
# ---------------------------------------------------------------------------

_AZ_VALUES = _words(
    """--subscription --output -o --query --resource-group -g --name -n --ids
    --vault-name --location -l --scope --assignee --role --account-name
    --container-name --file --workspace --server --key --value --secret"""
)
_AZ_FLAGS = _words(
    "--debug --verbose --only-show-errors --yes -y --no-wait --admin --overwrite --all"
)
_AZ_READ_VERBS = _words("list show exists wait version find query tail browse logs download help")
_AZ_SECRET_VERBS = _words(
    """get-access-token show-connection-string list-keys list-connection-strings
    list-publishing-credentials list-publishing-profiles list-credentials
    list-secrets get-connection-string"""
)
_AZ_SECRET_GROUPS = _words(
    "keys credential credentials admin-key query-key appsettings connection-string secret"
)
"""Groups whose `show` prints secret values; `list` too, except for names-only `secret list`."""
_AZ_DELETE_VERBS = _words("delete purge remove wipe")
_AZ_NOUNS: Mapping[str, str] = {"group": "resource group", "db": "database"}


def _az_reads(word: str) -> bool:
    if word in _AZ_SECRET_VERBS:
        return False
    return word in _AZ_READ_VERBS or word.startswith(("list-", "show-", "check-", "get-"))


def _az(cmd: SimpleCommand) -> _Outcome | None:
    line = read_known(cmd.argv[1:], _AZ_VALUES, _AZ_FLAGS)
    if line.help_at or not line.positionals:
        return None
    command = _find_command(line, _az_reads, verbs=_AZ_SECRET_VERBS, top_groups=("lock", "tag"))
    if command is None:
        first = line.positionals[0][1]
        return _Outcome(Kind.UNKNOWN, f"az {first} is not a command agentsh knows to be read-only")
    groups, verb = command.groups, command.verb
    head = f"az {command.path}"
    name = line.value("--name", "-n") or (command.rest[0] if command.rest else None)
    target = (
        name
        or line.value("--ids")
        or line.value("--assignee")
        or line.value("--vault-name")
        or line.value("--resource-group", "-g")
    )
    resource_group = line.value("--resource-group", "-g")
    scope = _scope(
        [
            ("subscription", line.value("--subscription")),
            ("resource group", resource_group if resource_group != target else None),
        ]
    )
    vault = line.value("--vault-name")
    grants: tuple[str, ...] = ("management.azure.com", "login.microsoftonline.com")
    if vault:
        grants = (*grants, f"{vault}.vault.azure.net")

    last_group = groups[-1] if groups else ""
    secret_read = (
        verb in _AZ_SECRET_VERBS
        or (last_group in _AZ_SECRET_GROUPS and verb in {"show", "download", "backup"})
        or (last_group in _AZ_SECRET_GROUPS - {"secret"} and verb == "list")
        or (last_group == "secret" and verb == "list" and line.has("--show-values"))
        or (verb == "get-credentials" and line.has("--admin"))
    )
    if secret_read:
        message = (
            _sentence(head, "would print secrets or credentials", target and f"of {target}") + scope
        )
        return _Outcome(Kind.SECRETS, message, target, grants)
    if _az_reads(verb):
        doubt = _doubt(cmd, line, command.verb_index)
        if doubt:
            return _Outcome(Kind.UNKNOWN, f"{head} cannot be judged: {doubt}", target, grants)
        return None
    noun = _AZ_NOUNS.get(groups[-1], groups[-1]) if groups else ""
    message = _sentence(head, "would", _describe_verb(verb), noun, target) + scope
    writes_iam = groups[:1] in {("ad",), ("role",)} or (
        "keyvault" in groups and verb in {"set-policy", "delete-policy"}
    )
    if writes_iam:
        return _Outcome(Kind.IAM, message, target, grants)
    if verb in _AZ_DELETE_VERBS or verb.startswith(("delete-", "remove-")):
        return _Outcome(Kind.DELETE, message, target, grants)
    return _Outcome(Kind.CHANGE, message, target, grants)


# ---------------------------------------------------------------------------
# doctl
# ---------------------------------------------------------------------------

_DOCTL_VALUES = _words(
    """-t --access-token --context -o --output --format -u --api-url -c --config
    --region --size --image --tag-name --http-retry-max"""
)
_DOCTL_FLAGS = _words("--trace -v --verbose --interactive --no-header --force -f --wait")
_DOCTL_READ_VERBS = _words("list ls get g version help logs")
_DOCTL_DELETE_VERBS = _words("delete d del rm remove purge")
_DOCTL_ALIASES: Mapping[str, str] = {
    "db": "databases",
    "dbs": "databases",
    "database": "databases",
    "k8s": "kubernetes",
    "kube": "kubernetes",
    "k": "kubernetes",
    "conn": "connection",
    "g": "get",
    "ls": "list",
}
_DOCTL_SECRET_PATHS = frozenset(
    {
        "databases connection",
        "databases get",
        "databases user get",
        "databases user list",
        "databases pool get",
        "databases pool list",
        "kubernetes cluster kubeconfig show",
        "registry docker-config",
    }
)


def _doctl_reads(word: str) -> bool:
    return word in _DOCTL_READ_VERBS


def _doctl(cmd: SimpleCommand) -> _Outcome | None:
    line = read_known(cmd.argv[1:], _DOCTL_VALUES, _DOCTL_FLAGS)
    if line.help_at or not line.positionals:
        return None
    positionals = [(i, _DOCTL_ALIASES.get(w, w)) for i, w in line.positionals]
    path_words = [w for _, w in positionals[:4]]
    for length in range(len(path_words), 0, -1):
        if " ".join(path_words[:length]) in _DOCTL_SECRET_PATHS:
            text = " ".join(w for _, w in line.positionals[:length])
            target = positionals[length][1] if len(positionals) > length else None
            message = _sentence(
                f"doctl {text}", "would print secrets or credentials", target and f"of {target}"
            )
            return _Outcome(Kind.SECRETS, message, target, ("api.digitalocean.com",))
    if path_words[:2] == ["databases", "list"] and _doctl_shows_uri(line):
        message = "doctl databases list would print connection URIs with passwords"
        return _Outcome(Kind.SECRETS, message, None, ("api.digitalocean.com",))
    command = _find_command(line, _doctl_reads, verbs=_DOCTL_DELETE_VERBS, aliases=_DOCTL_ALIASES)
    if command is None:
        first = line.positionals[0][1]
        return _Outcome(
            Kind.UNKNOWN, f"doctl {first} is not a command agentsh knows to be read-only"
        )
    groups, verb = command.groups, command.verb
    head = f"doctl {command.path}"
    target = " ".join(command.rest) or None
    scope = _scope([("context", line.value("--context"))])
    grants = ("api.digitalocean.com",)
    if _doctl_reads(verb):
        doubt = _doubt(cmd, line, command.verb_index)
        if doubt:
            return _Outcome(Kind.UNKNOWN, f"{head} cannot be judged: {doubt}", target, grants)
        return None
    noun = singular(groups[-1]) if groups else ""
    if verb in _DOCTL_DELETE_VERBS:
        message = _sentence(head, "would delete", noun, target) + scope
        return _Outcome(Kind.DELETE, message, target, grants)
    message = _sentence(head, "would", _describe_verb(verb), noun, target) + scope
    return _Outcome(Kind.CHANGE, message, target, grants)


def _doctl_shows_uri(line: KnownArgs) -> bool:
    columns = (line.value("--format") or "").lower()
    return "uri" in columns or "password" in columns or line.value("-o", "--output") == "json"


# ---------------------------------------------------------------------------

_JUDGES: Mapping[str, Callable[[SimpleCommand], _Outcome | None]] = {
    "aws": _aws,
    "gcloud": _gcloud,
    "gsutil": _gsutil,
    "az": _az,
    "doctl": _doctl,
}

PROGRAMS: frozenset[str] = frozenset(_JUDGES)


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    judge = _JUDGES.get(cmd.program)
    if judge is None:
        return []
    outcome = judge(cmd)
    if outcome is None:
        return []
    rule = f"cloud.{cmd.program}-{outcome.kind.value}"
    return [finding(rule, cmd, outcome.message, target=outcome.target, grants=outcome.grants)]
