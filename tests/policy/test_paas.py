"""The platform (PaaS) family: railway, heroku, fly, vercel, netlify, render, supabase,
neon, planetscale, firebase, wrangler."""

from __future__ import annotations

import pytest

from agentsh.policy import paas
from agentsh.policy.model import Decision, SimpleCommand
from tests.policy.helpers import CTX, cmd, decision_of

CONFIRM = [
    # railway: the incident's tool. Every verb not known to read needs a human.
    ("railway down", "paas.railway-delete"),
    ("railway volume delete --volume pg-data", "paas.railway-delete"),
    ("railway volume rm -v pg-data --yes", "paas.railway-delete"),
    ("railway volume remove --volume=pg-data", "paas.railway-delete"),
    ("railway environment delete production", "paas.railway-delete"),
    ("railway env delete production --yes", "paas.railway-delete"),
    ("railway project delete -y", "paas.railway-delete"),
    ("railway delete --project acme", "paas.railway-delete"),
    ("railway variable delete API_KEY", "paas.railway-delete"),
    ("railway -s api down", "paas.railway-delete"),
    ("railway down --service api --environment production", "paas.railway-delete"),
    ("railway up", "paas.railway-change"),
    ("railway up --detach -s api", "paas.railway-change"),
    ("railway redeploy", "paas.railway-change"),
    ("railway restart", "paas.railway-change"),
    ("railway deploy -t postgres", "paas.railway-change"),
    ("railway add --database postgres", "paas.railway-change"),
    ("railway link", "paas.railway-change"),
    ("railway unlink", "paas.railway-change"),
    ("railway init", "paas.railway-change"),
    ("railway domain", "paas.railway-change"),
    ("railway login", "paas.railway-change"),
    ("railway logout", "paas.railway-change"),
    ("railway environment new staging", "paas.railway-change"),
    ("railway environment production", "paas.railway-change"),
    ("railway service api", "paas.railway-change"),
    ("railway volume detach --volume pg-data", "paas.railway-change"),
    ("railway volume update --volume pg-data --name data", "paas.railway-change"),
    ("railway variables --set DEBUG=1", "paas.railway-change"),
    ("railway vars set DEBUG=1 --skip-deploys", "paas.railway-change"),
    ("railway variables", "paas.railway-secrets"),
    ("railway variables --kv", "paas.railway-secrets"),
    ("railway variable list -s api", "paas.railway-secrets"),
    ("railway environment config", "paas.railway-secrets"),
    ("railway volume download data/x ./x --volume pg", "paas.railway-secrets"),
    ("railway run npm run migrate", "paas.railway-exec"),
    ("railway local -- npm test", "paas.railway-exec"),
    ("railway run ./deploy.sh --help", "paas.railway-exec"),
    ("railway shell", "paas.railway-exec"),
    ("railway connect postgres", "paas.railway-exec"),
    ("railway ssh", "paas.railway-exec"),
    ("railway frobnicate", "paas.railway-unknown"),
    ("railway volume", "paas.railway-unknown"),
    ("railway -x status", "paas.railway-unknown"),
    ("railway volume list delete", "paas.railway-delete"),
    ("railway logs restart", "paas.railway-unknown"),
    # heroku: topic:command, top-level aliases, space-separated topics
    ("heroku pg:reset DATABASE_URL --confirm app", "paas.heroku-delete"),
    ("heroku apps:destroy --app shop", "paas.heroku-delete"),
    ("heroku apps:destroy --app=shop --confirm=shop", "paas.heroku-delete"),
    ("heroku apps:delete -a shop", "paas.heroku-delete"),
    ("heroku destroy -ashop", "paas.heroku-delete"),
    ("heroku apps destroy shop", "paas.heroku-delete"),
    ("heroku addons:destroy heroku-postgresql -a shop", "paas.heroku-delete"),
    ("heroku addons:remove redis -a shop", "paas.heroku-delete"),
    ("heroku pg:backups:restore b101 DATABASE_URL -a shop", "paas.heroku-delete"),
    ("heroku pg:copy shop::DATABASE_URL HEROKU_POSTGRESQL_PINK -a other", "paas.heroku-delete"),
    ("heroku domains:remove www.example.com", "paas.heroku-delete"),
    ("heroku spaces:destroy my-space", "paas.heroku-delete"),
    ("heroku pg:kill 1234", "paas.heroku-change"),
    ("heroku pg:killall -a shop", "paas.heroku-change"),
    ("heroku pg:promote HEROKU_POSTGRESQL_PINK", "paas.heroku-change"),
    ("heroku pg:credentials:rotate -a shop", "paas.heroku-change"),
    ("heroku config:set A=1 B=2 -a shop", "paas.heroku-change"),
    ("heroku config:unset A", "paas.heroku-change"),
    ("heroku ps:scale web=0", "paas.heroku-change"),
    ("heroku scale web=0", "paas.heroku-change"),
    ("heroku ps:restart", "paas.heroku-change"),
    ("heroku restart -a shop", "paas.heroku-change"),
    ("heroku releases:rollback v12", "paas.heroku-change"),
    ("heroku rollback", "paas.heroku-change"),
    ("heroku maintenance:on -a shop", "paas.heroku-change"),
    ("heroku maintenance on", "paas.heroku-change"),
    ("heroku git:remote -a shop", "paas.heroku-change"),
    ("heroku config", "paas.heroku-secrets"),
    ("heroku config -a shop --json", "paas.heroku-secrets"),
    ("heroku config:get DATABASE_URL", "paas.heroku-secrets"),
    ("heroku pg:credentials:url -a shop", "paas.heroku-secrets"),
    ("heroku auth:token", "paas.heroku-secrets"),
    ("heroku run bash -a shop", "paas.heroku-exec"),
    ("heroku run:detached rake db:migrate", "paas.heroku-exec"),
    ("heroku pg:psql -c 'select 1'", "paas.heroku-exec"),
    ("heroku ps:exec -a shop", "paas.heroku-exec"),
    ("heroku frob:thing", "paas.heroku-unknown"),
    ("heroku pg:settings:log-lock-waits on", "paas.heroku-unknown"),
    # fly / flyctl
    ("flyctl volumes destroy vol_123", "paas.fly-delete"),
    ("fly apps destroy api", "paas.fly-delete"),
    ("fly apps delete api --yes", "paas.fly-delete"),
    ("fly -a api apps destroy api", "paas.fly-delete"),
    ("fly destroy api", "paas.fly-delete"),
    ("fly vol rm vol_123 -y", "paas.fly-delete"),
    ("fly machine destroy 148e --force", "paas.fly-delete"),
    ("fly m rm 148e", "paas.fly-delete"),
    ("fly ips release 1.2.3.4", "paas.fly-delete"),
    ("fly certs remove example.com", "paas.fly-delete"),
    ("fly deploy", "paas.fly-change"),
    ("flyctl deploy --remote-only -a api", "paas.fly-change"),
    ("fly launch", "paas.fly-change"),
    ("fly scale count 0 -a api", "paas.fly-change"),
    ("fly secrets set DATABASE_URL=x", "paas.fly-change"),
    ("fly secrets unset DATABASE_URL", "paas.fly-change"),
    ("fly machine stop 148e", "paas.fly-change"),
    ("fly machine kill 148e", "paas.fly-change"),
    ("fly pg failover -a db", "paas.fly-change"),
    ("fly ssh console -a api", "paas.fly-exec"),
    ("fly ssh console -C 'rm -rf /data'", "paas.fly-exec"),
    ("fly proxy 5432 -a db", "paas.fly-exec"),
    ("fly postgres connect -a db", "paas.fly-exec"),
    ("fly console", "paas.fly-exec"),
    ("fly auth token", "paas.fly-secrets"),
    ("fly tokens create deploy", "paas.fly-secrets"),
    ("fly apps", "paas.fly-unknown"),
    # vercel / vc: bare `vercel` deploys
    ("vercel remove my-app --yes", "paas.vercel-delete"),
    ("vercel rm my-app", "paas.vercel-delete"),
    ("vercel env rm API_KEY production", "paas.vercel-delete"),
    ("vercel domains rm example.com", "paas.vercel-delete"),
    ("vercel alias rm api.example.com", "paas.vercel-delete"),
    ("vercel", "paas.vercel-change"),
    ("vc --prod", "paas.vercel-change"),
    ("vercel deploy --prod", "paas.vercel-change"),
    ("vercel ./dist", "paas.vercel-change"),
    ("vercel --scope acme --prod", "paas.vercel-change"),
    ("vercel env add API_KEY production", "paas.vercel-change"),
    ("vercel alias set my-dpl.vercel.app example.com", "paas.vercel-change"),
    ("vercel promote dpl_123", "paas.vercel-change"),
    ("vercel rollback", "paas.vercel-change"),
    ("vercel link", "paas.vercel-change"),
    ("vercel env pull .env.local", "paas.vercel-secrets"),
    ("vercel pull --environment=production", "paas.vercel-secrets"),
    # netlify / ntl
    ("netlify sites:delete 1234", "paas.netlify-delete"),
    ("netlify sites delete 1234", "paas.netlify-delete"),
    ("netlify env:unset API_KEY", "paas.netlify-delete"),
    ("netlify deploy", "paas.netlify-change"),
    ("ntl deploy --prod --dir dist", "paas.netlify-change"),
    ("netlify env:set API_KEY x", "paas.netlify-change"),
    ("netlify env:import .env", "paas.netlify-change"),
    ("netlify link", "paas.netlify-change"),
    ("netlify api deleteSite --data '{}'", "paas.netlify-change"),
    ("netlify env:list", "paas.netlify-secrets"),
    ("netlify env:get API_KEY", "paas.netlify-secrets"),
    # render
    ("render pg delete db-1", "paas.render-delete"),
    ("render deploys create srv-1", "paas.render-change"),
    ("render restart srv-1", "paas.render-change"),
    ("render psql db-1", "paas.render-exec"),
    ("render ssh srv-1 -- env", "paas.render-exec"),
    ("render services delete srv-1", "paas.render-delete"),
    # supabase
    ("supabase db reset --linked", "paas.supabase-delete"),
    ("supabase db reset", "paas.supabase-delete"),
    ("supabase projects delete abcdef", "paas.supabase-delete"),
    ("supabase functions delete hello", "paas.supabase-delete"),
    ("supabase secrets unset API_KEY", "paas.supabase-delete"),
    ("supabase stop --no-backup", "paas.supabase-delete"),
    ("supabase db push", "paas.supabase-change"),
    ("supabase db push --linked --include-all", "paas.supabase-change"),
    ("supabase migration repair 20240101 --status reverted", "paas.supabase-change"),
    ("supabase migration up --linked", "paas.supabase-change"),
    ("supabase functions deploy hello --project-ref abc", "paas.supabase-change"),
    ("supabase secrets set API_KEY=x", "paas.supabase-change"),
    ("supabase link --project-ref abc", "paas.supabase-change"),
    ("supabase db dump -f dump.sql", "paas.supabase-secrets"),
    ("supabase projects api-keys --project-ref abc", "paas.supabase-secrets"),
    # neon / neonctl
    ("neonctl projects delete proj-1", "paas.neon-delete"),
    ("neon branches delete dev --project-id p1", "paas.neon-delete"),
    ("neon branch reset dev --parent", "paas.neon-delete"),
    ("neonctl branches restore main ^self@2024-01-01T00:00:00Z", "paas.neon-delete"),
    ("neonctl databases delete appdb", "paas.neon-delete"),
    ("neonctl db delete appdb", "paas.neon-delete"),
    ("neon roles delete alice", "paas.neon-delete"),
    ("neonctl connection-string main", "paas.neon-secrets"),
    ("neon cs", "paas.neon-secrets"),
    ("neonctl cs main --psql", "paas.neon-exec"),
    ("neonctl set-context --project-id p1", "paas.neon-change"),
    # planetscale
    ("pscale database delete mydb", "paas.pscale-delete"),
    ("pscale db delete mydb --force", "paas.pscale-delete"),
    ("pscale branch delete mydb dev", "paas.pscale-delete"),
    ("pscale --org acme branch delete mydb dev", "paas.pscale-delete"),
    ("pscale deploy-request deploy mydb 12", "paas.pscale-change"),
    ("pscale dr deploy mydb 12", "paas.pscale-change"),
    ("pscale password create mydb main ci", "paas.pscale-secrets"),
    ("pscale shell mydb main", "paas.pscale-exec"),
    ("pscale connect mydb main", "paas.pscale-exec"),
    # firebase
    ("firebase deploy", "paas.firebase-change"),
    ("firebase deploy --only hosting -P prod", "paas.firebase-change"),
    ("firebase firestore:delete --all-collections -P prod", "paas.firebase-delete"),
    ("firebase firestore:delete users -r", "paas.firebase-delete"),
    ("firebase database:remove /users", "paas.firebase-delete"),
    ("firebase database:set /config data.json", "paas.firebase-delete"),
    ("firebase database:update /config data.json", "paas.firebase-change"),
    ("firebase hosting:disable", "paas.firebase-delete"),
    ("firebase functions:delete fn1 fn2", "paas.firebase-delete"),
    ("firebase auth:import users.json", "paas.firebase-change"),
    ("firebase auth:export users.json", "paas.firebase-secrets"),
    ("firebase functions:config:get", "paas.firebase-secrets"),
    ("firebase use prod", "paas.firebase-change"),
    ("firebase target:apply hosting prod site", "paas.firebase-unknown"),
    # wrangler
    ("wrangler delete", "paas.wrangler-delete"),
    ("wrangler delete --name api", "paas.wrangler-delete"),
    ("wrangler deploy", "paas.wrangler-change"),
    ("wrangler publish", "paas.wrangler-change"),
    ("wrangler -e production deploy", "paas.wrangler-change"),
    ("wrangler secret put API_KEY", "paas.wrangler-change"),
    ("wrangler secret delete API_KEY", "paas.wrangler-delete"),
    ("wrangler secret bulk secrets.json", "paas.wrangler-change"),
    ("wrangler d1 execute DB --command 'SELECT 1'", "paas.wrangler-change"),
    ("wrangler d1 execute DB --remote --command 'DELETE FROM users'", "paas.wrangler-change"),
    ("wrangler d1 execute DB --local --remote --file x.sql", "paas.wrangler-change"),
    ("wrangler d1 migrations apply DB --remote", "paas.wrangler-change"),
    ("wrangler d1 delete DB", "paas.wrangler-delete"),
    ("wrangler kv key delete k --binding KV", "paas.wrangler-delete"),
    ("wrangler kv:key delete k --binding KV", "paas.wrangler-delete"),
    ("wrangler kv key put k v --binding KV", "paas.wrangler-change"),
    ("wrangler kv namespace delete --namespace-id abc", "paas.wrangler-delete"),
    ("wrangler r2 bucket delete assets", "paas.wrangler-delete"),
    ("wrangler r2 object delete assets/x.png", "paas.wrangler-delete"),
    ("wrangler r2 object put assets/x.png --file x.png", "paas.wrangler-change"),
    ("wrangler queues delete q1", "paas.wrangler-delete"),
    ("wrangler dev --remote", "paas.wrangler-change"),
    ("wrangler pages deploy ./dist", "paas.wrangler-change"),
]

ALLOW = [
    "railway status",
    "railway status --json",
    "railway logs",
    "railway logs -s api -e production --deployment",
    "railway logs --build --lines 50",
    "railway whoami",
    "railway --help",
    "railway -h",
    "railway down --help",
    "railway volume delete -h",
    "railway run --help",
    "railway help",
    "railway help down",
    "railway --version",
    "railway -V",
    "railway",
    "railway list",
    "railway open",
    "railway docs",
    "railway volume list",
    "railway volume ls --json",
    "railway service status --all",
    "railway service logs -s api",
    "railway project list",
    "railway completion bash",
    "heroku logs --tail",
    "heroku logs -t -a shop",
    "heroku apps",
    "heroku apps:info shop",
    "heroku info -a shop",
    "heroku ps -a shop",
    "heroku releases",
    "heroku status",
    "heroku pg:info -a shop",
    "heroku pg:credentials -a shop",
    "heroku pg:backups",
    "heroku addons",
    "heroku domains",
    "heroku --version",
    "heroku help pg:reset",
    "heroku pg:reset --help",
    "heroku local web",
    "fly status",
    "fly status -a api",
    "fly logs -a api",
    "flyctl logs",
    "fly apps list",
    "fly apps ls",
    "fly volumes list -a api",
    "fly vol ls",
    "fly machines list",
    "fly m ls",
    "fly secrets list",
    "fly version",
    "fly help deploy",
    "fly apps destroy --help",
    "fly --access-token tok status",
    "fly -t tok status",
    "fly config show",
    "fly releases",
    "vercel ls",
    "vercel list",
    "vc ls",
    "vercel inspect https://x.vercel.app",
    "vercel logs https://x.vercel.app",
    "vercel whoami",
    "vercel --version",
    "vercel -v",
    "vercel --help",
    "vercel deploy --help",
    "vercel env ls",
    "vercel dev",
    "vercel build",
    "vercel domains ls",
    "netlify status",
    "netlify sites:list",
    "netlify logs",
    "netlify open",
    "netlify open:admin",
    "ntl dev",
    "netlify build",
    "netlify functions:list",
    "netlify deploy --help",
    "render services",
    "render services -o json",
    "render deploys list srv-1",
    "render logs -r srv-1",
    "render whoami",
    "render --version",
    "supabase status",
    "supabase start",
    "supabase stop",
    "supabase init",
    "supabase projects list",
    "supabase migration list",
    "supabase migration new add_users",
    "supabase db diff --linked",
    "supabase db lint",
    "supabase gen types typescript --linked",
    "supabase functions serve",
    "supabase secrets list",
    "supabase db push --local",
    "supabase migration up",
    "supabase inspect db bloat --linked",
    "neonctl projects list",
    "neon branches list --project-id p1",
    "neon branch ls",
    "neon me",
    "neonctl --help",
    "pscale database list",
    "pscale db ls",
    "pscale branch list mydb",
    "pscale deploy-request list mydb",
    "pscale auth check",
    "firebase projects:list",
    "firebase login:list",
    "firebase emulators:start",
    "firebase serve",
    "firebase functions:log",
    "firebase database:get /users",
    "firebase --version",
    "firebase deploy --help",
    "wrangler whoami",
    "wrangler tail",
    "wrangler deployments list",
    "wrangler dev",
    "wrangler dev --local",
    "wrangler deploy --dry-run --outdir dist",
    "wrangler kv key list --binding KV",
    "wrangler kv key get k --binding KV",
    "wrangler kv key delete k --binding KV --local",
    "wrangler d1 execute DB --local --command 'DROP TABLE users'",
    "wrangler d1 migrations apply DB --local",
    "wrangler d1 list",
    "wrangler r2 object put assets/x.png --file x.png --local",
    "wrangler secret list",
    "wrangler types",
    "wrangler --version",
    "wrangler pages dev ./dist",
]


@pytest.mark.parametrize(("line", "rule"), CONFIRM)
def test_confirms(line: str, rule: str) -> None:
    findings = paas.classify(cmd(line), CTX)
    assert decision_of(findings) is Decision.CONFIRM
    assert [f.rule for f in findings] == [rule]


@pytest.mark.parametrize("line", ALLOW)
def test_allows(line: str) -> None:
    assert paas.classify(cmd(line), CTX) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("railway down", "railway down would remove the latest deployment of the linked service"),
        (
            "railway volume delete --volume pg-data",
            "railway volume delete would delete volume pg-data",
        ),
        (
            "railway volume delete -v pg-data -e production",
            "railway volume delete would delete volume pg-data (environment production)",
        ),
        (
            "railway -s api down --environment production",
            "railway down would remove the latest deployment of service api (environment production)",
        ),
        (
            "railway run npm run migrate --force",
            "railway run would run npm run migrate --force with the variables (secrets) of the linked service",
        ),
        (
            "railway environment delete production",
            "railway environment delete would delete environment production"
            " and every service, variable and volume in it",
        ),
        (
            "heroku apps:destroy --app shop",
            "heroku apps:destroy would permanently delete app shop with all its add-ons and databases",
        ),
        (
            "heroku pg:reset DATABASE_URL -a shop",
            "heroku pg:reset would erase every table and all data in database DATABASE_URL of app shop",
        ),
        (
            "fly apps destroy api",
            "fly apps destroy would permanently delete app api with all its machines and volumes",
        ),
        (
            "fly machine destroy 148e -a api",
            "fly machine destroy would destroy machine 148e of app api",
        ),
        (
            "fly ssh console -C 'rm -rf /data'",
            "fly ssh console would run rm -rf /data on a machine",
        ),
        ("vercel --prod", "vercel would deploy this directory to production"),
        ("vercel ./dist --prod", "vercel would deploy ./dist to production"),
        (
            "netlify deploy --prod",
            "netlify deploy would publish a production deploy of the linked site",
        ),
        (
            "supabase db reset --db-url postgres://postgres:hunter2@db.example.com/postgres",
            "supabase db reset would erase all data in postgres://postgres:***@db.example.com/postgres",
        ),
        ("supabase db reset", "supabase db reset would erase all data in the local database"),
        ("pscale branch delete mydb dev", "pscale branch delete would delete branch mydb/dev"),
        (
            "wrangler d1 execute prod-db --remote",
            "wrangler d1 execute would run SQL on remote D1 database prod-db",
        ),
        ("railway frobnicate", "railway frobnicate is not a command agentsh knows to be read-only"),
        ("railway $CMD", "railway would run a command only known at run time ($CMD)"),
    ],
)
def test_message_names_what_and_where(line: str, message: str) -> None:
    (only,) = paas.classify(cmd(line), CTX)
    assert only.message.startswith(message)


def test_target_is_the_named_resource() -> None:
    (only,) = paas.classify(cmd("railway volume delete --volume pg-data"), CTX)
    assert only.target == "pg-data"
    (only,) = paas.classify(cmd("heroku pg:reset DATABASE_URL --confirm shop"), CTX)
    assert only.target == "DATABASE_URL"


def test_password_in_a_url_never_reaches_the_target() -> None:
    (only,) = paas.classify(cmd("supabase db push --db-url postgres://u:pw@db.example.com/x"), CTX)
    assert ":pw@" not in only.message
    assert only.target == "postgres://u:***@db.example.com/x"


@pytest.mark.parametrize(
    ("line", "grants"),
    [
        ("railway down", ("backboard.railway.com", "backboard.railway.app")),
        ("heroku apps:destroy -a shop", ("api.heroku.com",)),
        ("fly deploy", ("api.fly.io", "api.machines.dev")),
        ("vercel --prod", ("api.vercel.com",)),
        ("netlify deploy", ("api.netlify.com",)),
        ("render restart srv", ("api.render.com",)),
        ("supabase db push", ("api.supabase.com",)),
        ("neonctl projects delete p", ("console.neon.tech",)),
        ("pscale shell db main", ("api.planetscale.com",)),
        ("wrangler deploy", ("api.cloudflare.com",)),
    ],
)
def test_findings_grant_the_platform_api_host(line: str, grants: tuple[str, ...]) -> None:
    (only,) = paas.classify(cmd(line), CTX)
    assert only.grants == grants


def test_firebase_grants_google_hosts() -> None:
    (only,) = paas.classify(cmd("firebase deploy"), CTX)
    assert "firebase.googleapis.com" in only.grants


@pytest.mark.parametrize(
    ("argv", "rule"),
    [
        (("@railway/cli", "down"), "paas.railway-delete"),
        (("@railway/cli@3.1.0", "volume", "delete"), "paas.railway-delete"),
        (("firebase-tools@latest", "deploy"), "paas.firebase-change"),
        (("netlify-cli", "deploy", "--prod"), "paas.netlify-change"),
    ],
)
def test_npm_package_names_are_judged_as_their_program(argv: tuple[str, ...], rule: str) -> None:
    assert [f.rule for f in paas.classify(SimpleCommand.of(*argv), CTX)] == [rule]


def test_npm_package_reads_stay_allowed() -> None:
    assert paas.classify(SimpleCommand.of("@railway/cli@latest", "status"), CTX) == []


def test_npm_package_mapping_points_at_known_programs() -> None:
    assert paas.NPM_PACKAGES["@railway/cli"] == "railway"
    assert paas.NPM_PACKAGES["firebase-tools"] == "firebase"
    assert paas.NPM_PACKAGES["netlify-cli"] == "netlify"
    assert set(paas.NPM_PACKAGES.values()) <= paas.PROGRAMS


def test_programs_cover_every_alias() -> None:
    expected = {"railway", "heroku", "fly", "flyctl", "vercel", "vc", "netlify", "ntl"}
    expected |= {"render", "supabase", "neon", "neonctl", "pscale", "firebase", "wrangler"}
    assert expected == paas.PROGRAMS


@pytest.mark.parametrize(
    "line",
    [
        "railway $VERB",
        "railway -$FLAG status",
        "fly apps -$FLAG list",
        "heroku apps $SUB",
        "fly $GROUP list",
        "railway -- down",
    ],
)
def test_words_only_known_at_run_time_fail_closed(line: str) -> None:
    assert decision_of(paas.classify(cmd(line), CTX)) is Decision.CONFIRM


def test_run_time_values_after_the_verb_do_not_matter_for_reads() -> None:
    assert paas.classify(cmd("railway logs --service $SERVICE"), CTX) == []
    assert paas.classify(cmd("fly status -a $APP"), CTX) == []


def test_run_time_values_before_the_verb_may_split_into_a_command() -> None:
    (only,) = paas.classify(cmd("fly -a $APP status"), CTX)
    assert only.rule == "paas.fly-unknown"
    assert "$APP" in only.message


def test_arguments_appended_at_run_time_fail_closed() -> None:
    appended = SimpleCommand.of("railway", extra_args_unknown=True)
    assert [f.rule for f in paas.classify(appended, CTX)] == ["paas.railway-unknown"]
    open_ended = SimpleCommand.of("fly", "apps", extra_args_unknown=True)
    assert decision_of(paas.classify(open_ended, CTX)) is Decision.CONFIRM
    closed = SimpleCommand.of("railway", "logs", extra_args_unknown=True)
    assert paas.classify(closed, CTX) == []


def test_remote_commands_say_where_they_run() -> None:
    remote = cmd("railway down", remote="deploy-box")
    (only,) = paas.classify(remote, CTX)
    assert only.message.endswith("(on deploy-box)")


def test_other_programs_are_not_judged() -> None:
    assert paas.classify(cmd("rm -rf /"), CTX) == []
    assert paas.classify(cmd("npx prettier --write ."), CTX) == []


def _all_actions() -> list[tuple[str, str, paas.Action]]:
    found = []
    for platform in paas.PLATFORMS:
        actions = list(platform.actions.items())
        actions += [("(bare)", platform.bare)] if platform.bare else []
        actions += [("(fallback)", platform.fallback)] if platform.fallback else []
        for key, action in actions:
            found.append((platform.name, key, action))
            found += [(platform.name, f"{key} {flag}", v) for flag, v in action.variants]
    return found


@pytest.mark.parametrize(("platform", "key", "action"), _all_actions())
def test_every_template_renders(platform: str, key: str, action: paas.Action) -> None:
    scopes = next(p for p in paas.PLATFORMS if p.name == platform).scopes
    fields = {scope.noun: "x" for scope in scopes} | {"target": "x"}
    assert "{" not in action.does.format(**fields)


@pytest.mark.parametrize("platform", paas.PLATFORMS, ids=lambda p: p.name)
def test_no_verb_is_both_read_and_action(platform: paas.Platform) -> None:
    assert not platform.reads & platform.actions.keys()
