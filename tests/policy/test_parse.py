"""The parser: which simple commands a line holds, their words, stdin and cwd."""

from __future__ import annotations

import pytest

from agentsh.policy.model import Context, Decision, SimpleCommand, Stdin
from agentsh.policy.parse import UNKNOWN_CWD, ParsedCommand, parse, simple_commands
from agentsh.policy.words import decode_ansi_c
from agentsh.records import replace
from tests.policy.helpers import CTX

HOME = CTX.home
PROJECT = CTX.project_root


def argvs(line: str, ctx: Context = CTX) -> list[tuple[str, ...]]:
    return [cmd.argv for cmd in simple_commands(line, ctx)]


def only(line: str, ctx: Context = CTX) -> SimpleCommand:
    commands = simple_commands(line, ctx)
    assert len(commands) == 1, commands
    return commands[0]


def find(line: str, program: str, ctx: Context = CTX) -> ParsedCommand:
    found = [item for item in parse(line, ctx).commands if item.cmd.argv[0] == program]
    assert len(found) == 1, parse(line, ctx).commands
    return found[0]


# --- every construct's simple commands ---------------------------------------------------

CONSTRUCTS = [
    ("a x | b y", [("a", "x"), ("b", "y")]),
    ("a && b || c; d & e\nf", [("a",), ("b",), ("c",), ("d",), ("e",), ("f",)]),
    ("a |& b", [("a",), ("b",)]),
    ("(a; b)", [("a",), ("b",)]),
    ("{ a; b; }", [("a",), ("b",)]),
    ("! a", [("a",)]),
    ("echo $(a 1) `b 2`", [("a", "1"), ("b", "2"), ("echo", "$(a 1)", "`b 2`")]),
    ('echo "x $(a) y `b`"', [("a",), ("b",), ("echo", "x $(a) y `b`")]),
    ("ls $(dirname $(a))", [("a",), ("dirname", "$(a)"), ("ls", "$(dirname $(a))")]),
    ("diff <(a) >(b)", [("a",), ("b",), ("diff", "<(a)", ">(b)")]),
    ("f() { a; }", [("a",)]),
    ("function g { a; }", [("a",)]),
    ("h() ( a )", [("a",)]),
    ("if a; then b; elif c; then d; else e; fi", [("a",), ("b",), ("c",), ("d",), ("e",)]),
    ("for i in $(a); do b; done", [("a",), ("b",)]),
    ("for ((i=0; i<$(a); i++)); do b; done", [("a",), ("b",)]),
    ("while a; do b; done", [("a",), ("b",)]),
    ("until a; do b; done", [("a",), ("b",)]),
    ("case $(a) in x) b;; *) c;; esac", [("a",), ("b",), ("c",)]),
    ("[[ $(a) == x ]] && b", [("a",), ("b",)]),
    ("[ -f $(a) ]", [("a",)]),
    ("(( x = $(a) ))", [("a",)]),
    ("X=$(a)", [("a",)]),
    ("X=1 Y=$(a) b", [("a",), ("b",)]),
    ("declare -x X=$(a)", [("a",)]),
    ("local y=$(a)", [("a",)]),
    ("export Z=`a`", [("a",)]),
    ("echo x > $(a)", [("a",), ("echo", "x")]),
    ("cat <<EOF\n$(a)\nEOF", [("a",), ("cat",)]),
    ("cat <<< $(a)", [("a",), ("cat",)]),
    ("cat <<EOF | sh\nx\nEOF", [("cat",), ("sh",)]),
    ("cat <<EOF && b\nx\nEOF", [("cat",), ("b",)]),
    ("a | cat <<EOF | b\nx\nEOF", [("a",), ("cat",), ("b",)]),
    ("cat <<EOF | sh | y && x || z\nx\nEOF", [("cat",), ("sh",), ("y",), ("x",), ("z",)]),
    ("rm >/dev/null -rf src", [("rm", "-rf", "src")]),
    ("rm 2>/dev/null -rf src", [("rm", "-rf", "src")]),
    (">out rm -rf src", [("rm", "-rf", "src")]),
    ("# just a comment", []),
    ("", []),
]


@pytest.mark.parametrize(("line", "expected"), CONSTRUCTS)
def test_every_construct_yields_its_simple_commands(
    line: str, expected: list[tuple[str, ...]]
) -> None:
    assert sorted(argvs(line)) == sorted(expected)


def test_function_body_counts_without_a_call() -> None:
    assert argvs("cleanup() { rm -rf build; }") == [("rm", "-rf", "build")]


# --- word normalisation ---------------------------------------------------------------

WORDS = [
    ("r''m", "rm"),
    ('"rm"', "rm"),
    ("'r'\"m\"", "rm"),
    ("\\rm", "rm"),
    ("r\\m", "rm"),
    ("$'\\x72m'", "rm"),
    ("$'\\x72\\x6d'", "rm"),
    ("$'\\162m'", "rm"),
    ("$'\\u0072m'", "rm"),
    ("$'\\U00000072m'", "rm"),
    ('$"rm"', "rm"),
    ("r$'m'", "rm"),
    ("/bin/rm", "/bin/rm"),
    ("./node_modules/.bin/railway", "./node_modules/.bin/railway"),
    ("r\\\nm", "rm"),
]


@pytest.mark.parametrize(("word", "argv0"), WORDS)
def test_program_words_are_normalised_like_bash(word: str, argv0: str) -> None:
    cmd = only(f"{word} -rf src")
    assert cmd.argv == (argv0, "-rf", "src")
    assert cmd.dynamic == frozenset()


@pytest.mark.parametrize(
    ("word", "program"),
    [("/bin/rm", "rm"), ("./node_modules/.bin/railway", "railway"), ("~/bin/tool", "tool")],
)
def test_program_is_the_basename(word: str, program: str) -> None:
    assert only(word).program == program


ARGUMENTS = [
    ("'a b'", "a b"),
    ('"a\\"b\\$c\\\\d\\q"', 'a"b$c\\d\\q'),
    ("$'a\\tb\\n'", "a\tb\n"),
    ("$'it\\'s'", "it's"),
    ("x\\ y", "x y"),
    ("~", HOME),
    ("~/x", f"{HOME}/x"),
    ("~/'a b'", f"{HOME}/a b"),
    ("$HOME/y", f"{HOME}/y"),
    ("${HOME}", HOME),
    ('"$HOME/z"', f"{HOME}/z"),
    ("'~'", "~"),
    ('"~"', "~"),
    ("a~", "a~"),
    ("{a,b}", "{a,b}"),
    ("{1..3}", "{1..3}"),
    ("*.py", "*.py"),
    ('"a $ b"', "a $ b"),
]


@pytest.mark.parametrize(("word", "value"), ARGUMENTS)
def test_static_arguments(word: str, value: str) -> None:
    cmd = only(f"echo {word}")
    assert cmd.argv[1] == value
    if "$ b" not in word:
        assert cmd.dynamic == frozenset()


DYNAMIC = [
    ("$X", "$X"),
    ("${X}", "${X}"),
    ("${X:-y}", "${X:-y}"),
    ('"$X/y"', "$X/y"),
    ("'a'$X", "a$X"),
    ("$(date)", "$(date)"),
    ("`date`", "`date`"),
    ("$((1+2))", "$((1+2))"),
    ("$1", "$1"),
    ('"$@"', "$@"),
    ("~other/x", "~other/x"),
    ("<(true)", "<(true)"),
]


@pytest.mark.parametrize(("word", "text"), DYNAMIC)
def test_dynamic_arguments_keep_their_source_text(word: str, text: str) -> None:
    cmd = find(f"ls -l {word}", "ls").cmd
    assert cmd.argv == ("ls", "-l", text)
    assert cmd.dynamic == frozenset({2})


@pytest.mark.parametrize(
    "line", ["$CMD -rf x", "$(echo rm) -rf x", '"${TOOL}" down', "`which rm` x"]
)
def test_dynamic_program_word(line: str) -> None:
    cmd = [c for c in simple_commands(line, CTX) if 0 in c.dynamic]
    assert len(cmd) == 1


def test_leading_assignments_are_the_environment() -> None:
    cmd = only("FOO=1 BAR='a b' psql -c x")
    assert cmd.env == (("FOO", "1"), ("BAR", "a b"))
    assert cmd.argv == ("psql", "-c", "x")


def test_ansi_c_decoding() -> None:
    assert decode_ansi_c(r"\a\b\e\f\n\r\t\v\\\'\"\?") == "\a\b\x1b\f\n\r\t\v\\'\"?"
    assert decode_ansi_c(r"\x41\101\u00e9\U0001F600\cA\q") == "AA\u00e9\U0001f600\x01\\q"


# --- stdin --------------------------------------------------------------------------------

FILES = {f"{PROJECT}/reset.sql": "DROP TABLE t;\n", f"{HOME}/x.sql": "SELECT 1;\n"}
FCTX = replace(CTX, files=FILES)


@pytest.mark.parametrize(
    ("line", "stdin"),
    [
        ("psql", Stdin("inherit")),
        ("psql <<'EOF'\nDROP TABLE t;\nEOF", Stdin("heredoc", "DROP TABLE t;\n", "<<'EOF'")),
        ('psql <<"EOF"\n$X\nEOF', Stdin("heredoc", "$X\n", '<<"EOF"')),
        ("psql <<EOF\nDROP \\$X;\nEOF", Stdin("heredoc", "DROP $X;\n", "<<EOF")),
        ("psql <<EOF\nDROP $T;\nEOF", Stdin("heredoc", "DROP $T;\n", "<<EOF", dynamic=True)),
        ("psql <<-EOF\n\t\tDROP t;\n\tEOF", Stdin("heredoc", "DROP t;\n", "<<-EOF")),
        ("psql <<EOF\nEOF", Stdin("heredoc", "", "<<EOF")),
        ("psql <<< 'DROP TABLE t'", Stdin("herestring", "DROP TABLE t\n", "'DROP TABLE t'")),
        ('psql <<< "DROP $T"', Stdin("herestring", "DROP $T\n", '"DROP $T"', dynamic=True)),
        ("psql < reset.sql", Stdin("file", "DROP TABLE t;\n", "reset.sql")),
        ("psql < ~/x.sql", Stdin("file", "SELECT 1;\n", f"{HOME}/x.sql")),
        ("psql < missing.sql", Stdin("file", None, "missing.sql")),
        (
            "echo 'DROP DATABASE app;' | psql",
            Stdin("pipe", "DROP DATABASE app;\n", "echo 'DROP DATABASE app;'"),
        ),
        ("echo -n a b | psql", Stdin("pipe", "a b", "echo -n a b")),
        ("echo -e 'a\\tb' | psql", Stdin("pipe", "a\tb\n", "echo -e 'a\\tb'")),
        ("printf 'x;\\n' | psql", Stdin("pipe", "x;\n", "printf 'x;\\n'")),
        ("printf '%s\\n' a b | psql", Stdin("pipe", "a\nb\n", "printf '%s\\n' a b")),
        ("printf '%d' 1 | psql", Stdin("pipe", None, "printf '%d' 1")),
        ("echo $X | psql", Stdin("pipe", None, "echo $X")),
        ("cat reset.sql | psql", Stdin("pipe", "DROP TABLE t;\n", "cat reset.sql")),
        ("cat missing.sql | psql", Stdin("pipe", None, "cat missing.sql")),
        ("cat <<'EOF' | psql\nDROP t;\nEOF", Stdin("pipe", "DROP t;\n", "cat")),
        ("echo x | cat | psql", Stdin("pipe", "x\n", "cat")),
        ("curl -s x | psql", Stdin("pipe", None, "curl -s x")),
        ("echo x | psql < reset.sql", Stdin("file", "DROP TABLE t;\n", "reset.sql")),
    ],
)
def test_stdin_kinds_and_texts(line: str, stdin: Stdin) -> None:
    assert find(line, "psql", FCTX).cmd.stdin == stdin


def test_only_the_piped_part_after_a_heredoc_reads_the_pipe() -> None:
    line = "cat <<'EOF' | sh && psql\nDROP t;\nEOF"
    assert find(line, "sh").cmd.stdin == Stdin("pipe", "DROP t;\n", "cat")
    assert find(line, "psql").cmd.stdin.kind == "inherit"


def test_unquoted_heredoc_substitution_is_also_a_command() -> None:
    result = parse("psql <<EOF\nDELETE FROM t WHERE id = $(danger);\nEOF", CTX)
    assert ("danger",) in [item.cmd.argv for item in result.commands]
    stdin = find("psql <<EOF\n$(danger)\nEOF", "psql").cmd.stdin
    assert stdin.text == "$(danger)\n" and stdin.dynamic


def test_quoted_heredoc_text_is_not_run() -> None:
    assert argvs("cat <<'EOF'\n$(rm -rf /)\nEOF") == [("cat",)]


def test_stdin_reaches_commands_inside_redirected_blocks() -> None:
    line = "while read l; do psql; done < reset.sql"
    assert find(line, "psql", FCTX).cmd.stdin == Stdin("file", "DROP TABLE t;\n", "reset.sql")
    assert find("echo x | { psql; }", "psql").cmd.stdin.kind == "pipe"


def test_output_process_substitution_reads_a_pipe() -> None:
    assert find("tee >(sh) < x", "sh").cmd.stdin.kind == "pipe"


def test_files_that_would_make_stdin_known() -> None:
    assert find("psql < missing.sql", "psql").stdin_files == (f"{PROJECT}/missing.sql",)
    assert find("cat a.sql | psql", "psql").stdin_files == (f"{PROJECT}/a.sql",)
    assert find("psql < reset.sql", "psql", FCTX).stdin_files == ()


# --- working directory --------------------------------------------------------------------


def cwd_of(line: str, program: str) -> str:
    return find(line, program).ctx.cwd


@pytest.mark.parametrize(
    ("line", "cwd"),
    [
        ("target", PROJECT),
        ("cd sub && target", f"{PROJECT}/sub"),
        ("cd sub; target", f"{PROJECT}/sub"),
        ("cd sub || exit 1; target", f"{PROJECT}/sub"),
        ("cd sub\ntarget", f"{PROJECT}/sub"),
        ("cd /tmp && cd x && target", "/tmp/x"),
        ("cd .. && target", "/home/dev"),
        ("cd && target", HOME),
        ("cd ~/proj && target", f"{HOME}/proj"),
        ("cd -P -- /srv && target", "/srv"),
        ("cd /a && cd /b && cd - && target", "/a"),
        ("(cd /tmp && other) ; target", PROJECT),
        ("(cd /tmp; target)", "/tmp"),
        ("echo $(cd /tmp) && target", PROJECT),
        ("cd /tmp | cat; target", PROJECT),
        ('cd "$DIR" && target', UNKNOWN_CWD),
        ("cd $(git rev-parse --show-toplevel) && target", UNKNOWN_CWD),
        ("if x; then cd /tmp; fi; target", UNKNOWN_CWD),
        ("pushd /srv && target", "/srv"),
        ("pushd /srv && popd && target", PROJECT),
        ("popd; target", UNKNOWN_CWD),
        ("cd $X; cd sub && target", UNKNOWN_CWD),
    ],
)
def test_cd_is_followed(line: str, cwd: str) -> None:
    assert cwd_of(line, "target") == cwd


def test_input_redirect_resolves_against_the_tracked_cwd() -> None:
    ctx = replace(CTX, files={"/srv/db/seed.sql": "DROP t;"})
    assert find("cd /srv/db && psql < seed.sql", "psql", ctx).cmd.stdin.text == "DROP t;"


# --- writes and findings ---------------------------------------------------------------


def test_output_redirections_are_recorded() -> None:
    writes = parse('a > out; b >> ~/log 2>&1; c &> "$F"; d >&2; e 2>/dev/null', CTX).writes
    assert [(w.target, w.path, w.dynamic, w.operator) for w in writes] == [
        ("out", f"{PROJECT}/out", False, ">"),
        (f"{HOME}/log", f"{HOME}/log", False, ">>"),
        ("$F", None, True, "&>"),
        ("/dev/null", "/dev/null", False, ">"),
    ]


def test_redirect_after_a_list_binds_to_its_last_command() -> None:
    result = parse("cd /tmp && echo x > out", CTX)
    assert [w.path for w in result.writes] == ["/tmp/out"]
    assert find("cd /srv && psql < seed.sql", "psql").stdin_files == ("/srv/seed.sql",)
    assert find("cd /srv && psql < seed.sql", "cd").cmd.stdin.kind == "inherit"


def test_assignments_outside_commands_are_reported() -> None:
    result = parse("X=1 Y=~/a; export Z=$(a) W; readonly V=2; FOO=3 cmd", CTX)
    assert result.assignments == (("X", "1"), ("Y", f"{HOME}/a"), ("Z", "$(a)"), ("V", "2"))
    assert ("a",) in [item.cmd.argv for item in result.commands]


def test_bare_redirect_truncates() -> None:
    assert [w.path for w in parse("> /etc/passwd", CTX).writes] == ["/etc/passwd"]


@pytest.mark.parametrize("line", ["if x; then", 'echo "unterminated', "a &&", "(( x ", "case x in"])
def test_parse_errors_are_reported(line: str) -> None:
    findings = parse(line, CTX).findings
    assert [f.rule for f in findings] == ["engine.parse-error"]
    assert findings[0].decision == Decision.CONFIRM
    assert "could not parse" in findings[0].message


def test_parts_that_parsed_are_still_there() -> None:
    result = parse("rm -rf src; if x; then", CTX)
    assert ("rm", "-rf", "src") in [item.cmd.argv for item in result.commands]


@pytest.mark.parametrize(
    ("line", "bomb"),
    [
        (":(){ :|:& };:", True),
        ("bomb(){ bomb|bomb& }; bomb", True),
        ("f() { f & f; }", True),
        ("f() { echo hi | f; }", True),
        ("f() { f; }", False),
        ("f() { g | h & }", False),
        ("retry() { sleep 1; other & }", False),
    ],
)
def test_fork_bombs(line: str, bomb: bool) -> None:
    rules = [f.rule for f in parse(line, CTX).findings]
    assert rules == (["engine.fork-bomb"] if bomb else [])
    if bomb:
        assert parse(line, CTX).findings[0].decision == Decision.DENY


def test_surrogates_and_odd_bytes_do_not_break_parsing() -> None:
    weird = "echo \udcff\x00 caf\u00e9 \ud800"
    assert parse(weird, CTX).commands[0].cmd.argv[0] == "echo"


@pytest.mark.parametrize(
    ("text", "rules"),
    [("{\U000e0000", ["engine.parse-error"]), ("{\U000f0000 x", ["engine.parse-error"]),
     ("echo {\U000c0000,b}", [])],
)  # fmt: skip
def test_input_that_crashes_tree_sitter_bash_is_kept_away_from_it(
    text: str, rules: list[str]
) -> None:
    """tree-sitter-bash 0.25 segfaults now and then on these; a crash kills this run."""
    for _ in range(300):
        result = parse(text, CTX)
    assert [f.rule for f in result.findings] == rules
    assert only("echo {\U000c0000,b}").argv == ("echo", "{\U000c0000,b}")


def test_non_ascii_words_keep_their_text() -> None:
    assert only('echo café "naïve" ∂x').argv == ("echo", "café", "naïve", "∂x")
    assert only("echo $é").dynamic == frozenset({1})


def test_a_heredoc_body_line_starting_with_a_backslash_is_kept() -> None:
    from agentsh.policy.parse import parse

    line = "psql <<'EOF'\n\\! rm -rf ~\nselect 1;\nEOF\n"
    (item,) = parse(line, CTX).commands
    assert item.cmd.stdin.text == "\\! rm -rf ~\nselect 1;\n"
