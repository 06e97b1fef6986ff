"""Secrets that a git repository holds where masking files cannot reach them.

- Tracked hidden files: agentsh masks `.env` in the work tree, but once it is
  committed, `git show HEAD:.env` reads it from the object store, which no
  mount can hide. The supervisor warns when a hidden file is tracked. The
  paths come from reading `.git/index` directly (versions 2 to 4), never from
  running git: a `git` found on the agent's PATH, or a repository config that
  runs programs, must not run outside the sandbox.
- Credentials in `.git/config` (a token in a remote's URL, an `extraheader`
  that CI checkouts leave behind): the sandbox gets a copy with them redacted.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

ENTRY_FIXED = 40
"""ctime, mtime (seconds and nanoseconds), dev, ino, mode, uid, gid, size: ten 32-bit fields."""
MODE_AT = 24
"""Offset of an entry's mode, after ctime, mtime, dev and ino."""
GITLINK = 0o160000
"""The mode of a gitlink: a nested repository (a submodule) recorded by its commit."""
EXTENDED = 0x4000


class IndexError_(ValueError):
    pass


def git_dir(project_root: str) -> str | None:
    """The repository's git directory (a `.git` directory, or the one a `.git` file names)."""
    dot_git = os.path.join(project_root, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as handle:
            line = handle.readline().strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    target = line[len("gitdir:") :].strip()
    return os.path.normpath(os.path.join(project_root, target))


def hash_size_of(directory: str) -> int:
    try:
        with open(os.path.join(directory, "config"), encoding="utf-8", errors="replace") as handle:
            text = handle.read().lower()
    except OSError:
        return 20
    compact = text.replace(" ", "").replace("\t", "")
    return 32 if "objectformat=sha256" in compact else 20


def index_paths(data: bytes, hash_size: int = 20) -> list[str]:
    """Every path in a git index file's bytes (raises IndexError_ when it is not one)."""
    return [path for path, _ in index_entries(data, hash_size)]


def index_entries(data: bytes, hash_size: int = 20) -> list[tuple[str, int]]:
    """Every (path, mode) in a git index file's bytes (raises IndexError_ when it is not one)."""
    if len(data) < 12 or data[:4] != b"DIRC":
        raise IndexError_("not a git index")
    version = int.from_bytes(data[4:8], "big")
    count = int.from_bytes(data[8:12], "big")
    if version not in (2, 3, 4):
        raise IndexError_(f"unsupported index version {version}")
    entries: list[tuple[str, int]] = []
    offset = 12
    previous = b""
    for _ in range(count):
        start = offset
        flags_at = start + ENTRY_FIXED + hash_size
        if flags_at + 2 > len(data):
            raise IndexError_("truncated index")
        mode = int.from_bytes(data[start + MODE_AT : start + MODE_AT + 4], "big")
        flags = int.from_bytes(data[flags_at : flags_at + 2], "big")
        offset = flags_at + 2
        if version >= 3 and flags & EXTENDED:
            offset += 2
        if version == 4:
            strip, offset = _varint(data, offset)
            end = data.index(b"\0", offset)
            name = previous[: len(previous) - strip] + data[offset:end]
            offset = end + 1
        else:
            end = data.index(b"\0", offset)
            name = data[offset:end]
            length = end - start + 1
            offset = start + ((length + 7) // 8) * 8
        previous = name
        entries.append((name.decode("utf-8", "surrogateescape"), mode))
    return entries


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """git's offset varint (each continuation adds one before shifting)."""
    if offset >= len(data):
        raise IndexError_("truncated index")
    byte = data[offset]
    offset += 1
    value = byte & 0x7F
    while byte & 0x80:
        if offset >= len(data):
            raise IndexError_("truncated index")
        byte = data[offset]
        offset += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, offset


def tracked_among(paths: Iterable[str], hidden: Iterable[tuple[str, bool]]) -> list[str]:
    """Which hidden project paths (relative, with is_dir) the index tracks, or tracks files under."""
    files = set()
    folders = []
    for path, is_dir in hidden:
        if is_dir:
            folders.append(path.rstrip("/") + "/")
        else:
            files.add(path)
    found = []
    for path in paths:
        if path in files or any(path.startswith(folder) for folder in folders):
            found.append(path)
    return found


def tracked_secrets(
    project_root: str, hidden: list[tuple[str, bool]], cache_dir: str
) -> tuple[list[str], bool]:
    """Hidden project paths git tracks, and whether that was worked out afresh (not cached).

    The answer is cached by the index file's identity, so a command pays one
    stat unless the index changed since the last command.
    """
    if not hidden:
        return [], False
    directory = git_dir(project_root)
    if directory is None:
        return [], False
    index = os.path.join(directory, "index")
    try:
        st = os.stat(index)
    except OSError:
        return [], False
    import marshal

    from agentsh.paths import cache_name, save_cache

    key = f"{index}\0{st.st_mtime_ns}\0{st.st_size}\0{st.st_ino}\0" + "\0".join(
        f"{path}:{int(is_dir)}" for path, is_dir in sorted(hidden)
    )
    cache_file = os.path.join(cache_dir, cache_name("gitindex", key))
    try:
        with open(cache_file, "rb") as handle:
            cached = marshal.load(handle)
        if isinstance(cached, dict) and cached.get("key") == key:
            return list(cached["found"]), False
    except (OSError, EOFError, ValueError, TypeError):
        pass
    try:
        with open(index, "rb") as handle:
            data = handle.read()
        found = tracked_among(index_paths(data, hash_size_of(directory)), hidden)
    except (OSError, IndexError_, ValueError):
        return [], False
    save_cache(cache_file, marshal.dumps({"key": key, "found": found}))
    return found, True


_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<userinfo>[^/\s@]+)@")
_HEADER = re.compile(r"(?im)^(?P<key>\s*extraheader\s*=\s*)(?P<value>.+)$")
_INLINE_HELPER = re.compile(r"(?im)^(?P<key>\s*helper\s*=\s*)(?P<value>\"?!.+)$")
REDACTED = "agentsh-redacted"


def redacted_config(text: str) -> str | None:
    """`text` with credentials removed, or None when it holds none.

    Any user info in an http(s) URL is redacted (tokens often stand in for the
    user name); elsewhere only `user:password`. So are `extraheader` values and
    inline credential helpers (`helper = !echo password=...`).
    """

    def userinfo(match: re.Match[str]) -> str:
        scheme, info = match["scheme"], match["userinfo"]
        if scheme.lower() in ("http", "https", "ftp", "ftps") or ":" in info:
            return f"{scheme}://{REDACTED}@"
        return match.group(0)

    redacted = _URL_USERINFO.sub(userinfo, text)
    redacted = _HEADER.sub(lambda m: f"{m['key']}{REDACTED}", redacted)
    redacted = _INLINE_HELPER.sub(lambda m: f"{m['key']}{REDACTED}", redacted)
    return None if redacted == text else redacted


def config_files(project_root: str, home: str) -> list[str]:
    """The git config files a command could read: the repository's, its submodules', the user's."""
    import glob

    found = [os.path.join(home, ".gitconfig"), os.path.join(home, ".config", "git", "config")]
    directory = git_dir(project_root)
    if directory is not None:
        found.append(os.path.join(directory, "config"))
        found += glob.glob(os.path.join(directory, "modules", "*", "config"))
        found += glob.glob(os.path.join(directory, "modules", "*", "modules", "*", "config"))
    return [path for path in found if os.path.isfile(path)]


_SECTION = re.compile(r'\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\\n]|\\.)*)")?\s*\]')
_SETTING = re.compile(r"([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$", re.DOTALL)


def program_settings(text: str) -> list[str]:
    """The settings of a git config file that make git run a program, as `key = value`.

    Read the way git reads it closely enough to find them: sections with or
    without a subsection, a setting on its section's line, values continued
    with a backslash, quotes and comments. A line that does not parse counts
    as such a setting, so a file shaped to confuse this reader is not trusted.
    """
    from agentsh.policy.git import config_runs_program

    found = []
    section: str | None = None
    for number, line in _logical_lines(text):
        rest = line.strip()
        if rest.startswith("["):
            header = _SECTION.match(rest)
            if header is None:
                found.append(f"line {number}: {rest[:60]}")
                section = None
                continue
            name, subsection = header.group(1), header.group(2)
            section = name.lower() if subsection is None else f"{name.lower()}.{subsection}"
            rest = rest[header.end() :].strip()
        if not rest or rest[0] in "#;":
            continue
        setting = _SETTING.match(rest)
        if setting is None or section is None:
            found.append(f"line {number}: {rest[:60]}")
            continue
        key = f"{section}.{setting.group(1)}"
        value = _config_value(setting.group(2) or "")
        if config_runs_program(key, value):
            found.append(f"{key} = {value}")
    return found


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with backslash-newline continuations joined, numbered by their first line."""
    result = []
    pending: list[str] = []
    start = 1
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not pending:
            start = number
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:
            pending.append(line[:-1])
            continue
        result.append((start, "".join([*pending, line])))
        pending = []
    if pending:
        result.append((start, "".join(pending)))
    return result


def _config_value(raw: str) -> str:
    """A value as git reads it: quotes removed, escapes applied, comments dropped."""
    out = []
    quoted = False
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == '"':
            quoted = not quoted
        elif char == "\\" and index + 1 < len(raw):
            index += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[index], raw[index]))
        elif char in "#;" and not quoted:
            break
        else:
            out.append(char)
        index += 1
    return "".join(out).strip()
