"""Rules for package managers: publishing and registry writes are held, everything else allowed."""

from __future__ import annotations

from typing import Any

import pytest

from agentsh import records
from agentsh.policy import packages
from agentsh.policy.model import Decision, SimpleCommand

from .helpers import CTX, cmd, decision_of

ALLOW = Decision.ALLOW
CONFIRM = Decision.CONFIRM


def judge(line: str, **changes: Any) -> tuple[Decision, list[str]]:
    findings = packages.classify(records.replace(cmd(line), **changes), CTX)
    return decision_of(findings), [f.rule for f in findings]


HELD = [
    # npm, including its aliases and unique abbreviations.
    ("npm publish", "publish"),
    ("npm publish --access public --tag beta", "publish"),
    ("npm publish ./dist/pkg.tgz", "publish"),
    ("npm --registry https://npm.internal.example publish", "publish"),
    ("npm -w packages/ui publish", "publish"),
    ("npm pu", "publish"),
    ("npm publ --otp 123456", "publish"),
    ("npm unpublish my-pkg@1.0.0", "unpublish"),
    ("npm unpublish my-pkg --force", "unpublish"),
    ("npm deprecate my-pkg@'<2' 'use v2'", "registry-write"),
    ("npm undeprecate my-pkg", "registry-write"),
    ("npm dist-tag add my-pkg@1.2.0 latest", "registry-write"),
    ("npm dist-tags rm my-pkg beta", "registry-write"),
    ("npm distTag add my-pkg@1.2.0 latest", "registry-write"),
    ("npm owner add alice my-pkg", "registry-write"),
    ("npm author rm bob my-pkg", "registry-write"),
    ("npm access grant read-write acme:devs my-pkg", "registry-write"),
    ("npm access public my-pkg", "registry-write"),
    ("npm access set status=private my-pkg", "registry-write"),
    ("npm token create --read-only", "registry-write"),
    ("npm token revoke 1234", "registry-write"),
    ("npm team create acme:devs", "registry-write"),
    ("npm org set acme alice admin", "registry-write"),
    ("npm profile enable-2fa auth-only", "registry-write"),
    ("npm trust github my-pkg --repo acme/app", "registry-write"),
    # Other JavaScript tools.
    ("pnpm publish -r --access public", "publish"),
    ("pnpm --filter @acme/ui publish --no-git-checks", "publish"),
    ("pnpm unpublish my-pkg@1.0.0", "unpublish"),
    ("pnpm dist-tag add my-pkg@1.0.0 next", "registry-write"),
    ("yarn publish --new-version 1.2.3", "publish"),
    ("yarn npm publish --access public", "publish"),
    ("yarn workspace @acme/ui npm publish", "publish"),
    ("yarn workspace @acme/ui publish", "publish"),
    ("yarn workspaces foreach -A --topological npm publish --tolerate-republish", "publish"),
    ("yarn workspaces foreach --include @acme/ui npm publish", "publish"),
    ("yarn tag add my-pkg@1.0.0 stable", "registry-write"),
    ("yarn npm tag remove my-pkg beta", "registry-write"),
    ("yarn owner rm bob my-pkg", "registry-write"),
    ("bun publish", "publish"),
    ("lerna publish from-package --yes", "publish"),
    ("changeset publish", "publish"),
    ("semantic-release", "publish"),
    ("release-it --ci", "publish"),
    ("np patch", "publish"),
    ("jsr publish", "publish"),
    ("vsce publish minor", "publish"),
    ("vsce unpublish acme.ext", "unpublish"),
    ("ovsx publish ext.vsix -p TOKEN", "publish"),
    # Rust, Python, Ruby, JVM, .NET, conda.
    ("cargo publish", "publish"),
    ("cargo +nightly publish -p mycrate --allow-dirty", "publish"),
    ("cargo publish --registry my-registry", "publish"),
    ("cargo yank --vers 1.0.1 mycrate", "unpublish"),
    ("cargo yank mycrate@1.0.1 --undo", "unpublish"),
    ("cargo owner --add github:acme:devs", "registry-write"),
    ("cargo owner -r alice", "registry-write"),
    ("cargo release patch --execute", "publish"),
    ("twine upload dist/*", "publish"),
    ("twine upload -r testpypi dist/*", "publish"),
    ("twine register dist/pkg.tar.gz", "registry-write"),
    ("poetry publish --build", "publish"),
    ("poetry publish -r internal", "publish"),
    ("uv publish", "publish"),
    ("uv publish --publish-url https://test.pypi.org/legacy/", "publish"),
    ("flit publish", "publish"),
    ("hatch publish -r test", "publish"),
    ("pdm publish", "publish"),
    ("rye publish", "publish"),
    ("maturin publish", "publish"),
    ("maturin upload dist/*", "publish"),
    ("anaconda upload dist/pkg.tar.bz2", "publish"),
    ("gem push my-gem-1.0.0.gem", "publish"),
    ("gem push my-gem-1.0.0.gem --host https://gems.internal", "publish"),
    ("gem yank my-gem -v 1.0.0", "unpublish"),
    ("gem owner my-gem --add alice@example.com", "registry-write"),
    ("mvn deploy", "publish"),
    ("mvn -DskipTests -Pprod clean deploy", "publish"),
    ("./mvnw -B -ntp deploy", "publish"),
    ("mvn deploy:deploy-file -Dfile=app.jar -Durl=https://repo.internal", "publish"),
    ("mvn org.apache.maven.plugins:maven-deploy-plugin:3.1.1:deploy", "publish"),
    ("mvn site:deploy", "publish"),
    ("mvn compile jib:build", "publish"),
    ("mvn release:perform", "publish"),
    ("mvn tomcat7:redeploy", "publish"),
    ("gradle publish", "publish"),
    ("./gradlew :lib:publishMavenPublicationToSonatypeRepository", "publish"),
    ("./gradlew publishPlugins", "publish"),
    ("./gradlew jib", "publish"),
    ("./gradlew closeAndReleaseSonatypeStagingRepository", "publish"),
    ("dotnet nuget push pkg.nupkg -k KEY -s https://api.nuget.org/v3/index.json", "publish"),
    ("dotnet nuget delete Acme.Lib 1.0.0 --non-interactive", "unpublish"),
    ("nuget push pkg.nupkg -Source https://api.nuget.org/v3/index.json", "publish"),
    ("nuget delete Acme.Lib 1.0.0", "unpublish"),
    # A verb known only at run time.
    ("npm $VERB", "dynamic-verb"),
    ("cargo $VERB", "dynamic-verb"),
    ("mvn $GOAL", "dynamic-verb"),
]

ALLOWED = [
    "npm cache verify",
    "npm ci",
    "npm install",
    "npm i -D typescript",
    "npm install publish",
    "npm run build",
    "npm run publish",
    "npm run-script release",
    "npm test",
    "npm t",
    "npm exec -- eslint .",
    "npm version patch",
    "npm pack",
    "npm publish --dry-run",
    "npm dist-tag ls my-pkg",
    "npm dist-tag",
    "npm owner ls my-pkg",
    "npm access list packages",
    "npm token list",
    "npm profile get",
    "npm whoami",
    "npm view react version",
    "npm login",
    "npm pkg set version=1.2.3",
    "npm",
    "npm publish --help",
    "npm --version",
    "pnpm install",
    "pnpm pub",
    "pnpm -r build",
    "pnpm publish --dry-run",
    "yarn",
    "yarn lint",
    "yarn add publish",
    "yarn run publish",
    "yarn npm publish --dry-run",
    "yarn npm info react",
    "yarn workspaces foreach -A run build",
    "yarn tag list my-pkg",
    "bun install",
    "bun publish --dry-run",
    "bun run publish",
    "lerna run build",
    "lerna version patch",
    "changeset version",
    "semantic-release --dry-run",
    "release-it --dry-run",
    "np --preview",
    "jsr publish --dry-run",
    "vsce package",
    "cargo build --release",
    "cargo test",
    "cargo publish --dry-run",
    "cargo publish -n",
    "cargo owner --list",
    "cargo release patch",
    "cargo install ripgrep",
    "pip install -e '.[test]'",
    "twine check dist/*",
    "poetry install",
    "poetry build",
    "poetry publish --dry-run",
    "uv sync",
    "uv run pytest",
    "uv pip install -e .",
    "uv build",
    "flit build",
    "hatch build",
    "hatch run test",
    "pdm install",
    "maturin develop",
    "maturin build --release",
    "gem install rails",
    "gem build app.gemspec",
    "mvn clean install",
    "mvn -pl deploy test",
    "mvn -q test -Dtest=DeployServiceTest",
    "mvn compile jib:dockerBuild",
    "mvn dependency:tree",
    "mvn --help",
    "./gradlew build",
    "./gradlew test --tests 'com.acme.PublishTest'",
    "./gradlew publishToMavenLocal",
    "./gradlew build -x publish",
    "./gradlew publish --dry-run",
    "./gradlew jibDockerBuild",
    "dotnet publish -c Release",
    "dotnet build",
    "dotnet test",
    "dotnet nuget locals all --clear",
    "dotnet nuget list source",
    "nuget restore",
]


@pytest.mark.parametrize(("line", "rule"), HELD)
def test_registry_writes_are_held(line: str, rule: str) -> None:
    assert judge(line) == (CONFIRM, [f"packages.{rule}"])


@pytest.mark.parametrize("line", ALLOWED)
def test_everyday_package_work_is_allowed(line: str) -> None:
    assert judge(line) == (ALLOW, [])


@pytest.mark.parametrize(
    ("line", "message", "target"),
    [
        ("npm publish", "npm publish would publish this package to the npm registry", "the npm registry"),
        ("npm pu", "npm publish would publish this package to the npm registry", "the npm registry"),
        ("npm publish --registry=https://npm.pkg.github.com", "npm publish would publish this package to https://npm.pkg.github.com", "https://npm.pkg.github.com"),
        ("npm unpublish my-pkg@1.0.0", "npm unpublish would remove my-pkg@1.0.0 from the npm registry", "my-pkg@1.0.0"),
        ("npm owner add alice my-pkg", "npm owner add would change package owners on the npm registry (alice my-pkg)", "alice"),
        ("cargo yank --vers 1.0.1 mycrate", "cargo yank would yank crate mycrate 1.0.1 on crates.io", "mycrate"),
        ("twine upload -r testpypi dist/*", "twine upload would publish dist/* to testpypi", "dist/*"),
        ("gem push my-gem-1.0.0.gem", "gem push would publish my-gem-1.0.0.gem to rubygems.org", "rubygems.org"),
        ("dotnet nuget delete Acme.Lib 1.0.0", "dotnet nuget delete would delete Acme.Lib 1.0.0 from the configured NuGet feed", "Acme.Lib"),
        ("mvn clean deploy", "mvn deploy would upload this project's artifacts to a remote repository, registry or server", "deploy"),
    ],
)  # fmt: skip
def test_messages_name_the_package_and_registry(line: str, message: str, target: str) -> None:
    (finding,) = packages.classify(cmd(line), CTX)
    assert (finding.message, finding.target) == (message, target)


def test_npm_abbreviations_follow_npm() -> None:
    # `pu` can only be `publish`; `p` is shared by pack, ping, pkg, prefix, ... and is no command.
    assert judge("npm pu")[0] == CONFIRM
    assert judge("npm unp x")[1] == ["packages.unpublish"]
    assert judge("npm p") == (ALLOW, [])


def test_arguments_appended_by_xargs_hide_the_verb() -> None:
    assert judge("npm", extra_args_unknown=True) == (CONFIRM, ["packages.dynamic-verb"])
    assert judge("npm install", extra_args_unknown=True) == (ALLOW, [])


def test_every_program_is_judged_without_raising() -> None:
    for program in sorted(packages.PROGRAMS):
        for args in ((), ("--",), ("-",), ("$X",), ("--help",), ("publish", "--", "x")):
            command = SimpleCommand.of(program, *args)
            assert isinstance(packages.classify(command, CTX), list)


def test_npx_packages_map_to_programs_this_module_judges() -> None:
    assert set(packages.NPM_PACKAGES.values()) <= packages.PROGRAMS
