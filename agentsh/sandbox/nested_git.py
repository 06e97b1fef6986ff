"""Repositories inside the project whose config and hooks the host's git obeys.

The project's own `.git/config` and hooks are read-only in the sandbox; the
repositories nested in it are not. The host's git enters some of them on its
own: a `git status` in the project checks every gitlink of the index (a
submodule, or any repository someone `git add`ed) by running git inside it,
and that git obeys the nested repository's config — `core.fsmonitor`, a
pager, an alias, a diff or filter driver — outside any sandbox. Submodules
keep their git directories under `.git/modules`, linked worktrees theirs
under `.git/worktrees`.

So the supervisor takes a `snapshot` of those git directories' config files
and hooks before a command, and after it `planted` lists the ones the
command created or changed that would run a program: they are moved aside.
A repository the index does not link is not entered by the host's git (it
shows as one untracked directory), so it is left alone.

For a project without nested repositories this costs a few stat() calls and
one small cache read; the index is parsed once per change of it.
"""

from __future__ import annotations

import marshal
import os

from agentsh.paths import cache_name, save_cache
from agentsh.records import record
from agentsh.sandbox.gitrepo import (
    GITLINK,
    IndexError_,
    git_dir,
    hash_size_of,
    index_entries,
    program_settings,
)

FileIdentity = tuple[int, int, int, int]
"""(st_ino, st_size, st_mtime_ns, st_ctime_ns) of a file as lstat() sees it."""
CONFIG_NAMES = ("config", "config.worktree")
HOOK_SAMPLE = ".sample"
CONFIG_READ_LIMIT = 1 << 20
"""A config file larger than this is not read: one made so large counts as planted."""
MAX_DEPTH = 4
"""How deep gitlinks inside gitlinks, and submodules' own modules, are followed."""
_GITLINK_BYTES = GITLINK.to_bytes(4, "big")
_known_gitlinks: dict[str, tuple[str, list[str]]] = {}
"""index path -> (identity key, gitlinks) already read by this process: the check after a
command reads no cache file again when the command left the index alone."""


@record
class Snapshot:
    """The config files and hooks of the nested git directories, as they were."""

    project_root: str
    cache_dir: str
    files: dict[str, FileIdentity]
    contents: dict[str, bytes]
    """The config files' bytes, to put back when a command plants something in one."""
    had_repository: bool
    """Whether the project had its own git directory; one the command makes (`git init`)
    is not protected by read-only mounts, so it is checked like a nested one."""


@record
class Planted:
    path: str
    reason: str
    original: bytes | None
    """What the file held before the command, when it existed (a config file)."""


def snapshot(project_root: str, cache_dir: str) -> Snapshot:
    had_repository = git_dir(project_root) is not None
    files = _watched_files(project_root, cache_dir, not had_repository)
    contents = {}
    for path in files:
        if os.path.basename(path) in CONFIG_NAMES:
            try:
                with open(path, "rb") as handle:
                    data = handle.read(CONFIG_READ_LIMIT + 1)
            except OSError:
                continue
            if len(data) <= CONFIG_READ_LIMIT:
                contents[path] = data
    return Snapshot(project_root, cache_dir, files, contents, had_repository)


def planted(before: Snapshot) -> list[Planted]:
    """Config files and hooks of nested git directories that the command created or
    changed and that make the host's git run a program."""
    found = []
    now = _watched_files(before.project_root, before.cache_dir, not before.had_repository)
    for path, identity in sorted(now.items()):
        if before.files.get(path) == identity:
            continue
        if os.path.basename(path) in CONFIG_NAMES:
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                    text = handle.read(CONFIG_READ_LIMIT + 1)
            except OSError:
                continue
            too_large = len(text) > CONFIG_READ_LIMIT
            settings = ["larger than agentsh reads"] if too_large else program_settings(text)
            if settings:
                found.append(Planted(path, "; ".join(settings), before.contents.get(path)))
        else:
            found.append(Planted(path, "a hook", None))
    return found


def _watched_files(project_root: str, cache_dir: str, with_main: bool) -> dict[str, FileIdentity]:
    """Every config file and hook of the git directories the host's git would enter
    (`with_main`: the project's own too)."""
    main = git_dir(project_root)
    if main is None:
        return {}
    folders: list[str] = [main] if with_main else []
    for link in _gitlinks(main, cache_dir):
        _linked_git_dirs(os.path.join(project_root, link), cache_dir, 1, folders)
    for kind in ("modules", "worktrees"):
        _git_dirs_under(os.path.join(main, kind), 1, folders)
    if not folders:
        return {}
    writable = (os.path.realpath(project_root), os.path.realpath(main))
    protected = "" if with_main else os.path.realpath(main)
    files: dict[str, FileIdentity] = {}
    for folder in dict.fromkeys(folders):
        if not _inside(os.path.realpath(folder), writable):
            continue
        for name in CONFIG_NAMES:
            _add_identity(os.path.join(folder, name), files)
        common = _common_dir(folder)
        real_common = os.path.realpath(common)
        if real_common == protected or not _inside(real_common, writable):
            continue
        _add_identity(os.path.join(common, "config"), files)
        hooks = os.path.join(common, "hooks")
        try:
            names = [name for name in os.listdir(hooks) if not name.endswith(HOOK_SAMPLE)]
        except OSError:
            continue
        for name in names:
            _add_identity(os.path.join(hooks, name), files)
    return files


def _inside(path: str, tops: tuple[str, ...]) -> bool:
    """Only git directories in the project (or its own git directory) can be changed by a
    command; one a crafted gitlink or `.git` file points to elsewhere is not touched."""
    return any(path == top or path.startswith(top.rstrip("/") + "/") for top in tops)


def _add_identity(path: str, files: dict[str, FileIdentity]) -> None:
    try:
        st = os.lstat(path)
    except OSError:
        return
    files[path] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _linked_git_dirs(work_tree: str, cache_dir: str, depth: int, folders: list[str]) -> None:
    """The git directory of the repository at a gitlink, and of the gitlinks in its index."""
    folder = git_dir(work_tree)
    if folder is None or depth > MAX_DEPTH:
        return
    folders.append(folder)
    for link in _gitlinks(folder, cache_dir):
        _linked_git_dirs(os.path.join(work_tree, link), cache_dir, depth + 1, folders)


def _git_dirs_under(top: str, depth: int, folders: list[str]) -> None:
    """Git directories below `top` (`.git/modules/<name>`, names may hold '/')."""
    if depth > MAX_DEPTH * 2:
        return
    try:
        entries = [entry for entry in os.scandir(top) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for entry in entries:
        if os.path.isfile(os.path.join(entry.path, "HEAD")):
            folders.append(entry.path)
            _git_dirs_under(os.path.join(entry.path, "modules"), depth + 1, folders)
        else:
            _git_dirs_under(entry.path, depth + 1, folders)


def _common_dir(folder: str) -> str:
    """Where a git directory's shared config and hooks are (`commondir` names it)."""
    try:
        with open(os.path.join(folder, "commondir"), encoding="utf-8") as handle:
            named = handle.readline().strip()
    except OSError:
        return folder
    return os.path.normpath(os.path.join(folder, named)) if named else folder


def _gitlinks(folder: str, cache_dir: str) -> list[str]:
    """The gitlink paths in a git directory's index, cached by the index's identity."""
    index = os.path.join(folder, "index")
    try:
        st = os.stat(index)
    except OSError:
        return []
    key = f"{index}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
    known = _known_gitlinks.get(index)
    if known is not None and known[0] == key:
        return known[1]
    cache_file = os.path.join(cache_dir, cache_name("gitlinks", index))
    try:
        with open(cache_file, "rb") as handle:
            cached = marshal.load(handle)
        if isinstance(cached, dict) and cached.get("key") == key:
            _known_gitlinks[index] = (key, list(cached["links"]))
            return _known_gitlinks[index][1]
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass
    links = _read_gitlinks(folder, index)
    _known_gitlinks[index] = (key, links)
    save_cache(cache_file, marshal.dumps({"key": key, "links": links}))
    return links


def _read_gitlinks(folder: str, index: str) -> list[str]:
    """Gitlinks in the index and, for a split index (`git update-index --split-index`),
    in the shared index files that hold the rest of its entries."""
    import glob

    hash_size = hash_size_of(folder)
    links: set[str] = set()
    files = [index]
    for path in files:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            if path == index and b"link" in data:
                files += glob.glob(os.path.join(glob.escape(folder), "sharedindex.*"))
            if _GITLINK_BYTES in data:
                links.update(p for p, mode in index_entries(data, hash_size) if mode == GITLINK)
        except (OSError, IndexError_, ValueError):
            continue
    return sorted(links)
