"""HTTP clients: curl, wget, HTTPie/xh and `gh api`.

Each client's argv is turned into `_Request`s (method, targets, credentials,
bodies); one judge applies the same rules to all of them:

- DELETE, PUT, PATCH and unusual methods need a human;
- a POST that carries credentials to a host that is not loopback needs a human,
  and so does one whose body agentsh cannot read;
- a GraphQL mutation whose name says delete/destroy/... needs a human wherever it goes;
- GET/HEAD/OPTIONS, and GraphQL queries, stay allowed.

Findings carry the target host in `grants`, so an approved run can be given
that host through the proxy.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from agentsh.policy import lazyre
from agentsh.policy.argv import ParsedArgs, parse
from agentsh.policy.hosts import is_loopback
from agentsh.policy.model import Context, Finding, SimpleCommand, finding
from agentsh.records import field, record, replace

PROGRAMS: frozenset[str] = frozenset({"curl", "wget", "http", "https", "xh", "xhs", "gh"})

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "REPORT", "SEARCH"})

DESTRUCTIVE_WORDS = frozenset(
    {
        "delete", "del", "destroy", "remove", "rm", "drop", "purge", "reset", "wipe",
        "terminate", "revoke", "erase", "truncate", "nuke", "kill", "uninstall", "unlink",
        "detach", "clear", "evict", "deprovision", "decommission", "flush",
        "deletion", "removal", "destruction", "termination", "revocation", "erasure",
        "deleting", "removing", "destroying", "dropping", "purging", "wiping", "resetting",
    }
)  # fmt: skip
"""Words that, in a GraphQL mutation's name (`volumeDelete`, `delete_project`), mean data goes away."""

_CREDENTIAL_HEADER = lazyre.compile(
    r"auth|token|api-?key|access-?key|secret|session|cookie|passw|credential|signature|^key$",
    re.IGNORECASE,
)
_CREDENTIAL_VALUE = lazyre.compile(r"^\s*(bearer|basic|token|digest)\s", re.IGNORECASE)
_SECRET_VARIABLE = lazyre.compile(
    r"(?:\$\{?|\{\{)\w*(token|key|secret|pass|auth|cookie|session|cred|bearer)", re.IGNORECASE
)
_CREDENTIAL_QUERY = lazyre.compile(
    r"token|api[_-]?key|apikey|secret|passw|auth|signature|^sig$|^key$|session|jwt|credential",
    re.IGNORECASE,
)
_DYNAMIC_MARK = lazyre.compile(r"\$|`|<\(|\{\{")
_STATIC_HOST = lazyre.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^/?#@]*@)?(\[[^\]]*\]|[^/:?#\[]+)[/:?#]", re.I
)
_IDENTIFIER_WORDS = lazyre.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_GRAPHQL_TOKEN = lazyre.compile(r"\.\.\.|[A-Za-z_]\w*|[{}():]|\S")
_GRAPHQL_STRING = lazyre.compile(r'"""(?:.|\n)*?"""|"(?:\\.|[^"\\\n])*"|#[^\n]*')
_GRAPHQL_DOCUMENT = lazyre.compile(r"^\s*(\{|query\b|mutation\b|subscription\b|fragment\b)")

# --- option tables -----------------------------------------------------------


def _long_options(names: str) -> frozenset[str]:
    return frozenset("--" + name for name in names.split())


_CURL_LONG_WITH_VALUE = _long_options(
    """
    abstract-unix-socket alt-svc aws-sigv4 cacert capath cert cert-type ciphers config
    connect-timeout connect-to continue-at cookie cookie-jar create-file-mode crlfile curves
    data data-ascii data-binary data-raw data-urlencode delegation dns-interface dns-ipv4-addr
    dns-ipv6-addr dns-servers doh-url dump-header ech egd-file engine etag-compare etag-save
    expect100-timeout form form-string ftp-account ftp-alternative-to-user ftp-method ftp-port
    ftp-ssl-ccc-mode happy-eyeballs-timeout-ms haproxy-clientip header hostpubmd5 hostpubsha256
    hsts interface ip-tos ipfs-gateway json keepalive-cnt keepalive-time key key-type knownhosts
    krb krb4 libcurl limit-rate local-port login-options mail-auth mail-from mail-rcpt
    max-filesize max-redirs max-time netrc-file noproxy oauth2-bearer output output-dir
    parallel-max parallel-max-host pass pinnedpubkey preproxy proto proto-default proto-redir
    proxy proxy-cacert proxy-capath proxy-cert proxy-cert-type proxy-ciphers proxy-crlfile
    proxy-header proxy-key proxy-key-type proxy-pass proxy-pinnedpubkey proxy-service-name
    proxy-tls13-ciphers proxy-tlsauthtype proxy-tlspassword proxy-tlsuser proxy-user proxy1.0
    pubkey quote random-file range rate referer request request-target resolve retry
    retry-delay retry-max-time sasl-authzid service-name sigalgs socks4 socks4a socks5
    socks5-gssapi-service socks5-hostname speed-limit speed-time ssl-sessions stderr
    telnet-option tftp-blksize time-cond tls-max tls13-ciphers tlsauthtype tlspassword tlsuser
    trace trace-ascii trace-config unix-socket upload-file upload-flags url url-query user
    user-agent variable vlan-priority write-out
    """
)
_CURL_WITH_VALUE = (
    frozenset("AbcCdDEeFHKmoPQrtTuUwxXyYz")
    | _CURL_LONG_WITH_VALUE
    | {"--expand-" + name[2:] for name in _CURL_LONG_WITH_VALUE}
)
_CURL_CREDENTIAL_OPTIONS = {
    "u": "a username and password (-u)",
    "--user": "a username and password (--user)",
    "--oauth2-bearer": "a bearer token (--oauth2-bearer)",
    "b": "cookies (-b)",
    "--cookie": "cookies (--cookie)",
    "n": "~/.netrc credentials (-n)",
    "--netrc": "~/.netrc credentials (--netrc)",
    "--netrc-optional": "~/.netrc credentials (--netrc-optional)",
    "--netrc-file": "netrc credentials (--netrc-file)",
    "E": "a client certificate (-E)",
    "--cert": "a client certificate (--cert)",
    "--key": "a client key (--key)",
    "--negotiate": "Kerberos credentials (--negotiate)",
    "--aws-sigv4": "an AWS signature (--aws-sigv4)",
}
_CURL_DATA_OPTIONS = frozenset(
    {"d", "F", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode",
     "--json", "--form", "--form-string"}
)  # fmt: skip
_CURL_FTP_DESTRUCTIVE = lazyre.compile(r"^[-+*]*\s*(dele|rmd|xrmd|rm|rmdir|rename|rnfr)\b", re.I)

_WGET_WITH_VALUE = frozenset("oaeOPtTwQlARDXIUBi") | _long_options(
    """
    output-file append-output execute config input-file base bind-address tries
    output-document wait waitretry quota limit-rate directory-prefix user password http-user
    http-password ftp-user ftp-password proxy-user proxy-password header method body-data
    body-file post-data post-file load-cookies save-cookies referer user-agent timeout
    dns-timeout connect-timeout read-timeout level accept reject domains exclude-domains
    include-directories exclude-directories cut-dirs default-page restrict-file-names
    certificate certificate-type private-key private-key-type ca-certificate ca-directory
    crl-file pinnedpubkey ciphers secure-protocol local-encoding remote-encoding use-askpass
    progress max-redirect report-speed compression accept-regex reject-regex regex-type
    rejected-log hsts-file warc-file warc-header warc-max-size prefer-family
    retry-on-http-error egd-file
    """
)
_WGET_CREDENTIAL_OPTIONS = {
    "--user": "a username (--user)",
    "--password": "a password (--password)",
    "--http-user": "a username (--http-user)",
    "--http-password": "a password (--http-password)",
    "--ask-password": "a password (--ask-password)",
    "--use-askpass": "a password (--use-askpass)",
    "--load-cookies": "cookies (--load-cookies)",
    "--certificate": "a client certificate (--certificate)",
    "--private-key": "a client key (--private-key)",
}

_HTTPIE_WITH_VALUE = frozenset("aApPosx") | _long_options(
    """
    auth auth-type bearer session session-read-only output pretty style print history-print
    verify cert cert-key cert-key-pass ssl ciphers proxy timeout max-redirects max-headers
    default-scheme format-options response-charset response-mime boundary raw http-version
    resolve interface unix-socket
    """
)
_HTTPIE_CREDENTIAL_OPTIONS = {
    "a": "credentials (-a)",
    "--auth": "credentials (--auth)",
    "--bearer": "a bearer token (--bearer)",
    "--session": "a saved session (--session)",
    "--session-read-only": "a saved session (--session-read-only)",
    "--cert": "a client certificate (--cert)",
}
_HTTPIE_NOT_SENT = ("--offline", "--curl", "--curl-long", "--help", "--version")
# Separators of HTTPie request items, longest first so `:=@` wins over `:`.
_HTTPIE_SEPARATORS = (":=@", "=@", "==", ":=", "=", "@", ":", ";")
_HTTPIE_DATA_SEPARATORS = frozenset({":=@", "=@", ":=", "=", "@"})

_GH_API_WITH_VALUE = frozenset("XfFHqtp") | frozenset(
    {"--method", "--raw-field", "--field", "--header", "--input", "--jq", "--template",
     "--hostname", "--preview", "--cache"}
)  # fmt: skip
_GH_DELETE_VERBS = frozenset({"delete", "delete-asset", "item-delete", "field-delete", "archive"})
_GH_LOCAL_NOUNS = frozenset({"alias", "extension", "config", "auth", "completion", "help"})
_GH_SUBCOMMAND_WITH_VALUE = frozenset("Reoaqt") | frozenset(
    {"--repo", "--env", "--org", "--owner", "--app", "--jq", "--template", "--hostname"}
)


# --- the request model ---------------------------------------------------------


@record
class _Target:
    text: str
    host: str | None
    """Lower-case host name; None when it is only known at run time."""
    label: str
    """host[:port]/path, without scheme, query or credentials: what a human reads."""
    credentials: tuple[str, ...] = ()


@record
class _Body:
    text: str | None
    """None when agentsh cannot see it (a file it was not given, a dynamic word)."""
    source: str


@record(frozen=False)
class _Request:
    tool: str
    method: str | None
    method_word: str = ""
    targets: list[_Target] = field(default_factory=list)
    credentials: list[str] = field(default_factory=list)
    bodies: list[_Body] = field(default_factory=list)
    unix_socket: str | None = None


class _Words:
    """Tells which option values came from words that are not static."""

    def __init__(self, cmd: SimpleCommand) -> None:
        self._dynamic = [cmd.argv[i] for i in cmd.dynamic if 0 <= i < len(cmd.argv)]

    def is_dynamic(self, value: str) -> bool:
        for word in self._dynamic:
            if word == value:
                return True
            if value and word.endswith(value) and word[: -len(value)].startswith("-"):
                return True
        return False


# --- entry point ---------------------------------------------------------------


def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]:
    program = cmd.program
    if program == "curl":
        requests, findings = _curl(cmd, ctx)
    elif program == "wget":
        requests, findings = _wget(cmd, ctx)
    elif program in ("http", "https", "xh", "xhs"):
        requests, findings = _httpie(cmd, ctx), []
    elif program == "gh":
        requests, findings = _gh(cmd, ctx)
    else:
        return []
    for request in requests:
        findings.extend(_judge(request, cmd))
    return _unique(findings)


def wanted_files(cmd: SimpleCommand, ctx: Context) -> list[str]:
    """Absolute paths whose text would sharpen the verdict (`-d @body.json`, `-K opts.txt`).

    Runs the same parsing as `classify()` and notes each file it looked up.
    """
    if cmd.remote:
        return []
    recorder = _RecordingFiles(ctx.files)
    classify(cmd, replace(ctx, files=recorder))
    return [path for path in recorder.asked if path not in ctx.files]


class _RecordingFiles(Mapping[str, str]):
    def __init__(self, files: Mapping[str, str]) -> None:
        self._files = files
        self.asked: list[str] = []

    def __getitem__(self, path: str) -> str:
        if path not in self.asked:
            self.asked.append(path)
        return self._files[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    result = []
    for item in findings:
        if (item.rule, item.message) not in seen:
            seen.add((item.rule, item.message))
            result.append(item)
    return result


# --- judging -------------------------------------------------------------------


def _judge(request: _Request, cmd: SimpleCommand) -> list[Finding]:
    return [f for target in request.targets for f in _judge_target(request, target, cmd)]


def _judge_target(request: _Request, target: _Target, cmd: SimpleCommand) -> list[Finding]:
    tool, method, where = request.tool, request.method, target.label
    if target.host is None:
        sent = method or "a request"
        message = f"{tool} would send {sent} to a URL only known at run time ({target.text})"
        return [finding("http.dynamic-target", cmd, message, target=target.text)]
    grants = (target.host,)

    def report(rule: str, message: str) -> list[Finding]:
        return [finding(rule, cmd, message, target=where, grants=grants)]

    if method is None:
        word = request.method_word
        return report(
            "http.dynamic-method",
            f"{tool} would send a method only known at run time ({word}) to {where}",
        )
    mutation = _destructive_mutation(request.bodies)
    if mutation:
        return report(
            "http.graphql-destructive",
            f"{tool} would run the GraphQL mutation {mutation} on {where}",
        )
    if method in READ_METHODS:
        return []
    if request.unix_socket:
        return report(
            "http.unix-socket-write",
            f"{tool} would send {method} to {where} over the local socket {request.unix_socket}",
        )
    if method != "POST":
        return report("http.write-method", f"{tool} would send {method} to {where}")
    if request.bodies and all(_is_graphql_read(b.text) for b in request.bodies):
        return []
    if not cmd.remote and is_loopback(target.host):
        return []
    credentials = request.credentials + list(target.credentials)
    if credentials:
        return report(
            "http.credentialed-write", f"{tool} would POST with {credentials[0]} to {where}"
        )
    unseen = next((b for b in request.bodies if b.text is None), None)
    if unseen is not None:
        return report("http.unknown-body", f"{tool} would POST {unseen.source} to {where}")
    return []


# --- targets -------------------------------------------------------------------


def _target(text: str, dynamic: bool) -> _Target:
    """Parse a URL as a client would; a dynamic URL keeps whatever host its static prefix shows."""
    if dynamic:
        mark = _DYNAMIC_MARK.search(text)
        prefix = text[: mark.start()] if mark else text
        match = _STATIC_HOST.match(prefix)
        if not match:
            return _Target(text, None, text)
        host = match.group(1).lower()
        return _Target(text, host, _label_of(prefix) + "…")
    rest = text.partition("://")[2] if "://" in text else text
    authority, path = _split_authority(rest)
    _, at, hostport = authority.rpartition("@")
    host = _host_of(hostport)
    credentials: list[str] = []
    if at:
        credentials.append("credentials in the URL")
    query = path.partition("?")[2].partition("#")[0]
    for pair in query.split("&"):
        name = pair.partition("=")[0]
        if name and _CREDENTIAL_QUERY.search(name):
            credentials.append(f"a token in the URL ({name}=…)")
            break
    return _Target(text, host, _label_of(text), tuple(credentials))


def _split_authority(rest: str) -> tuple[str, str]:
    cut = len(rest)
    for stop in "/?#":
        index = rest.find(stop)
        if index != -1:
            cut = min(cut, index)
    return rest[:cut], rest[cut:]


def _host_of(hostport: str) -> str:
    if hostport.startswith("["):
        return hostport[: hostport.find("]") + 1].lower() if "]" in hostport else hostport
    return hostport.partition(":")[0].lower()


def _label_of(url: str) -> str:
    rest = url.partition("://")[2] if "://" in url else url
    authority, path = _split_authority(rest)
    hostport = authority.rpartition("@")[2].lower()
    path = path.partition("?")[0].partition("#")[0].rstrip("/")
    return hostport + path


# --- bodies and GraphQL --------------------------------------------------------


def _destructive_mutation(bodies: Sequence[_Body]) -> str | None:
    for body in bodies:
        if body.text is None:
            continue
        for document in _graphql_documents(body.text):
            for name in _mutation_names(document):
                if any(word.lower() in DESTRUCTIVE_WORDS for word in _identifier_words(name)):
                    return name
    return None


def _graphql_documents(text: str) -> list[str]:
    """The GraphQL text a body carries: its JSON `query`/`operationName`, or the raw text."""
    import json

    try:
        payload = json.loads(text)
    except ValueError:
        unescaped = text.replace('\\"', '"').replace("\\n", "\n")
        return [unescaped] if "mutation" in unescaped else []
    documents: list[str] = []
    for item in payload if isinstance(payload, list) else [payload]:
        if not isinstance(item, dict):
            continue
        query, operation = item.get("query"), item.get("operationName")
        if isinstance(query, str):
            documents.append(query)
        if isinstance(operation, str) and (query is None or "mutation" in str(query)):
            documents.append(f"mutation {operation} {{ }}")
    return documents


def _mutation_names(document: str) -> list[str]:
    """Operation names and top-level field names of every mutation in `document`."""
    tokens = _GRAPHQL_TOKEN.findall(_GRAPHQL_STRING.sub(" ", document))
    names: list[str] = []
    depth = parens = 0
    in_mutation = False
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth <= 0:
                depth, in_mutation = 0, False
        elif token == "(":
            parens += 1
        elif token == ")":
            parens = max(0, parens - 1)
        elif depth == 0 and token == "mutation":
            in_mutation = True
            if following[:1].isalpha() or following[:1] == "_":
                names.append(following)
        elif (
            in_mutation
            and depth == 1
            and parens == 0
            and (token[0].isalpha() or token[0] == "_")
            and following != ":"
            and tokens[index - 1] != "..."
        ):
            names.append(token)
    return names


def _identifier_words(name: str) -> list[str]:
    return [word for part in name.split("_") for word in _IDENTIFIER_WORDS.findall(part)]


def _is_graphql_read(text: str | None) -> bool:
    """True only for a body that is certainly GraphQL and holds no mutation."""
    import json

    if text is None:
        return False
    try:
        payload = json.loads(text)
    except ValueError:
        documents = [text] if _GRAPHQL_DOCUMENT.match(text) else []
    else:
        items = payload if isinstance(payload, list) else [payload]
        documents = [
            item["query"]
            for item in items
            if isinstance(item, dict) and isinstance(item.get("query"), str)
        ]
        if len(documents) != len(items):
            return False
    return bool(documents) and all(
        _GRAPHQL_DOCUMENT.match(doc)
        and not re.search(r"\bmutation\b", _GRAPHQL_STRING.sub(" ", doc))
        for doc in documents
    )


def _read_file(ctx: Context, path: str) -> str | None:
    if path.startswith("~/"):
        path = posixpath.join(ctx.home, path[2:])
    return ctx.files.get(posixpath.normpath(posixpath.join(ctx.cwd, path)))


def _stdin_body(cmd: SimpleCommand) -> _Body:
    return _Body(cmd.stdin.text, "its standard input (not visible to agentsh)")


def _file_body(ctx: Context, cmd: SimpleCommand, path: str) -> _Body:
    if path == "-":
        return _stdin_body(cmd)
    return _Body(_read_file(ctx, path), f"{path} (contents not visible to agentsh)")


def _text_body(value: str, dynamic: bool) -> _Body:
    return _Body(None, f"a body only known at run time ({value})") if dynamic else _Body(value, "")


def _header_credentials(headers: Iterable[str], dynamic: bool) -> list[str]:
    """Describe each header that carries a credential, for the confirm message."""
    found = []
    for header in headers:
        name, colon, value = header.partition(":")
        name = name.strip()
        if dynamic and (_SECRET_VARIABLE.search(header) or _DYNAMIC_MARK.search(name) or not colon):
            found.append(f"a header only known at run time ({header})")
        elif (
            colon
            and value.strip()
            and (_CREDENTIAL_HEADER.search(name) or _CREDENTIAL_VALUE.match(value))
        ):
            article = "an" if name[:1].lower() in "aeioux" else "a"
            found.append(f"{article} {name} header")
    return found


# --- curl ----------------------------------------------------------------------


def _curl(cmd: SimpleCommand, ctx: Context) -> tuple[list[_Request], list[Finding]]:
    findings: list[Finding] = []
    args = _curl_expand_configs(list(cmd.args), cmd, ctx, findings)
    words = _Words(cmd)
    requests = [_curl_request(group, words, cmd, ctx, findings) for group in _curl_groups(args)]
    return requests, findings


def _curl_groups(args: list[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for arg in args:
        if arg in ("--next", "-:"):
            groups.append([])
        else:
            groups[-1].append(arg)
    return groups


def _curl_expand_configs(
    args: list[str], cmd: SimpleCommand, ctx: Context, findings: list[Finding], depth: int = 0
) -> list[str]:
    """Replace `-K FILE` with the options FILE holds, when its text is known."""
    parsed = parse(args, _CURL_WITH_VALUE)
    configs = parsed.values("K", "--config")
    if not configs:
        return args
    expanded = list(args)
    for path in configs:
        text = cmd.stdin.text if path == "-" else _read_file(ctx, path)
        if text is None or depth >= 3:
            shown = "standard input" if path == "-" else path
            findings.append(
                finding(
                    "http.unknown-config",
                    cmd,
                    f"curl would read options from {shown}, which agentsh cannot read",
                    target=path,
                )
            )
            continue
        expanded += _curl_expand_configs(_curl_config_args(text), cmd, ctx, findings, depth + 1)
    return expanded


_CONFIG_LINE = lazyre.compile(r"^\s*(-{0,2})([A-Za-z0-9#:.-][A-Za-z0-9.-]*)\s*([=:]?)\s*(.*?)\s*$")


def _curl_config_args(text: str) -> list[str]:
    """Turn a curl config file (`url = "…"`, `-X DELETE`, `header: X`) into argv words."""
    args: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _CONFIG_LINE.match(stripped)
        if not match:
            continue
        dashes, name, _, value = match.groups()
        args.append(f"-{name}" if dashes == "-" else f"--{name}")
        if value.startswith('"'):
            value = _unquote_config_value(value)
        elif value:
            value = value.split()[0]
        if value:
            args.append(value)
    return args


def _unquote_config_value(value: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", "v": "\v"}
    out: list[str] = []
    index = 1
    while index < len(value) and value[index] != '"':
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            index += 1
            char = escapes.get(value[index], value[index])
        out.append(char)
        index += 1
    return "".join(out)


_CurlOption = tuple[str, str | None, bool]
"""(name, value, dynamic); `--expand-data` is reported as `--data`."""


def _curl_request(
    args: list[str], words: _Words, cmd: SimpleCommand, ctx: Context, findings: list[Finding]
) -> _Request:
    parsed = parse(args, _CURL_WITH_VALUE)
    options: list[_CurlOption] = []
    for name, value in parsed.options:
        expanded = name.startswith("--expand-")
        dynamic = value is not None and (words.is_dynamic(value) or (expanded and "{{" in value))
        options.append(("--" + name[9:] if expanded else name, value, dynamic))
    request = _Request("curl", *_curl_method(options))
    bodies_go_to_query = any(name in ("G", "--get") for name, _, _ in options)
    for name, value, dynamic in options:
        if name in _CURL_CREDENTIAL_OPTIONS:
            request.credentials.append(_CURL_CREDENTIAL_OPTIONS[name])
        if value is None:
            continue
        if name in ("H", "--header"):
            request.credentials += _curl_header_credentials(value, dynamic, ctx)
        elif name == "--url":
            request.targets.append(_target(value, dynamic))
        elif name in ("--unix-socket", "--abstract-unix-socket"):
            request.unix_socket = value
        elif name in ("Q", "--quote") and _CURL_FTP_DESTRUCTIVE.match(value):
            message = f"curl would run the remote file command {value!r}"
            findings.append(finding("http.ftp-command", cmd, message))
        elif name in _CURL_DATA_OPTIONS and not bodies_go_to_query:
            request.bodies.append(_curl_body(name, value, dynamic, cmd, ctx))
    request.targets += [_target(url, words.is_dynamic(url)) for url in parsed.positionals]
    return request


def _curl_method(options: list[_CurlOption]) -> tuple[str | None, str]:
    """The method curl sends and the word it came from (for -X)."""
    explicit = [(value, dynamic) for name, value, dynamic in options if name in ("X", "--request")]
    if explicit and explicit[-1][0]:
        word, dynamic = explicit[-1]
        return (None if dynamic else str(word).upper()), str(word)
    names = {name for name, _, _ in options}
    if names & {"I", "--head"}:
        return "HEAD", ""
    if names & {"T", "--upload-file"}:
        return "PUT", ""
    if names & {"G", "--get"}:
        return "GET", ""
    if names & _CURL_DATA_OPTIONS:
        return "POST", ""
    return "GET", ""


def _curl_header_credentials(value: str, dynamic: bool, ctx: Context) -> list[str]:
    if value.startswith("@") and not dynamic:
        text = _read_file(ctx, value[1:])
        if text is None:
            return [f"headers from {value[1:]} (not visible to agentsh)"]
        return _header_credentials(text.splitlines(), False)
    return _header_credentials([value], dynamic)


def _curl_body(name: str, value: str, dynamic: bool, cmd: SimpleCommand, ctx: Context) -> _Body:
    """What a data option sends: its text, a file's text, or unknown."""
    if dynamic:
        return _text_body(value, dynamic)
    if name in ("--data-raw", "--form-string"):
        return _Body(value, "")
    if name == "--data-urlencode":
        key, equals, content = value.partition("=")
        if equals and "@" not in key:
            return _Body(content, "")
        _, at, path = value.partition("@")
        return _file_body(ctx, cmd, path) if at else _Body(value, "")
    if name in ("F", "--form"):
        content = value.partition("=")[2]
        if content.startswith(("@", "<")):
            return _file_body(ctx, cmd, content[1:].split(";")[0])
        return _Body(content, "")
    return _file_body(ctx, cmd, value[1:]) if value.startswith("@") else _Body(value, "")


# --- wget ----------------------------------------------------------------------


def _wget(cmd: SimpleCommand, ctx: Context) -> tuple[list[_Request], list[Finding]]:
    findings: list[Finding] = []
    args = list(cmd.args)
    parsed = parse(args, _WGET_WITH_VALUE)
    for command in parsed.values("e", "--execute"):
        args += _wgetrc_args(command)
    for path in parsed.values("--config"):
        text = _read_file(ctx, path)
        if text is None:
            message = f"wget would read settings from {path}, which agentsh cannot read"
            findings.append(finding("http.unknown-config", cmd, message, target=path))
        else:
            args += [a for line in text.splitlines() for a in _wgetrc_args(line)]
    parsed = parse(args, _WGET_WITH_VALUE)
    words = _Words(cmd)
    request = _Request("wget", _wget_method(parsed, words), parsed.last("--method") or "")
    for name, value in parsed.options:
        if name in _WGET_CREDENTIAL_OPTIONS:
            request.credentials.append(_WGET_CREDENTIAL_OPTIONS[name])
        if value is None:
            continue
        dynamic = words.is_dynamic(value)
        if name == "--header":
            request.credentials += _header_credentials([value], dynamic)
        elif name in ("--post-data", "--body-data"):
            request.bodies.append(_text_body(value, dynamic))
        elif name in ("--post-file", "--body-file"):
            request.bodies.append(_file_body(ctx, cmd, value))
        elif name in ("i", "--input-file"):
            request.targets += _wget_listed_targets(value, request.method, cmd, ctx)
    request.targets += [_target(url, words.is_dynamic(url)) for url in parsed.positionals]
    return [request], findings


def _wget_listed_targets(
    path: str, method: str | None, cmd: SimpleCommand, ctx: Context
) -> list[_Target]:
    """URLs from `-i FILE`; an unread list matters only when the request writes."""
    text = cmd.stdin.text if path == "-" else _read_file(ctx, path)
    if text is not None:
        return [_target(url, False) for url in text.split() if not url.startswith("#")]
    if method in READ_METHODS:
        return []
    return [_Target(f"the URLs listed in {path}", None, path)]


def _wgetrc_args(command: str) -> list[str]:
    """`method = DELETE` (a wgetrc line or `-e` command) as `--method=DELETE`."""
    key, equals, value = command.partition("=")
    key = key.strip().lower().replace("_", "-")
    if not equals or not key or key.startswith("#"):
        return []
    return [f"--{key}={value.strip()}"]


def _wget_method(parsed: ParsedArgs, words: _Words) -> str | None:
    method = parsed.last("--method")
    if method:
        return None if words.is_dynamic(method) else method.upper()
    if parsed.has("--post-data", "--post-file", "--body-data", "--body-file"):
        return "POST"
    return "GET"


# --- HTTPie and xh ---------------------------------------------------------------


def _httpie(cmd: SimpleCommand, ctx: Context) -> list[_Request]:
    """`http [METHOD] URL [ITEM ...]`, guessing the method the way HTTPie does."""
    import json

    parsed = parse(cmd.args, _HTTPIE_WITH_VALUE)
    positionals = list(parsed.positionals)
    if parsed.has(*_HTTPIE_NOT_SENT) or not positionals:
        return []
    words = _Words(cmd)
    method_word = ""
    if len(positionals) >= 2 and re.fullmatch(r"[A-Za-z]+|\$\{?\w+\}?", positionals[0]):
        method_word = positionals.pop(0)
    url, items = positionals[0], positionals[1:]
    url_dynamic = words.is_dynamic(url)
    if url.startswith(":") and not url_dynamic:
        url = "localhost" + url[1:]
    request = _Request(cmd.program, None, method_word, [_target(url, url_dynamic)])
    request.credentials += [
        _HTTPIE_CREDENTIAL_OPTIONS[name]
        for name, _ in parsed.options
        if name in _HTTPIE_CREDENTIAL_OPTIONS
    ]
    fields: dict[str, object] = {}
    for item in items:
        _httpie_item(item, words.is_dynamic(item), request, fields, cmd, ctx)
    raw = parsed.last("--raw")
    if raw is not None:
        request.bodies.append(_text_body(raw, words.is_dynamic(raw)))
    if fields:
        request.bodies.append(_Body(json.dumps(fields), ""))
    reads_stdin = cmd.stdin.kind != "inherit" and not parsed.has("I", "--ignore-stdin")
    if reads_stdin and not request.bodies:
        request.bodies.append(_stdin_body(cmd))
    if method_word:
        request.method = None if words.is_dynamic(method_word) else method_word.upper()
    else:
        request.method = "POST" if request.bodies else "GET"
    return [request]


def _httpie_item(
    item: str,
    dynamic: bool,
    request: _Request,
    fields: dict[str, object],
    cmd: SimpleCommand,
    ctx: Context,
) -> None:
    key, separator, value = _split_httpie_item(item)
    if separator in (":", ";"):
        request.credentials += _header_credentials([f"{key}:{value}"], dynamic)
    elif separator == "==":
        if _CREDENTIAL_QUERY.search(key):
            request.credentials.append(f"a token in the URL ({key}==…)")
    elif dynamic or not separator:
        request.bodies.append(_Body(None, f"an item only known at run time ({item})"))
    elif separator.endswith("@"):
        request.bodies.append(_file_body(ctx, cmd, value))
    else:
        fields[key] = _json_or_text(value) if separator == ":=" else value


def _split_httpie_item(item: str) -> tuple[str, str, str]:
    """Split an HTTPie request item at its earliest separator (`\\` escapes one)."""
    index = 0
    while index < len(item):
        if item[index] == "\\":
            index += 2
            continue
        for separator in _HTTPIE_SEPARATORS:
            if item.startswith(separator, index):
                return item[:index], separator, item[index + len(separator) :]
        index += 1
    return item, "", ""


def _json_or_text(value: str) -> object:
    import json

    try:
        return json.loads(value)
    except ValueError:
        return value


# --- gh --------------------------------------------------------------------------


def _gh(cmd: SimpleCommand, ctx: Context) -> tuple[list[_Request], list[Finding]]:
    args = list(cmd.args)
    if not args:
        return [], []
    if args[0] != "api":
        return [], _gh_subcommand(cmd, args)
    parsed = parse(args[1:], _GH_API_WITH_VALUE)
    if not parsed.positionals:
        return [], []
    endpoint = parsed.positionals[0]
    words = _Words(cmd)
    fields = [
        _GhField(value, name in ("F", "--field"), words.is_dynamic(value))
        for name, value in parsed.options
        if name in ("f", "F", "--raw-field", "--field") and value is not None
    ]
    explicit = parsed.last("X", "--method")
    if explicit:
        method: str | None = None if words.is_dynamic(explicit) else explicit.upper()
    elif fields or parsed.has("--input") or endpoint == "graphql":
        method = "POST"
    else:
        method = "GET"
    target = _gh_target(endpoint, words.is_dynamic(endpoint), parsed, cmd)
    request = _Request("gh api", method, explicit or "", [target], ["your GitHub login"])
    request.bodies += _gh_bodies(endpoint, fields, parsed, cmd, ctx)
    return [request], []


def _gh_target(endpoint: str, dynamic: bool, parsed: ParsedArgs, cmd: SimpleCommand) -> _Target:
    """Endpoints are paths on the GitHub API host (or a full URL); their host is static."""
    if endpoint.startswith(("http://", "https://")):
        return _target(endpoint, dynamic)
    hostname = parsed.last("--hostname") or dict(cmd.env).get("GH_HOST") or "github.com"
    if endpoint == "graphql":
        base = "api.github.com" if hostname == "github.com" else f"{hostname}/api"
    else:
        base = "api.github.com" if hostname == "github.com" else f"{hostname}/api/v3"
    label = f"{base}/{endpoint.lstrip('/')}".rstrip("/")
    return _Target(endpoint, base.partition("/")[0].lower(), label)


@record
class _GhField:
    item: str
    """key=value as given to -f/-F."""
    reads_files: bool
    """-F/--field reads `@file`; -f/--raw-field sends it as text."""
    dynamic: bool


def _gh_bodies(
    endpoint: str,
    fields: list[_GhField],
    parsed: ParsedArgs,
    cmd: SimpleCommand,
    ctx: Context,
) -> list[_Body]:
    import json

    bodies: list[_Body] = []
    values: dict[str, object] = {}
    for given in fields:
        key, _, value = given.item.partition("=")
        if given.dynamic:
            bodies.append(_Body(None, f"a field only known at run time ({given.item})"))
        elif given.reads_files and value.startswith("@"):
            body = _file_body(ctx, cmd, value[1:])
            if body.text is None:
                bodies.append(body)
            values[key] = body.text
        else:
            values[key] = value
    for path in parsed.values("--input"):
        bodies.append(_file_body(ctx, cmd, path))
    if values:
        if endpoint == "graphql" and isinstance(values.get("query"), str):
            bodies.append(_Body(json.dumps({"query": values["query"]}), ""))
        else:
            bodies.append(_Body(json.dumps(values), ""))
    return bodies


def _gh_subcommand(cmd: SimpleCommand, args: list[str]) -> list[Finding]:
    """`gh repo delete`, `gh release delete-asset`, `gh secret delete` … act on GitHub itself."""
    parsed = parse(args, _GH_SUBCOMMAND_WITH_VALUE)
    words = parsed.positionals[:3]
    if not words or words[0] in _GH_LOCAL_NOUNS:
        return []
    for position, word in enumerate(words[1:], start=1):
        if word in _GH_DELETE_VERBS or (word == "remove" and words[0] in ("secret", "variable")):
            action = " ".join(words[: position + 1])
            named = words[position + 1 : position + 2]
            what = named[0] if named else "the current repository" if words[0] == "repo" else ""
            repository = parsed.last("R", "--repo")
            where = f" in {repository}" if repository else ""
            verb = "archive" if word == "archive" else "delete"
            message = f"gh {action} would {verb} {what}{where} on GitHub".replace("  ", " ")
            return [
                finding(
                    "http.gh-delete",
                    cmd,
                    message,
                    target=what or repository,
                    grants=("api.github.com",),
                )
            ]
    return []
