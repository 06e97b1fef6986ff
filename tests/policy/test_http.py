"""The HTTP family: curl, wget, HTTPie/xh and gh api."""

from __future__ import annotations

import pytest

from agentsh.policy import http
from agentsh.policy.model import Context, Decision, SimpleCommand, Stdin
from agentsh.records import replace
from tests.policy.helpers import CTX, cmd, decision_of


class Static(str):
    """A line whose `$` are literal (single-quoted in the shell), unlike the helper's guess."""


CONFIRM_CASES = [
    # methods, in every spelling curl accepts
    ("curl -X DELETE https://api.example.com/v1/projects/42", "http.write-method"),
    ("curl -XDELETE https://api.example.com/items/7", "http.write-method"),
    ("curl --request DELETE https://api.example.com/users/1", "http.write-method"),
    ("curl --request=DELETE https://api.example.com/users/1", "http.write-method"),
    ("curl -X delete https://api.example.com/users/1", "http.write-method"),
    ("curl -sSf -X PUT -H 'Content-Type: application/json' api.example.com/x", "http.write-method"),
    ("curl --request=PUT https://api.example.com/config -d @config.json", "http.write-method"),
    ('curl -X PATCH https://api.example.com/users/1 -d \'{"role":"admin"}\'', "http.write-method"),
    ("curl -X PURGE https://cdn.example.com/assets/app.js", "http.write-method"),
    ("curl -T backup.sql https://files.example.com/upload/", "http.write-method"),
    ("curl --upload-file backup.sql https://files.example.com/upload/", "http.write-method"),
    ("curl -X DELETE http://localhost:8000/api/items/1", "http.write-method"),
    ("curl https://a.example.com --next -X DELETE https://b.example.com/x", "http.write-method"),
    # credentials on a POST
    (
        "curl -H 'Authorization: Bearer abc' -d '{\"name\":\"x\"}' https://api.example.com/deploys",
        "http.credentialed-write",
    ),
    (
        "curl -H 'X-Api-Key: k' --json '{\"a\":1}' https://api.example.com/jobs",
        "http.credentialed-write",
    ),
    (
        "curl --header 'Cookie: session=abc' -d a=1 https://app.example.com/form",
        "http.credentialed-write",
    ),
    (
        'curl -H "Authorization: Bearer $TOKEN" -d x https://api.example.com/run',
        "http.credentialed-write",
    ),
    ('curl -H "$AUTH_HEADER" -d x https://api.example.com/run', "http.credentialed-write"),
    ("curl -u admin:secret -d x https://api.example.com/run", "http.credentialed-write"),
    ("curl --user=admin:secret -d x https://api.example.com/run", "http.credentialed-write"),
    ("curl --oauth2-bearer tok -d x https://api.example.com/run", "http.credentialed-write"),
    ("curl -b cookies.txt -d x https://app.example.com/run", "http.credentialed-write"),
    ("curl -n -d x https://api.example.com/run", "http.credentialed-write"),
    ("curl -d x 'https://admin:pw@api.example.com/run'", "http.credentialed-write"),
    ("curl -d x 'https://api.example.com/run?access_token=abc'", "http.credentialed-write"),
    (
        "curl -F file=@a.png -H 'Authorization: Bearer x' https://api.example.com/u",
        "http.credentialed-write",
    ),
    # GraphQL mutations that destroy, with or without credentials, wherever they go
    (
        'curl -X POST https://backboard.example.app/graphql/v2 -H "Authorization: Bearer $TOKEN" '
        '-d \'{"query":"mutation { volumeDelete(volumeId: \\"v-123\\") }"}\'',
        "http.graphql-destructive",
    ),
    (
        'curl -d \'{"query":"mutation { deleteProject(id: 1) { id } }"}\' http://localhost:4000/graphql',
        "http.graphql-destructive",
    ),
    (
        'curl -d \'{"query":"mutation Wipe { project_purge(id: 1) }"}\' https://api.example.com/gql',
        "http.graphql-destructive",
    ),
    (
        Static(
            'curl -d \'{"query":"mutation($id: ID!) { x: tokenRevoke(id: $id) }"}\' https://x.io/gql'
        ),
        "http.graphql-destructive",
    ),
    (
        'curl -d \'{"operationName":"DeleteService","variables":{}}\' https://api.example.com/gql',
        "http.graphql-destructive",
    ),
    (
        "curl --data-binary 'mutation { environmentDelete(id: \"e\") }' https://api.example.com/gql",
        "http.graphql-destructive",
    ),
    # what agentsh cannot see
    ('curl -X "$METHOD" https://api.example.com/x', "http.dynamic-method"),
    ("curl -X$METHOD https://api.example.com/x", "http.dynamic-method"),
    ('curl -s "$API_URL/health"', "http.dynamic-target"),
    ('curl -X POST "$(cat url.txt)" -d x', "http.dynamic-target"),
    ("curl -d @payload.json https://api.example.com/run", "http.unknown-body"),
    ('curl -d "$BODY" https://api.example.com/run', "http.unknown-body"),
    (
        "curl --variable %TOKEN --expand-header 'X-Api: {{TOKEN}}' -d x https://x.io/a",
        "http.credentialed-write",
    ),
    ("curl --variable %B --expand-data '{{B}}' https://x.io/a", "http.unknown-body"),
    ("curl -H @headers.txt -d x https://x.io/a", "http.credentialed-write"),
    ("curl -K options.txt", "http.unknown-config"),
    ("curl --config=options.txt https://api.example.com", "http.unknown-config"),
    (
        "curl --unix-socket /var/run/docker.sock -X POST http://localhost/containers/x/kill",
        "http.unix-socket-write",
    ),
    ("curl -Q '-DELE file.txt' ftp://ftp.example.com/", "http.ftp-command"),
    # wget
    ("wget --method=DELETE https://api.example.com/buckets/logs", "http.write-method"),
    ("wget --method PUT --body-file=x.json https://api.example.com/x", "http.write-method"),
    ("wget -e method=DELETE https://api.example.com/x", "http.write-method"),
    (
        "wget --post-data 'a=1' --header 'Authorization: Bearer x' https://api.example.com/a",
        "http.credentialed-write",
    ),
    (
        "wget --post-data=a=1 --http-user=u --http-password=p https://api.example.com/a",
        "http.credentialed-write",
    ),
    ("wget --post-file=data.json https://api.example.com/a", "http.unknown-body"),
    ("wget --config=wgetrc https://example.com/", "http.unknown-config"),
    # HTTPie and xh
    ("http DELETE https://api.example.com/widgets/3", "http.write-method"),
    ("https PUT api.example.com/widgets/3 name=x", "http.write-method"),
    ("xh delete api.example.com/widgets/3", "http.write-method"),
    ("xh patch :3000/widgets/3 name=x", "http.write-method"),
    ("http api.example.com/users name=John Authorization:'Bearer x'", "http.credentialed-write"),
    ("http POST api.example.com/users X-API-Key:abc name=John", "http.credentialed-write"),
    ("https -a user:pass api.example.com/items name=x", "http.credentialed-write"),
    ("xh --bearer tok POST api.example.com/items", "http.credentialed-write"),
    ("http --session=prod POST api.example.com/items name=x", "http.credentialed-write"),
    ("http POST api.example.com/items @payload.json", "http.unknown-body"),
    ('http "$METHOD" api.example.com/items', "http.dynamic-method"),
    # gh api: always the user's GitHub login
    ("gh api -X DELETE repos/acme/app/releases/9", "http.write-method"),
    ("gh api --method=PATCH repos/acme/app -f visibility=private", "http.write-method"),
    ("gh api repos/acme/app/issues -f title=hello", "http.credentialed-write"),
    ("gh api repos/acme/app/dispatches --input payload.json", "http.credentialed-write"),
    (
        "gh api graphql -f query='mutation { addStar(input: {starrableId: \"x\"}) { clientMutationId } }'",
        "http.credentialed-write",
    ),
    (
        "gh api graphql -f query='mutation { deleteRepository(input: {}) { clientMutationId } }'",
        "http.graphql-destructive",
    ),
    ("gh api graphql -F query=@delete.graphql", "http.credentialed-write"),
    ("gh repo delete acme/app --yes", "http.gh-delete"),
    ("gh release delete v1.0 -R acme/app", "http.gh-delete"),
    ("gh secret remove DEPLOY_KEY", "http.gh-delete"),
]

ALLOW_CASES = [
    "curl https://example.com/api?method=DELETE",
    "curl -s https://api.example.com/v1/users",
    "curl -fsSL https://get.example.com/install.sh -o install.sh",
    "curl -x delete.proxy:3128 https://example.com",
    "curl -I https://example.com",
    "curl -X GET https://api.example.com/x -d q=1",
    "curl -X OPTIONS https://api.example.com/x",
    "curl -G -d q=delete -H 'Authorization: Bearer x' https://api.example.com/search",
    "curl -H 'Authorization: Bearer x' https://api.example.com/v1/me",
    "curl -d '{\"a\":1}' http://localhost:3000/api",
    "curl -XPOST -u admin:admin http://127.0.0.1:8080/reload",
    "curl -d x 'http://[::1]:8080/api'",
    "curl -d x http://app.localhost/api",
    "curl -d '{\"a\":1}' https://httpbin.org/post",
    "curl -F name=x https://upload.example.com",
    "curl http://localhost:$PORT/health",
    'curl "https://api.github.com/repos/$REPO/releases"',
    'curl -H "X-Request-Id: $ID" -d x https://api.example.com/events',
    "curl -H 'Authorization: bearer t' -d '{\"query\":\"{ viewer { login } }\"}' https://api.github.com/graphql",
    'curl -d \'{"query":"mutation { projectCreate(name: \\"x\\") { id deletedAt } }"}\' https://api.example.com/gql',
    'curl -d \'{"text":"mutation testing: delete everything"}\' https://api.example.com/notes',
    "wget https://example.com/file.tar.gz",
    "wget -q -O - https://example.com/install.sh",
    "wget -i urls.txt",
    "wget --header 'Authorization: Bearer x' https://api.example.com/report.csv",
    "http api.example.com/users",
    "http POST api.example.com/users name=John",
    "http :3000/users name=x",
    "xh get api.example.com/users Authorization:'Bearer x'",
    "http --offline DELETE api.example.com/x",
    "xh --curl delete api.example.com/x",
    "gh api repos/acme/app/issues",
    "gh api repos/acme/app/pulls --paginate --jq '.[].title'",
    'gh api "repos/$REPO/pulls"',
    "gh api -X GET search/issues -f q='repo:acme/app is:open'",
    "gh api graphql -f query='query { viewer { login } }'",
    Static(
        "gh api graphql --paginate -f query='query($endCursor: String) "
        "{ viewer { repositories(after: $endCursor) { nodes { name } } } }'"
    ),
    "gh pr list",
    "gh issue view 12",
    "gh alias delete co",
]


def judge(line: str, ctx: Context = CTX, **kwargs: object) -> tuple[Decision, list[str]]:
    command = cmd(line, **kwargs)  # type: ignore[arg-type]
    if isinstance(line, Static):
        command = replace(command, dynamic=frozenset())
    findings = http.classify(command, ctx)
    return decision_of(findings), [f.rule for f in findings]


@pytest.mark.parametrize(("line", "rule"), CONFIRM_CASES)
def test_dangerous_requests_need_confirmation(line: str, rule: str) -> None:
    decision, rules = judge(line)
    assert decision is Decision.CONFIRM
    assert rule in rules


@pytest.mark.parametrize("line", ALLOW_CASES)
def test_harmless_requests_are_allowed(line: str) -> None:
    assert judge(line) == (Decision.ALLOW, [])


def test_message_names_method_and_target_and_grants_the_host() -> None:
    [found] = http.classify(cmd("curl -X DELETE https://api.example.com/v1/projects/42?x=1"), CTX)
    assert found.message == "curl would send DELETE to api.example.com/v1/projects/42"
    assert found.target == "api.example.com/v1/projects/42"
    assert found.grants == ("api.example.com",)


def test_graphql_message_names_the_mutation() -> None:
    line = 'curl -d \'{"query":"mutation { volumeDelete(id: 1) }"}\' https://backboard.example.app/graphql/v2'
    [found] = http.classify(cmd(line), CTX)
    assert found.message == (
        "curl would run the GraphQL mutation volumeDelete on backboard.example.app/graphql/v2"
    )


def test_credential_message_says_which_credential() -> None:
    [found] = http.classify(cmd("curl -u me:pw -d x https://api.example.com/run"), CTX)
    assert (
        found.message == "curl would POST with a username and password (-u) to api.example.com/run"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("gh repo delete acme/app --yes", "gh repo delete would delete acme/app on GitHub"),
        ("gh repo delete --yes", "gh repo delete would delete the current repository on GitHub"),
        (
            "gh release delete v1 -R acme/app",
            "gh release delete would delete v1 in acme/app on GitHub",
        ),
        ("gh repo archive acme/old", "gh repo archive would archive acme/old on GitHub"),
        ("gh cache delete --all", "gh cache delete would delete on GitHub"),
    ],
)
def test_gh_delete_messages(line: str, message: str) -> None:
    [found] = http.classify(cmd(line), CTX)
    assert (found.rule, found.message) == ("http.gh-delete", message)


def test_gh_raw_field_does_not_read_files() -> None:
    ctx = Context(
        cwd="/home/dev/app", files={"/home/dev/app/q.graphql": "query { viewer { login } }"}
    )
    assert judge("gh api graphql -F query=@q.graphql", ctx)[0] is Decision.ALLOW
    assert judge("gh api graphql -f query=@q.graphql", ctx)[0] is Decision.CONFIRM


def test_gh_api_targets_the_api_host() -> None:
    [found] = http.classify(cmd("gh api -X DELETE repos/acme/app/releases/9"), CTX)
    assert found.target == "api.github.com/repos/acme/app/releases/9"
    assert found.grants == ("api.github.com",)


def test_gh_api_on_enterprise_host() -> None:
    [found] = http.classify(cmd("gh api --hostname ghe.corp -X DELETE repos/a/b"), CTX)
    assert found.grants == ("ghe.corp",)
    assert found.target == "ghe.corp/api/v3/repos/a/b"


def test_each_url_is_judged_with_its_own_host() -> None:
    findings = http.classify(
        cmd("curl -X DELETE https://a.example.com/1 https://b.example.com/2"), CTX
    )
    assert [f.grants for f in findings] == [("a.example.com",), ("b.example.com",)]


@pytest.mark.parametrize(
    ("files", "decision"),
    [
        (
            {"/home/dev/app/body.json": '{"query":"mutation { serviceDelete(id: 1) }"}'},
            Decision.CONFIRM,
        ),
        ({"/home/dev/app/body.json": '{"name": "x"}'}, Decision.ALLOW),
        ({}, Decision.CONFIRM),
    ],
)
def test_body_file_is_read_from_context(files: dict[str, str], decision: Decision) -> None:
    ctx = Context(cwd="/home/dev/app", project_root="/home/dev/app", files=files)
    assert judge("curl -d @body.json https://api.example.com/graphql", ctx)[0] is decision


@pytest.mark.parametrize(
    ("line", "wanted"),
    [
        ("curl -d @body.json https://x.io/a", ["/home/dev/app/body.json"]),
        ("curl -K ~/opts.txt", ["/home/dev/opts.txt"]),
        (
            "curl -H @/etc/h.txt -F f=@up/a.png https://x.io/a",
            ["/etc/h.txt", "/home/dev/app/up/a.png"],
        ),
        ("wget --post-file=../data.json https://x.io/a", ["/home/dev/data.json"]),
        ("http POST x.io/a @body.json", ["/home/dev/app/body.json"]),
        ("gh api graphql -F query=@q.graphql", ["/home/dev/app/q.graphql"]),
        ("curl -d x https://x.io/a", []),
    ],
)
def test_wanted_files_are_the_files_a_request_reads(line: str, wanted: list[str]) -> None:
    assert http.wanted_files(cmd(line), CTX) == wanted
    assert http.wanted_files(cmd(line, remote="prod"), CTX) == []


def test_body_from_stdin_is_scanned() -> None:
    stdin = Stdin("pipe", '{"query":"mutation { volumeDelete(id: 1) }"}', "echo …")
    decision, rules = judge("curl -d @- https://api.example.com/graphql", stdin=stdin)
    assert (decision, rules) == (Decision.CONFIRM, ["http.graphql-destructive"])


@pytest.mark.parametrize(
    ("config", "rule"),
    [
        ('url = "https://api.example.com/x"\nrequest = DELETE\n', "http.write-method"),
        ("-X DELETE\n--url https://api.example.com/x\n", "http.write-method"),
        (
            'header = "Authorization: Bearer x"\ndata = "a=1"\nurl = https://api.example.com/x\n',
            "http.credentialed-write",
        ),
        ("# comment\nsilent\nurl = https://api.example.com/x\n", None),
    ],
)
def test_config_file_options_count_as_given(config: str, rule: str | None) -> None:
    ctx = Context(
        cwd="/home/dev/app", project_root="/home/dev/app", files={"/home/dev/app/c.txt": config}
    )
    assert judge("curl -K c.txt", ctx)[1] == ([rule] if rule else [])


def test_loopback_on_a_remote_host_is_not_this_machine() -> None:
    line = "curl -u a:b -d x http://localhost:8080/admin/reset"
    assert judge(line)[0] is Decision.ALLOW
    assert judge(line, remote="prod-db-1")[0] is Decision.CONFIRM


def test_httpie_reads_body_from_piped_stdin() -> None:
    stdin = Stdin("pipe", None, "cat body.json")
    assert judge("http api.example.com/items", stdin=stdin)[1] == ["http.unknown-body"]
    assert judge("http -I api.example.com/items", stdin=stdin)[1] == []


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", True),
        ("api.localhost", True),
        ("localhost.example.com", False),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert http.is_loopback(host) is loopback


def test_programs_cover_the_clients() -> None:
    assert {"curl", "wget", "http", "https", "xh", "xhs", "gh"} <= http.PROGRAMS


def test_unknown_program_is_ignored() -> None:
    assert http.classify(SimpleCommand.of("grep", "-n", "DELETE", "src/routes.py"), CTX) == []
