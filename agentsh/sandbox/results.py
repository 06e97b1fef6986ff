"""Files an agent's shell wrapper writes for the agent to read afterwards, outside.

Claude Code ends every command with `pwd -P >| /tmp/claude-XXXX-cwd` and
reads that file to learn the new working directory; Gemini CLI writes the
background pids to `shell_pgrep_XXXX.tmp`. Both live in the host's temporary
directory, which the sandbox replaces with a private one, so they would be
written where the agent never looks. For such names, and only when the
command line names them, the host file is created (ours, regular, not a
symlink) and bound writable at the same path inside the sandbox: that one
file, nothing else of the host's /tmp.
"""

from __future__ import annotations

import os
import stat

from agentsh.policy import lazyre

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

PROCESS_LIST_NAME = lazyre.compile(r"shell_pgrep_[0-9a-f]{4,64}\.tmp\Z")
"""Gemini CLI's list of the command's background pids (`pgrep -g 0`)."""
RESULT_FILE_NAME = lazyre.compile(
    r"(?:claude-[0-9a-f]{4,64}-cwd|shell_pgrep_[0-9a-f]{4,64}\.tmp)\Z"
)
_CANDIDATE = lazyre.compile(r"/[^\s'\"`;|&<>()$]*")


def host_temp_dirs(environ: Mapping[str, str]) -> tuple[str, ...]:
    folders = {"/tmp"}
    value = environ.get("TMPDIR", "")
    if os.path.isabs(value):
        folders.add(os.path.normpath(value))
    return tuple(sorted(folders))


def result_files(command: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The result files `command` names in a host temporary directory, made ready to bind."""
    if "claude-" not in command and "shell_pgrep_" not in command:
        return ()
    folders = host_temp_dirs(environ)
    found: list[str] = []
    for match in _CANDIDATE.finditer(command):
        path = os.path.normpath(match.group())
        folder, name = os.path.split(path)
        wanted = folder in folders and RESULT_FILE_NAME.match(name) and path not in found
        if wanted and _prepared(path):
            found.append(path)
    return tuple(found)


def after_run(files: tuple[str, ...]) -> None:
    """Empty the process lists: the pids in them are the sandbox's own (1, 2, ...),
    meaningless outside, and none of those processes outlives the sandbox. An agent
    that later signalled "background pid 1" on the host would hit the wrong process."""
    for path in files:
        if PROCESS_LIST_NAME.match(os.path.basename(path)):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                continue
            os.close(fd)


def _prepared(path: str) -> bool:
    """Create the file if needed; refuse anything that is not our own regular file."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and info.st_nlink == 1
    finally:
        os.close(fd)
