"""fs family: deleting, overwriting and wiping files and disks.

Project /home/dev/app, home /home/dev, cwd = project root, /tmp private (see helpers.CTX).
"""

from __future__ import annotations

import shlex

import pytest

from agentsh import records
from agentsh.policy import fs
from agentsh.policy.model import Context, Decision, SimpleCommand, Stdin

from .helpers import CTX, cmd, decision_of

ALLOW, CONFIRM, DENY = Decision.ALLOW, Decision.CONFIRM, Decision.DENY


def judge(line: str, ctx: Context = CTX) -> tuple[Decision, set[str]]:
    command = cmd(line)
    assert command.program in fs.PROGRAMS
    findings = fs.classify(command, ctx)
    return decision_of(findings), {f.rule for f in findings}


RM_CASES = [
    # recursive or forced rm of project files
    ("rm -r docs/", CONFIRM, "fs.rm-recursive"),
    ("rm -fr ./data", CONFIRM, "fs.rm-recursive"),
    ("rm -Rf migrations", CONFIRM, "fs.rm-recursive"),
    ("rm -R -f src", CONFIRM, "fs.rm-recursive"),
    ("rm --recursive --force lib", CONFIRM, "fs.rm-recursive"),
    ("rm -rf src/*", CONFIRM, "fs.rm-recursive"),
    ("rm -rf {src,dist}", CONFIRM, "fs.rm-recursive"),
    ("rm -rf build/../src", CONFIRM, "fs.rm-recursive"),
    ("rm -rf -- -weird-dir", CONFIRM, "fs.rm-recursive"),
    ("rm -f config/settings.yaml", CONFIRM, "fs.rm-force"),
    ("rm --force notes.md", CONFIRM, "fs.rm-force"),
    # globs and the project itself
    ("rm -rf *", CONFIRM, "fs.rm-project-wide"),
    ("rm *.py", CONFIRM, "fs.rm-project-wide"),
    ("rm -rf .", CONFIRM, "fs.rm-project-wide"),
    ("rm -rf /home/dev/app", CONFIRM, "fs.rm-project-wide"),
    ("rm -rf .git", CONFIRM, "fs.rm-git-metadata"),
    ("rm .git/index", CONFIRM, "fs.rm-git-metadata"),
    # outside the project
    ("rm -rf /var/lib/postgresql", CONFIRM, "fs.rm-outside-project"),
    ("rm -rf ../other-project", CONFIRM, "fs.rm-outside-project"),
    ("rm -rf ../other-project/node_modules", CONFIRM, "fs.rm-outside-project"),
    ("rm /etc/hosts", CONFIRM, "fs.rm-outside-project"),
    ("rm /usr", CONFIRM, "fs.rm-outside-project"),
    ("rm -rf ~/.cache/pip", CONFIRM, "fs.rm-outside-project"),
    ("unlink /etc/passwd", CONFIRM, "fs.rm-outside-project"),
    # run-time targets
    ("rm -rf $d", CONFIRM, "fs.rm-dynamic-target"),
    ('rm -rf "$DIR/"', CONFIRM, "fs.rm-dynamic-target"),
    ("rm -f ${OUT}/report.txt", CONFIRM, "fs.rm-dynamic-target"),
    # catastrophic
    ("rm -rf /", DENY, "fs.rm-catastrophic"),
    ("rm -rf /*", DENY, "fs.rm-catastrophic"),
    ("rm -f /*", DENY, "fs.rm-catastrophic"),
    ("rm -rf //", DENY, "fs.rm-catastrophic"),
    ("rm -rf /home/dev", DENY, "fs.rm-catastrophic"),
    ("rm -rf /home/dev/", DENY, "fs.rm-catastrophic"),
    ("rm -rf ~", DENY, "fs.rm-catastrophic"),
    ("rm -rf ~/*", DENY, "fs.rm-catastrophic"),
    ("rm -rf ~/.*", DENY, "fs.rm-catastrophic"),
    ("rm -rf ../..", DENY, "fs.rm-system-dir"),
    ("rm -rf /usr", DENY, "fs.rm-system-dir"),
    ("rm -rf /etc/", DENY, "fs.rm-system-dir"),
    ("rm -r /var", DENY, "fs.rm-system-dir"),
    ("rm -rf /lib64", DENY, "fs.rm-system-dir"),
    ("rm -rf /home", DENY, "fs.rm-system-dir"),
    ("rm -rf /usr/*", DENY, "fs.rm-system-dir"),
    ("rm -rf /{usr,etc}", DENY, "fs.rm-system-dir"),
    ("rm /dev/sda", DENY, "fs.rm-block-device"),
    ("rm -f /dev/nvme0n1", DENY, "fs.rm-block-device"),
    ("rm -rf --no-preserve-root /", DENY, "fs.rm-no-preserve-root"),
    ("rm -rf --no-preserve-root /tmp/x", DENY, "fs.rm-no-preserve-root"),
    # build cleanup and ordinary edits stay allow
    ("rm -rf dist build", ALLOW, None),
    ("rm -rf {dist,build}", ALLOW, None),
    ("rm -rf .pytest_cache __pycache__", ALLOW, None),
    ("rm -f coverage.xml", ALLOW, None),
    ("rm -f .coverage", ALLOW, None),
    ("rm -rf target/debug", ALLOW, None),
    ("rm -rf node_modules", ALLOW, None),
    ("rm -rf packages/web/node_modules", ALLOW, None),
    ("rm -rf packages/*/dist", ALLOW, None),
    ("rm -rf build/*", ALLOW, None),
    ("rm -rf src/mypkg.egg-info", ALLOW, None),
    ("rm -rf *.egg-info", ALLOW, None),
    ("rm -f *.pyc", ALLOW, None),
    ("rm -f src/app/__init__.pyc", ALLOW, None),
    ("rm -rf .venv", ALLOW, None),
    ("rm -rf .next .turbo coverage htmlcov", ALLOW, None),
    ("rm -rf /home/dev/app/dist", ALLOW, None),
    ("rm src/old_module.py", ALLOW, None),
    ("rm tests/test_legacy.py README.old", ALLOW, None),
    ("rm -i src/old.py", ALLOW, None),
    ("rm src/*.orig", ALLOW, None),
    ("unlink src/old.py", ALLOW, None),
    ("rm /tmp/scratch.txt", ALLOW, None),
    ("rm -rf /tmp/build-output", ALLOW, None),
    ("rm -rf /tmp/*", ALLOW, None),
    ("rm -rf", ALLOW, None),
    ("rm --help", ALLOW, None),
]


@pytest.mark.parametrize(("line", "decision", "rule"), RM_CASES)
def test_rm(line: str, decision: Decision, rule: str | None) -> None:
    got, rules = judge(line)
    assert got is decision
    assert rules == ({rule} if rule else set())


def test_rm_uses_the_tracked_cwd() -> None:
    in_tmp = records.replace(CTX, cwd="/tmp")
    assert judge("rm -rf /home/dev/app", in_tmp) == (CONFIRM, {"fs.rm-project-wide"})
    assert judge("rm -rf scratch", in_tmp) == (ALLOW, set())
    in_src = records.replace(CTX, cwd="/home/dev/app/src")
    assert judge("rm -rf *", in_src) == (CONFIRM, {"fs.rm-recursive"})
    assert judge("rm -rf ../dist", in_src) == (ALLOW, set())


def test_regenerable_names_count_only_inside_the_project() -> None:
    """A project under a directory called `build` must not make every path regenerable."""
    ctx = Context(cwd="/srv/build/app", project_root="/srv/build/app", home="/home/dev")
    assert judge("rm -rf src", ctx) == (CONFIRM, {"fs.rm-recursive"})


def test_project_inside_tmp_is_still_the_project() -> None:
    ctx = Context(cwd="/tmp/app", project_root="/tmp/app", home="/home/dev")
    assert judge("rm -rf src", ctx) == (CONFIRM, {"fs.rm-recursive"})
    assert judge("rm -rf /tmp/other", ctx) == (ALLOW, set())


def test_rm_messages_name_the_targets() -> None:
    (outside,) = fs.classify(cmd("rm -rf /var/lib/postgresql"), CTX)
    assert outside.message == "rm -rf would delete /var/lib/postgresql outside the project"
    assert outside.target == "/var/lib/postgresql"
    (home,) = fs.classify(cmd("rm -rf /home/dev"), CTX)
    assert "home directory /home/dev" in home.message
    (project,) = fs.classify(cmd("rm -r docs/ lib"), CTX)
    assert project.message == "rm -r would delete docs, lib in the project"


def test_rm_groups_targets_by_rule() -> None:
    findings = fs.classify(cmd("rm -rf dist src /opt/tool /"), CTX)
    assert {(f.rule, f.decision) for f in findings} == {
        ("fs.rm-recursive", CONFIRM),
        ("fs.rm-outside-project", CONFIRM),
        ("fs.rm-catastrophic", DENY),
    }


def test_remote_rm_is_never_judged_against_the_local_project() -> None:
    remote = records.replace(cmd("rm -rf dist"), remote="prod")
    (found,) = fs.classify(remote, CTX)
    assert (found.rule, found.decision) == ("fs.rm-outside-project", CONFIRM)
    assert "prod" in found.message
    remote_tmp = records.replace(cmd("rm -rf /tmp/x"), remote="prod")
    assert decision_of(fs.classify(remote_tmp, CTX)) is CONFIRM
    remote_root = records.replace(cmd("rm -rf /"), remote="prod")
    assert decision_of(fs.classify(remote_root, CTX)) is DENY


# --------------------------------------------------------------------------- find


FIND_DELETE_CASES = [
    ("find . -name '*.sql' -delete", CONFIRM, "fs.find-delete"),
    ("find . -type f -delete", CONFIRM, "fs.find-delete"),
    ("find src -name '*.py' -delete", CONFIRM, "fs.find-delete"),
    ("find . -delete -name '*.pyc'", CONFIRM, "fs.find-delete"),
    ("find . -name '*.pyc' -o -name '*.py' -delete", CONFIRM, "fs.find-delete"),
    ("find . -not -name '*.pyc' -delete", CONFIRM, "fs.find-delete"),
    ("find . -name '*.pyc' , -delete", CONFIRM, "fs.find-delete"),
    ("find . ( -name '*.pyc' -delete", CONFIRM, "fs.find-delete"),
    ("find $DIR -name '*.pyc' -delete", CONFIRM, "fs.find-delete"),
    ("find /var/log -name '*.log' -delete", CONFIRM, "fs.find-delete-outside-project"),
    ("find / -name '*.pyc' -delete", CONFIRM, "fs.find-delete-outside-project"),
    ("find / -delete", DENY, "fs.find-delete-catastrophic"),
    ("find ~ -type f -delete", DENY, "fs.find-delete-catastrophic"),
    ("find -L /usr -mtime +1 -delete", DENY, "fs.find-delete-catastrophic"),
    ("find . -name '*.pyc' -delete", ALLOW, None),
    ("find . -name __pycache__ -type d -delete", ALLOW, None),
    ("find . -type f -name '*.pyc' -delete", ALLOW, None),
    ("find . ( -name '*.pyc' -o -name '*.pyo' ) -delete", ALLOW, None),
    ("find . -name '*.pyc' -delete -o -name '*.pyo' -delete", ALLOW, None),
    ("find . -path '*/node_modules/*' -delete", ALLOW, None),
    ("find build -delete", ALLOW, None),
    ("find node_modules -name '*.md' -delete", ALLOW, None),
    ("find /tmp -name 'agent-*' -delete", ALLOW, None),
    ("find -P . -name '*.o' -delete", ALLOW, None),
    ("find . -name '*.py'", ALLOW, None),
    ("find . -name '*.py' -not -path './.venv/*'", ALLOW, None),
    ("find . -name deleted_users.sql", ALLOW, None),
]


@pytest.mark.parametrize(("line", "decision", "rule"), FIND_DELETE_CASES)
def test_find_delete(line: str, decision: Decision, rule: str | None) -> None:
    got, rules = judge(line)
    assert got is decision
    assert rules == ({rule} if rule else set())


def test_find_path_filter_ignores_directories_above_the_project() -> None:
    ctx = Context(cwd="/srv/build/app", project_root="/srv/build/app", home="/home/dev")
    assert judge("find /srv/build/app -path '*/build/*' -delete", ctx)[0] is CONFIRM


def exec_rm(line: str) -> SimpleCommand:
    """What the engine hands over for `find … -exec rm … {} ;|+`."""
    words = shlex.split(line)
    wrappers = (("sudo",),) if words[0] == "sudo" else ()
    find_words = words[len(wrappers) :]
    start = next(i for i, w in enumerate(find_words) if w in {"-exec", "-execdir", "-ok"})
    inner = find_words[start + 1 : -1]
    return SimpleCommand(
        argv=tuple(inner),
        text=line,
        dynamic=frozenset(i for i, w in enumerate(inner) if w == "{}"),
        via=(*wrappers, tuple(find_words)),
        extra_args_unknown=words[-1] == "+",
    )


FIND_EXEC_CASES = [
    ("find . -name '__pycache__' -type d -exec rm -rf {} +", ALLOW, None),
    ("find . -name '*.pyc' -exec rm -f {} ;", ALLOW, None),
    ("find . -name node_modules -prune -exec rm -rf {} +", ALLOW, None),
    ("find /tmp -name '*.log' -execdir rm {} ;", ALLOW, None),
    ("find data -type f -exec rm {} ;", CONFIRM, "fs.find-delete"),
    ("find . -type f -exec rm {} + -name '*.pyc'", CONFIRM, "fs.find-delete"),
    ("find . -name '*.sql' -ok rm {} ;", CONFIRM, "fs.find-delete"),
    ("find /srv -name '*.pyc' -exec rm {} +", CONFIRM, "fs.find-delete-outside-project"),
    ("sudo find / -exec rm -rf {} +", DENY, "fs.find-delete-catastrophic"),
    ("find . -name '*.pyc' -exec rm -rf {} /etc ;", DENY, "fs.rm-system-dir"),
]


@pytest.mark.parametrize(("line", "decision", "rule"), FIND_EXEC_CASES)
def test_find_exec_rm(line: str, decision: Decision, rule: str | None) -> None:
    findings = fs.classify(exec_rm(line), CTX)
    assert decision_of(findings) is decision
    assert {f.rule for f in findings} == ({rule} if rule else set())


def test_find_exec_message_names_start_and_filter() -> None:
    (found,) = fs.classify(exec_rm("find data -name '*.csv' -exec rm {} ;"), CTX)
    assert found.message == "find -exec rm would delete files matching *.csv under data"


def xargs_rm(line: str, *, producer: str | None) -> SimpleCommand:
    words = shlex.split(line)
    start = words.index("rm")
    return SimpleCommand(
        argv=tuple(words[start:]),
        text=line,
        via=(tuple(words[:start]),),
        extra_args_unknown=True,
        stdin=Stdin("pipe", None, producer) if producer else Stdin("inherit"),
    )


XARGS_CASES = [
    ("xargs rm", "git ls-files", CONFIRM, "fs.rm-unknown-targets"),
    ("xargs -n1 rm -rf", "ls", CONFIRM, "fs.rm-unknown-targets"),
    ("xargs -a dirs.txt rm -rf", None, CONFIRM, "fs.rm-unknown-targets"),
    ("xargs rm", "find . -name '*.py'", CONFIRM, "fs.find-delete"),
    ("xargs rm", "find . -name '*.pyc' -o -print", CONFIRM, "fs.find-delete"),
    ("xargs rm", "find $D -name '*.pyc'", CONFIRM, "fs.rm-unknown-targets"),
    ("xargs rm", "find . -name '*.pyc' ; rm -rf src", CONFIRM, "fs.rm-unknown-targets"),
    ("xargs -0 rm -f", "find . -name '*.pyc' -print0", ALLOW, None),
    ("xargs rm -rf", "find . -type d -name __pycache__", ALLOW, None),
    ("xargs -I{} rm -rf {}", "find . -name node_modules -prune", ALLOW, None),
]


@pytest.mark.parametrize(("line", "producer", "decision", "rule"), XARGS_CASES)
def test_xargs_rm(line: str, producer: str | None, decision: Decision, rule: str | None) -> None:
    findings = fs.classify(xargs_rm(line, producer=producer), CTX)
    assert decision_of(findings) is decision
    assert {f.rule for f in findings} == ({rule} if rule else set())


def test_xargs_still_judges_static_targets() -> None:
    command = xargs_rm("xargs rm -rf /usr", producer="find . -name '*.pyc'")
    assert {f.rule for f in fs.classify(command, CTX)} == {"fs.rm-system-dir"}


# --------------------------------------------------------------------------- overwriting, disks


OVERWRITE_CASES = [
    ("shred -u secrets.db", CONFIRM, "fs.shred"),
    ("shred -n 3 -z notes.txt", CONFIRM, "fs.shred"),
    ("srm -r old/", CONFIRM, "fs.shred"),
    ("shred /dev/sda", DENY, "fs.shred-block-device"),
    ("shred -n 3 /tmp/key", ALLOW, None),
    ("truncate -s 0 db.sqlite3", CONFIRM, "fs.truncate"),
    ("truncate --size=0 logs/app.log", CONFIRM, "fs.truncate"),
    ("truncate -s 0 $LOG", CONFIRM, "fs.truncate"),
    ("truncate -s 0 /tmp/out.log", ALLOW, None),
    ("dd if=/dev/zero of=disk.img bs=1M count=10", CONFIRM, "fs.dd-overwrite"),
    ("dd if=backup.img of=/var/lib/db.img", CONFIRM, "fs.dd-overwrite"),
    ("dd if=x of=$TARGET", CONFIRM, "fs.dd-overwrite"),
    ("dd if=/dev/zero of=/dev/sda bs=1M", DENY, "fs.dd-overwrite-block-device"),
    ("dd if=image.iso of=/dev/disk/by-id/usb-stick", DENY, "fs.dd-overwrite-block-device"),
    ("dd if=/dev/urandom of=/dev/mapper/vg-root", DENY, "fs.dd-overwrite-block-device"),
    ("dd if=/dev/zero of=/dev/null bs=1M count=100", ALLOW, None),
    ("dd if=/dev/sda of=/tmp/mbr.bin bs=512 count=1", ALLOW, None),
    ("dd if=input.bin bs=1 skip=4", ALLOW, None),
    ("cp /dev/null important.log", CONFIRM, "fs.cp-truncate"),
    ("cp /dev/null /tmp/x", ALLOW, None),
    ("cp -r assets build/", ALLOW, None),
    ("cp a.txt b.txt", ALLOW, None),
    ("mkfs.ext4 /dev/nvme0n1p2", DENY, "fs.disk-format"),
    ("mkfs -t ext4 /dev/sdb1", DENY, "fs.disk-format"),
    ("mkfs.vfat -F 32 /dev/mmcblk0p1", DENY, "fs.disk-format"),
    ("mke2fs -L data /dev/xvdf", DENY, "fs.disk-format"),
    ("mkswap /dev/vdb2", DENY, "fs.disk-format"),
    ("wipefs -a /dev/sda", DENY, "fs.disk-format"),
    ("wipefs --all /dev/md0", DENY, "fs.disk-format"),
    ("fdisk /dev/sda", DENY, "fs.disk-format"),
    ("sfdisk /dev/sda", DENY, "fs.disk-format"),
    ("sgdisk --zap-all /dev/nvme0n1", DENY, "fs.disk-format"),
    ("parted -s /dev/sda mklabel gpt", DENY, "fs.disk-format"),
    ("cfdisk /dev/sda", DENY, "fs.disk-format"),
    ("blkdiscard /dev/nvme0n1", DENY, "fs.disk-format"),
    ("mkfs.ext4 disk.img", CONFIRM, "fs.disk-format-file"),
    ("mkswap /swapfile", CONFIRM, "fs.disk-format-file"),
    ("mkfs.ext4 $DEV", CONFIRM, "fs.disk-format-file"),
    ("wipefs /dev/sda", ALLOW, None),
    ("wipefs -n -a /dev/sda", ALLOW, None),
    ("fdisk -l", ALLOW, None),
    ("fdisk -l /dev/sda", ALLOW, None),
    ("sfdisk --dump /dev/sda", ALLOW, None),
    ("sgdisk -p /dev/sda", ALLOW, None),
    ("parted /dev/sda print", ALLOW, None),
    ("parted -l", ALLOW, None),
    ("mkfs.ext4 -V", ALLOW, None),
]


@pytest.mark.parametrize(("line", "decision", "rule"), OVERWRITE_CASES)
def test_overwrite_and_disks(line: str, decision: Decision, rule: str | None) -> None:
    got, rules = judge(line)
    assert got is decision
    assert rules == ({rule} if rule else set())


def test_disk_message_names_the_device() -> None:
    (found,) = fs.classify(cmd("mkfs.ext4 /dev/nvme0n1p2"), CTX)
    assert found.target == "/dev/nvme0n1p2"
    assert "/dev/nvme0n1p2" in found.message


# --------------------------------------------------------------------------- mv, chmod, rsync


MOVE_AND_MODE_CASES = [
    ("mv a.txt b.txt", ALLOW, None),
    ("mv src/old.py src/new.py", ALLOW, None),
    ("mv /tmp/generated.py src/", ALLOW, None),
    ("mv -t src a.py b.py", ALLOW, None),
    ("mv dist /tmp/old-dist", ALLOW, None),
    ("mv /etc/hosts hosts", CONFIRM, "fs.mv-outside-project"),
    ("mv notes.txt /dev/null", CONFIRM, "fs.mv-outside-project"),
    ("mv -t /opt a b", CONFIRM, "fs.mv-outside-project"),
    ("mv data /tmp/", CONFIRM, "fs.mv-out-of-project"),
    ('mv "$f" archive/', CONFIRM, "fs.mv-dynamic"),
    ("mv .git .git-old", CONFIRM, "fs.mv-git-metadata"),
    ("mv /etc /tmp/etc-old", DENY, "fs.mv-system"),
    ("mv ~ /tmp/home", DENY, "fs.mv-system"),
    ("chmod +x scripts/run.sh", ALLOW, None),
    ("chmod -x scripts/run.sh", ALLOW, None),
    ("chmod -R 755 src", ALLOW, None),
    ("chmod -R 000 src", ALLOW, None),
    ("chown -R dev:dev /home/dev/app", ALLOW, None),
    ("chmod 600 /home/dev/.ssh/id_ed25519", ALLOW, None),
    ("chmod -R u+w /tmp/work", ALLOW, None),
    ("chmod -R 777 /var/www", CONFIRM, "fs.chmod-outside-project"),
    ("chown -R www-data /srv/site", CONFIRM, "fs.chmod-outside-project"),
    ("chgrp --recursive staff /opt/shared", CONFIRM, "fs.chmod-outside-project"),
    ("chmod 777 /", CONFIRM, "fs.chmod-system"),
    ("chmod 000 /etc", CONFIRM, "fs.chmod-system"),
    ("chmod -R $MODE src", CONFIRM, "fs.chmod-dynamic"),
    ("chmod -R 777 /", DENY, "fs.chmod-system"),
    ("chown -R nobody /usr", DENY, "fs.chmod-system"),
    ("chmod -R 700 ~", DENY, "fs.chmod-system"),
    ("chmod -Rv 777 /etc", DENY, "fs.chmod-system"),
    ("rsync -av --delete src/ /backup/app/", CONFIRM, "fs.rsync-delete"),
    ("rsync -a --del src/ deploy@web:/srv/app", CONFIRM, "fs.rsync-delete"),
    ("rsync -a --remove-source-files data/ /mnt/archive/", CONFIRM, "fs.rsync-remove-source"),
    ("rsync -a --delete empty/ /home/dev/", DENY, "fs.rsync-delete"),
    ("rsync -av --delete src/ build/", ALLOW, None),
    ("rsync -av --delete --exclude .git src/ /tmp/copy/", ALLOW, None),
    ("rsync -avn --delete src/ /backup/", ALLOW, None),
    ("rsync -av src/ deploy@web:/srv/app", ALLOW, None),
]


@pytest.mark.parametrize(("line", "decision", "rule"), MOVE_AND_MODE_CASES)
def test_move_and_permissions(line: str, decision: Decision, rule: str | None) -> None:
    got, rules = judge(line)
    assert got is decision
    assert rules == ({rule} if rule else set())


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("word", "expanded"),
    [
        ("{dist,build}", ["dist", "build"]),
        ("pkg/{a,b}/{x,y}", ["pkg/a/x", "pkg/a/y", "pkg/b/x", "pkg/b/y"]),
        ("{}", ["{}"]),
        ("file{1..3}", ["file{1..3}"]),
        ("plain", ["plain"]),
    ],
)
def test_expand_braces(word: str, expanded: list[str]) -> None:
    assert fs.expand_braces(word) == expanded


def test_programs_cover_every_classifier() -> None:
    assert {"rm", "unlink", "find", "shred", "truncate", "dd", "mkfs.ext4", "chmod"} <= fs.PROGRAMS
    assert "rmdir" not in fs.PROGRAMS
    assert fs.classify(cmd("rm -rf src").__class__.of("ls", "-la"), CTX) == []
