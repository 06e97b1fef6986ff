"""The environment a sandboxed command starts with.

It starts empty. A variable gets in only when the profile passes its name, and
even then not when its name or its value looks like a credential, unless the
profile names that exact variable (a glob like `MY_*` never lets a secret in).

The credential patterns are compiled on first use: with the built-in profile,
which names every variable exactly, a command never pays for `re`.

PATH loses agentsh's `bash` shim directory (see `agentsh.paths.shim_dir`): an
agent started through a launcher has it first on PATH so that its `bash` is
agentsh, but inside the sandbox a nested `bash` (a Makefile's, a script's) must
be the real one, not agentsh trying to build a sandbox within the sandbox.
"""

from __future__ import annotations

import os

from agentsh.paths import shim_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Mapping

SECRET_NAME = r"""
      TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|APIKEY|API_KEY|PRIVATE_KEY
    | ACCESS_KEY|SIGNING_KEY|MASTER_KEY|ENCRYPTION_KEY|CLIENT_ID|^PGPASS|HTPASSWD
    | (?:^|_)(?:KEY|KEYS|PASS|PWD|AUTH|COOKIE|COOKIES|SESSION|CREDS|DSN|OTP|SALT|
                CONNECTION_STRING|CONN_STR|DATABASE_URL|DB_URL)(?:_|$)
    | ^(?:AWS|RAILWAY|HEROKU|FLY|VERCEL|NETLIFY|SUPABASE|RENDER|NEON|PLANETSCALE|
         FIREBASE|CLOUDFLARE|AZURE|ARM|GOOGLE|GCP|GCLOUD|DIGITALOCEAN|LINODE|HCLOUD|
         OCI|VAULT|CONSUL|NOMAD|TF_VAR|TF_TOKEN|GITHUB|GH|GITLAB|GLAB|NPM|NODE_AUTH|
         OPENAI|ANTHROPIC|GEMINI|HF|HUGGING_FACE|STRIPE|TWILIO|SENDGRID|SLACK|DISCORD|
         SENTRY|DATADOG|NEW_RELIC|DOCKER|SSH|GPG|GNUPG|MYSQL|MONGO|MONGODB|REDIS|
         KUBE|KUBECONFIG|DBUS|SNOWFLAKE|DATABRICKS)(?:_|$)
    """
"""Names that look secret, compared upper-cased. PWD and OLDPWD are exempt."""

SECRET_VALUE = r"""
      (?<![A-Za-z0-9])(?:
          gh[pousr]_[A-Za-z0-9]{20,}
        | github_pat_[A-Za-z0-9_]{20,}
        | glpat-[A-Za-z0-9_-]{20,}
        | xox[abposr]-[A-Za-z0-9-]{10,}
        | sk-[A-Za-z0-9_-]{20,}
        | (?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}
        | (?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}
        | AIza[0-9A-Za-z_-]{35}
        | ya29\.[0-9A-Za-z_-]{20,}
        | npm_[A-Za-z0-9]{36}
        | pypi-[A-Za-z0-9_-]{50,}
        | hf_[A-Za-z0-9]{30,}
        | dop_v1_[a-f0-9]{64}
        | SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}
        | shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}
        | glc_[A-Za-z0-9_-]{20,}
        | eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*
      )
    | -----BEGIN[ A-Z]*PRIVATE\ KEY-----
    | [A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@
    """
"""Well-known token shapes, JWTs, private keys and URLs carrying a password."""

_EXEMPT = frozenset({"PWD", "OLDPWD"})
_compiled: dict[str, re.Pattern[str]] = {}


def _pattern(source: str) -> re.Pattern[str]:
    compiled = _compiled.get(source)
    if compiled is None:
        import re

        compiled = _compiled[source] = re.compile(source, re.VERBOSE)
    return compiled


def looks_secret(name: str, value: str) -> bool:
    if name not in _EXEMPT and _pattern(SECRET_NAME).search(name.upper()):
        return True
    return _pattern(SECRET_VALUE).search(value) is not None


class NameSet:
    """Exact names plus `*` globs; `PREFIX*` and `*SUFFIX` are matched without regexes."""

    def __init__(self, names: Iterable[str]) -> None:
        exact = set()
        prefixes = []
        suffixes = []
        others = []
        for name in names:
            if "*" not in name:
                exact.add(name)
            elif name.count("*") == 1 and name.endswith("*"):
                prefixes.append(name[:-1])
            elif name.count("*") == 1 and name.startswith("*"):
                suffixes.append(name[1:])
            else:
                others.append(name)
        self.exact = frozenset(exact)
        self.prefixes = tuple(prefixes)
        self.suffixes = tuple(suffixes)
        self.others = tuple(others)

    def glob_matches(self, name: str) -> bool:
        if self.prefixes and name.startswith(self.prefixes):
            return True
        if self.suffixes and name.endswith(self.suffixes):
            return True
        if self.others:
            import fnmatch

            return any(fnmatch.fnmatchcase(name, glob) for glob in self.others)
        return False

    def matches(self, name: str) -> bool:
        return name in self.exact or self.glob_matches(name)


def admits(name: str, value: str, passed: NameSet, blocked: NameSet) -> bool:
    if blocked.matches(name):
        return False
    if name in passed.exact:
        return True
    return passed.glob_matches(name) and not looks_secret(name, value)


def sandbox_environment(
    host: Mapping[str, str],
    passed: Iterable[str],
    blocked: Iterable[str],
    fixed: Mapping[str, str],
) -> dict[str, str]:
    """The variables for the sandbox: the admitted host ones, then `fixed` on top, with
    agentsh's shim directory taken out of PATH."""
    passed_set, blocked_set = NameSet(passed), NameSet(blocked)
    result = {
        name: value for name, value in host.items() if admits(name, value, passed_set, blocked_set)
    }
    result.update(fixed)
    if "PATH" in result:
        result["PATH"] = without_directory(result["PATH"], shim_dir(host))
    return result


def without_directory(search_path: str, directory: str) -> str:
    """`search_path` (colon-separated) without the entries that name `directory`."""
    unwanted = os.path.normpath(directory)
    kept = [entry for entry in search_path.split(":") if os.path.normpath(entry) != unwanted]
    return ":".join(kept)
