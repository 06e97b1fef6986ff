"""Interpreter one-liners: what their code deletes, sends, and starts."""

from __future__ import annotations

import pytest

from agentsh.policy import interpreters
from agentsh.policy.model import Decision, SimpleCommand, Stdin
from agentsh.records import replace
from tests.policy.helpers import CTX, cmd, decision_of


class Static(str):
    """A line whose `$` are literal (single-quoted in the shell), unlike the helper's guess."""


def command(line: str, **kwargs: object) -> SimpleCommand:
    built = cmd(line, **kwargs)  # type: ignore[arg-type]
    return (
        replace(built, dynamic=frozenset())
        if isinstance(built, SimpleCommand) and isinstance(line, Static)
        else built
    )


def judge(line: str, **kwargs: object) -> tuple[Decision, list[str]]:
    findings = interpreters.classify(command(line, **kwargs), CTX)
    return decision_of(findings), [f.rule for f in findings]


CONFIRM_CASES = [
    # deleting files
    ("python3 -c \"import shutil; shutil.rmtree('src')\"", "interp.delete"),
    ("python -c 'import os; os.remove(\"db.sqlite3\")'", "interp.delete"),
    ("python -c 'from os import unlink; unlink(\"db.sqlite3\")'", "interp.delete"),
    ("python -c 'import shutil as s; s.rmtree(\"migrations\")'", "interp.delete"),
    ("python -c 'from pathlib import Path; Path(\"src/app.py\").unlink()'", "interp.delete"),
    ('python -c \'import pathlib; (pathlib.Path("src") / "x").rmdir()\'', "interp.delete"),
    ('python -c \'import os; list(map(os.remove, ["a", "b"]))\'', "interp.delete"),
    ("python3.12 -Sc 'import os; os.removedirs(\"a/b\")'", "interp.delete"),
    ("node -e \"require('fs').rmSync('src',{recursive:true})\"", "interp.delete"),
    ("node -e \"require('fs').promises.rm('src', {recursive: true})\"", "interp.delete"),
    ("node -e \"require('fs').unlinkSync('package-lock.json')\"", "interp.delete"),
    ("deno eval \"await Deno.remove('src', {recursive: true})\"", "interp.delete"),
    ("bun -e \"require('fs').rmdirSync('dist')\"", "interp.delete"),
    ("perl -e 'unlink \"a.txt\"'", "interp.delete"),
    ("perl -e 'unlink glob \"*.log\"'", "interp.delete"),
    ("python -c '__builtins__.exec(input())'", "interp.dynamic-code"),
    ("perl -MFile::Path=rmtree -e 'rmtree(\"src\")'", "interp.delete"),
    ("perl -e 'use File::Path qw(remove_tree); remove_tree(\"src\")'", "interp.delete"),
    ('ruby -e \'require "fileutils"; FileUtils.rm_rf("src")\'', "interp.delete"),
    ("ruby -e 'File.delete(\"a.txt\")'", "interp.delete"),
    ("ruby -e 'Dir.rmdir(\"empty\")'", "interp.delete"),
    ("php -r 'unlink(\"a.txt\");'", "interp.delete"),
    ('php -r \'array_map("unlink", glob("*.log"));\'', "interp.delete"),
    # HTTP writes
    (
        "python -c 'import requests; requests.delete(\"https://api.example.com/v1/p/1\")'",
        "interp.http-write",
    ),
    (
        "python -c 'import requests; requests.post(\"https://api.example.com/x\", json={})'",
        "interp.http-write",
    ),
    (
        "python -c 'import httpx; httpx.Client().patch(\"https://api.example.com/a\")'",
        "interp.http-write",
    ),
    (
        "python -c 'import requests\nwith requests.Session() as s:\n    s.put(\"https://x.io/a\")'",
        "interp.http-write",
    ),
    (
        'python -c \'import requests; requests.request("delete", "https://x.io/a")\'',
        "interp.http-write",
    ),
    (
        'python -c \'import urllib.request as u; u.urlopen(u.Request("https://x.io/a", method="DELETE"))\'',
        "interp.http-write",
    ),
    (
        'python -c \'import urllib.request as u; u.urlopen("https://x.io/a", data=b"x")\'',
        "interp.http-write",
    ),
    (
        'python -c \'import http.client as h; c = h.HTTPSConnection("x.io"); c.request("DELETE", "/a")\'',
        "interp.http-write",
    ),
    ("node -e \"fetch('https://api.example.com/a', {method: 'DELETE'})\"", "interp.http-write"),
    ('node -e "fetch(u, {method: m})"', "interp.http-write"),
    ("node -e \"require('axios').put('https://api.example.com/a', {})\"", "interp.http-write"),
    (
        "node -e \"const axios = require('axios'); axios.delete('https://api.example.com/a/1')\"",
        "interp.http-write",
    ),
    (
        'ruby -e \'require "net/http"; Net::HTTP::Delete.new(URI("https://x.io/a"))\'',
        "interp.http-write",
    ),
    (
        "perl -MLWP::UserAgent -e 'LWP::UserAgent->new->delete(\"https://x.io/a\")'",
        "interp.http-write",
    ),
    (Static("php -r 'curl_setopt($c, CURLOPT_CUSTOMREQUEST, \"DELETE\");'"), "interp.http-write"),
    # programs started with a command agentsh cannot read
    ("python -c 'import os; os.system(input())'", "interp.spawn"),
    ("python -c 'import os, sys; os.system(sys.argv[1])' 'rm -rf src'", "interp.spawn"),
    ("python -c 'import subprocess, sys; subprocess.run(sys.argv[1:])'", "interp.spawn"),
    ("python -c 'import os; d = input(); os.system(f\"rm -rf {d}\")'", "interp.spawn"),
    ("python -c 'import ctypes; ctypes.CDLL(None).system(b\"id\")'", "interp.spawn"),
    ("python -c 'import subprocess; list(map(subprocess.call, cmds))'", "interp.spawn"),
    ("node -e \"const cp = require('child_process'); cp.exec(process.argv[1])\"", "interp.spawn"),
    ("node -e \"require('child_process')[x]('ls')\"", "interp.dynamic-code"),
    (Static("perl -e 'my $c = shift; system($c)'"), "interp.spawn"),
    (Static('perl -e \'open(my $p, "-|", "git", "log"); print <$p>\''), "interp.spawn"),
    (Static("perl -e 'print `rm -rf $ENV{DIR}`'"), "interp.spawn"),
    ("ruby -e 'system(ARGV[0])'", "interp.spawn"),
    ("ruby -e 'puts `ls #{ARGV[0]}`'", "interp.spawn"),
    ("ruby -e 'Kernel.send(:system, \"id\")'", "interp.spawn"),
    (Static("php -r 'system($argv[1]);'"), "interp.spawn"),
    ('php -r \'call_user_func("system", "id");\'', "interp.spawn"),
    ("node -e \"const {execSync: run} = require('child_process'); run('ls')\"", "interp.spawn"),
    (
        "node -e \"const cp = require('child_process'); const f = cp.execSync; f('ls')\"",
        "interp.spawn",
    ),
    # code built at run time
    ('python -c \'import os; os.__dict__["system"]("id")\'', "interp.dynamic-code"),
    ("node -e \"require('fs')['rm' + 'Sync']('src', {recursive: true})\"", "interp.dynamic-code"),
    ('php -r \'("sys" . "tem")("id");\'', "interp.dynamic-code"),
    ('python -c "$CODE"', "interp.dynamic-code"),
    ("python -c 'import base64; exec(base64.b64decode(\"aW1wb3J0IG9z\"))'", "interp.dynamic-code"),
    (
        "python -c 'import importlib, sys; importlib.import_module(sys.argv[1])'",
        "interp.dynamic-code",
    ),
    ("python -c 'import os; getattr(os, input())(\"x\")'", "interp.dynamic-code"),
    ('node -e "$JS"', "interp.dynamic-code"),
    ("node -e \"require('child_' + 'process').execSync('ls')\"", "interp.dynamic-code"),
    ("node -e \"eval(Buffer.from(s, 'base64').toString())\"", "interp.dynamic-code"),
    ("perl -e 'eval $ARGV[0]'", "interp.dynamic-code"),
    ('perl -e \'&{"sys"."tem"}("id")\'', "interp.dynamic-code"),
    ("ruby -e 'eval(STDIN.read)'", "interp.dynamic-code"),
    ('php -r \'$f = "sys" . "tem"; $f("id");\'', "interp.dynamic-code"),
    ("php -r 'eval(base64_decode($argv[1]));'", "interp.dynamic-code"),
]

ALLOW_CASES = [
    "python -c 'print(1+1)'",
    'python3 -c "import sys; print(sys.path)"',
    "python -c 'import json,sys; print(json.load(sys.stdin)[\"version\"])'",
    "python -c 'import requests; print(requests.get(\"https://api.example.com/v1\").json())'",
    "python -c 'import requests; requests.post(\"http://localhost:8000/x\", json={})'",
    "python -c 'import os; os.remove(\"/tmp/scratch.txt\")'",
    'python -c \'open("out.txt", "w").write("x")\'',
    "python -c 'import os; print(os.environ.get(\"HOME\"))'",
    "python -c 'import subprocess; print(subprocess.__doc__)'",
    "python -c 'print(\"os.system(x) and shutil.rmtree(y)\")'",
    "python -m pytest",
    "python -m pytest tests/test_db.py -k drop",
    "python manage.py test",
    "python script.py --delete",
    "python",
    "python3 -W ignore -c 'print(1)'",
    "node -e 'console.log(process.version)'",
    "node -p 'require(\"./package.json\").version'",
    "node -pe '1+1'",
    "node -e \"console.log(/exec/.exec('exec'))\"",
    "node -e \"fetch('https://api.example.com/a').then(r => r.json()).then(console.log)\"",
    "node -e \"fetch('https://api.example.com/a', {method: 'GET'})\"",
    "node app.js",
    "node --require ts-node/register src/index.ts",
    "deno eval 'console.log(Deno.version)'",
    "deno run main.ts",
    "bun run build",
    "bun -e 'console.log(Bun.version)'",
    "perl -pe 's/a/b/' file",
    "perl -i -pe 's/foo/bar/g' src/app.py",
    "perl -pi.bak -e 's/foo/bar/' a.txt",
    "perl -ne 'print if /system\\(/' src/app.pl",
    "perl -ne 'print unless /unlink/' src/app.pl",
    Static("perl -lane 'print $F[0] if $x && $y' data.txt"),
    "perl -0777 -ne 'print length' file",
    "perl script.pl",
    "ruby -e 'puts 1'",
    "ruby -rjson -e 'puts JSON.generate([1])'",
    "ruby -e 'puts \"exec\".upcase'",
    "ruby bin/setup",
    "php -r 'echo json_encode([1,2]);'",
    Static("php -r 'echo array_map(fn($x) => $x * 2, [1,2])[0];'"),
    Static('php -r \'$db = new PDO("sqlite::memory:"); $db->exec("select 1");\''),
    "php -S localhost:8000",
    "php artisan migrate",
    "php -f index.php",
]


@pytest.mark.parametrize(("line", "rule"), CONFIRM_CASES)
def test_dangerous_one_liners_need_confirmation(line: str, rule: str) -> None:
    decision, rules = judge(line)
    assert decision is Decision.CONFIRM
    assert rule in rules


@pytest.mark.parametrize("line", ALLOW_CASES)
def test_harmless_one_liners_are_allowed(line: str) -> None:
    assert judge(line) == (Decision.ALLOW, [])
    assert interpreters.embedded_shell(command(line)) == []


EMBEDDED_CASES = [
    ("python -c 'import os; os.system(\"railway down\")'", ["railway down"]),
    ('python -c \'import subprocess; subprocess.run(["railway", "down"])\'', ["railway down"]),
    (
        "python -c 'import subprocess as sp; sp.check_call(\"rm -rf src\", shell=True)'",
        ["rm -rf src"],
    ),
    ('python -c \'from subprocess import *; call(["rm", "-rf", "my dir"])\'', ["rm -rf 'my dir'"]),
    ("python -c 'from os import system as s; s(\"make deploy\")'", ["make deploy"]),
    (
        "python -c 'import os; os.popen(\"kubectl delete ns prod\").read()'",
        ["kubectl delete ns prod"],
    ),
    ('python -c \'import os; os.execvp("rm", ["rm", "-rf", "src"])\'', ["rm -rf src"]),
    ('python -c \'import os; os.execlp("rm", "rm", "-rf", "src")\'', ["rm -rf src"]),
    ('python -c \'import os; os.spawnlp(os.P_WAIT, "rm", "rm", "-rf", "x")\'', ["rm -rf x"]),
    (
        'python -c \'import pty; pty.spawn(["psql", "-c", "DROP TABLE x"])\'',
        ["psql -c 'DROP TABLE x'"],
    ),
    ('python -c \'__import__("os").system("ls -la")\'', ["ls -la"]),
    ('python -c \'import sys; sys.modules["os"].system("ls -la")\'', ["ls -la"]),
    ('python -c \'import os; getattr(os, "sys" + "tem")("ls")\'', ["ls"]),
    ('python -c \'exec("import os; os.system(\\"id\\")")\'', ["id"]),
    (
        'python -c \'import subprocess; cmd = ["rm", "-rf", "src"]; subprocess.run(cmd)\'',
        ["rm -rf src"],
    ),
    (
        "python -c 'import shlex, subprocess; subprocess.run(shlex.split(\"git push -f\"))'",
        ["git push -f"],
    ),
    (
        'node -e \'require("child_process").execSync("psql -c \\"DROP TABLE x\\"")\'',
        ['psql -c "DROP TABLE x"'],
    ),
    (
        'node -e \'const {spawn} = require("child_process"); spawn("rm", ["-rf", "src"])\'',
        ["rm -rf src"],
    ),
    ('node -e \'require("child_process").exec("ls -la", (e, o) => console.log(o))\'', ["ls -la"]),
    (
        'node -e \'require("node:child_process").execFileSync("git", ["clean", "-fdx"])\'',
        ["git clean -fdx"],
    ),
    (
        'node -e \'require("child_process").spawnSync("rm", ["-rf", "x"], {shell: true})\'',
        ["rm -rf x"],
    ),
    ('node -e \'require("child_process").fork("scripts/seed.js")\'', ["node scripts/seed.js"]),
    ('node -e \'require("child\\x5fprocess").execSync("id")\'', ["id"]),
    ('deno eval \'await new Deno.Command("rm", {args: ["-rf", "src"]}).output()\'', ["rm -rf src"]),
    ('deno eval \'Deno.run({cmd: ["terraform", "destroy"]})\'', ["terraform destroy"]),
    ('bun -e \'Bun.spawn(["rm", "-rf", "src"])\'', ["rm -rf src"]),
    (Static("bun -e 'await Bun.$`rm -rf dist`'"), ["rm -rf dist"]),
    ("perl -e 'system(\"rm -rf src\")'", ["rm -rf src"]),
    ('perl -e \'system("rm", "-rf", "src")\'', ["rm -rf src"]),
    ("perl -e 'system q{railway down}'", ["railway down"]),
    ("perl -e 'exec qw(git reset --hard)'", ["git reset --hard"]),
    (Static("perl -e 'my $x = `git status`; print $x'"), ["git status"]),
    ("perl -e 'print qx{ls -la}'", ["ls -la"]),
    ("perl -e '&CORE::system(\"id\")'", ["id"]),
    ("ruby -e 'system(\"rm -rf src\")'", ["rm -rf src"]),
    ('ruby -e \'system "rm", "-rf", "src"\'', ["rm -rf src"]),
    ("ruby -e 'puts `ls -la`'", ["ls -la"]),
    ("ruby -e 'puts %x(git log)'", ["git log"]),
    ('ruby -e \'IO.popen(["rm", "-rf", "x"]).read\'', ["rm -rf x"]),
    ('ruby -e \'require "open3"; Open3.capture2("ls", stdin_data: "x")\'', ["ls"]),
    ("php -r 'system(\"rm -rf src\");'", ["rm -rf src"]),
    ("php -r 'echo shell_exec(\"whoami\");'", ["whoami"]),
    ("php -r 'echo `ls`;'", ["ls"]),
]


@pytest.mark.parametrize(("line", "lines"), EMBEDDED_CASES)
def test_literal_commands_are_handed_to_the_engine(line: str, lines: list[str]) -> None:
    assert interpreters.embedded_shell(command(line)) == lines
    assert "interp.spawn" not in judge(line)[1]


def test_message_names_what_is_deleted() -> None:
    [found] = interpreters.classify(cmd("python3 -c \"import shutil; shutil.rmtree('src')\""), CTX)
    assert found.rule == "interp.delete"
    assert found.message == "python3 -c would delete src (shutil.rmtree)"
    assert found.target == "src"


def test_message_names_method_and_target_of_http_write() -> None:
    line = "python -c 'import requests; requests.delete(\"https://api.example.com/v1/p/1?x=1\")'"
    [found] = interpreters.classify(cmd(line), CTX)
    assert (
        found.message == "python -c would send DELETE to api.example.com/v1/p/1 (requests.delete)"
    )


def test_spawn_message_says_agentsh_cannot_see_it() -> None:
    [found] = interpreters.classify(cmd("python -c 'import os; os.system(input())'"), CTX)
    assert found.message == "python -c starts a program agentsh cannot see (os.system)"


@pytest.mark.parametrize(
    ("stdin", "decision", "lines"),
    [
        (
            Stdin("heredoc", "import os\nos.system('railway down')\n"),
            Decision.ALLOW,
            ["railway down"],
        ),
        (Stdin("heredoc", "import shutil\nshutil.rmtree('src')\n"), Decision.CONFIRM, []),
        (Stdin("heredoc", None, "<<EOF"), Decision.CONFIRM, []),
        (Stdin("pipe", "print(1)\n"), Decision.ALLOW, []),
        (Stdin("pipe", None, "curl …"), Decision.ALLOW, []),
        (Stdin("file", None, "< script.py"), Decision.ALLOW, []),
    ],
)
def test_code_from_stdin_is_scanned(stdin: Stdin, decision: Decision, lines: list[str]) -> None:
    for line in ("python3", "python -"):
        built = cmd(line, stdin=stdin)
        assert decision_of(interpreters.classify(built, CTX)) is decision
        assert interpreters.embedded_shell(built) == lines


def test_perl_and_ruby_join_repeated_e() -> None:
    line = "perl -e 'use strict;' -e 'system(\"make deploy\")'"
    assert interpreters.embedded_shell(cmd(line)) == ["make deploy"]


def test_script_arguments_are_not_code() -> None:
    assert (
        interpreters.embedded_shell(cmd("python script.py -c 'import os; os.system(\"x\")'")) == []
    )
    assert (
        interpreters.embedded_shell(
            cmd('node app.js -e \'require("child_process").execSync("x")\'')
        )
        == []
    )


@pytest.mark.parametrize(
    "line",
    [
        'node --trace-warnings -e \'require("child_process").execSync("make deploy")\'',
        'node --some-new-option value -e \'require("child_process").execSync("make deploy")\'',
        'node -r dotenv/config --eval \'require("child_process").execSync("make deploy")\'',
        "ruby --disable-gems -e 'system(\"make deploy\")'",
        "ruby --encoding utf-8 -e 'system(\"make deploy\")'",
        "ruby -I lib -r json -e 'system(\"make deploy\")'",
        "perl -Mstrict -wle 'system(\"make deploy\")'",
        "perl -I lib -e 'system(\"make deploy\")'",
        "php -d display_errors=1 -r 'system(\"make deploy\");'",
        "python3 -X dev -W error -c 'import os; os.system(\"make deploy\")'",
        "python -Ic 'import os; os.system(\"make deploy\")'",
    ],
)
def test_options_before_the_code_do_not_hide_it(line: str) -> None:
    assert interpreters.embedded_shell(cmd(line)) == ["make deploy"]


def test_unparseable_python_falls_back_to_text_rules() -> None:
    decision, rules = judge("python -c 'import os; os.system(\"x\") +'")
    assert (decision, rules) == (Decision.CONFIRM, ["interp.spawn"])


def test_programs_cover_the_interpreters() -> None:
    expected = {
        "python",
        "python3",
        "python3.12",
        "pypy3",
        "node",
        "deno",
        "bun",
        "perl",
        "ruby",
        "php",
    }
    assert expected <= interpreters.PROGRAMS
