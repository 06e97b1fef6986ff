"""Find the files and directories that must not exist inside the sandbox.

Two sources: fixed credential locations (mostly in the home directory) and
files anywhere in the project tree whose names say they hold secrets.

The project scan is incremental. The cache remembers every directory's
mtime; a directory whose mtime is unchanged has the same entries, so the warm
path is one stat() per directory. A directory modified shortly before it was
listed is not trusted (its mtime could be shared with a change made just
after the listing) and is listed again next time, so a newly created `.env`
is never missed.
"""

from __future__ import annotations

import marshal
import os
import time

from agentsh.paths import cache_name, ensure_private_dir, expand_home
from agentsh.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Sequence
    from typing import Any

_CACHE_VERSION = 1
_RACY_NS = 1_000_000_000
"""Directories modified this recently before a listing are listed again next time."""


@record
class Hidden:
    path: str
    is_dir: bool
    emptied: bool = False
    """A folder full of other projects, emptied whole: a read-only tmpfs that shows only
    `keep` again. bwrap re-reads the mount table for every read-only bind (0.2 to 0.5
    ms each, more as mounts add up), so when a folder holds more projects to hide than
    entries to keep, this is cheaper than hiding each project."""
    keep: tuple[tuple[str, str], ...] = ()
    """(path, symlink target or "") of the entries an emptied folder shows again."""

    def hides(self, path: str) -> bool:
        """Whether a command in the sandbox cannot see `path` because of this mask."""
        if path == self.path:
            return not self.emptied
        if not (self.is_dir and path.startswith(self.path.rstrip("/") + "/")):
            return False
        return not any(
            path == kept or (not target and path.startswith(kept + "/"))
            for kept, target in self.keep
        )


def _component_regex(part: str) -> str:
    import re

    out = []
    i = 0
    while i < len(part):
        char = part[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = part.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = part[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def glob_regex(pattern: str) -> str:
    """A glob over '/'-separated paths: `*` and `?` stay in one component, `**` spans several."""
    parts = pattern.strip("/").split("/")
    out = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
        else:
            out.append(_component_regex(part) + ("" if last else "/"))
    return "".join(out)


_GLOB_CHARS = frozenset("*?[")


class NameMatcher:
    """Matches entries against glob patterns, with plain string tests for the common shapes.

    Exact names, `*suffix`, `prefix*` and `*middle*` never touch the regex
    engine; only unusual patterns, and patterns with a '/' (matched against the
    path from the project root), are compiled.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        exact: set[str] = set()
        suffixes: list[str] = []
        prefixes: list[str] = []
        middles: list[str] = []
        name_regexes: list[str] = []
        path_regexes: list[str] = []
        for pattern in patterns:
            body = pattern.rstrip("/")
            if "/" in body:
                path_regexes.append(glob_regex(body))
                continue
            inner = body.strip("*")
            simple = not (_GLOB_CHARS & set(inner))
            if simple and body == inner:
                exact.add(body)
            elif simple and body == "*" + inner and inner:
                suffixes.append(inner)
            elif simple and body == inner + "*" and inner:
                prefixes.append(inner)
            elif simple and body == f"*{inner}*" and inner:
                middles.append(inner)
            else:
                name_regexes.append(_component_regex(body))
        self.exact = frozenset(exact)
        self.suffixes = tuple(suffixes)
        self.prefixes = tuple(prefixes)
        self.middles = tuple(middles)
        self.name_regex: re.Pattern[str] | None = None
        self.path_regex: re.Pattern[str] | None = None
        if name_regexes or path_regexes:
            import re

            self.name_regex = re.compile("|".join(name_regexes)) if name_regexes else None
            self.path_regex = re.compile("|".join(path_regexes)) if path_regexes else None

    def matches(self, name: str, relpath: str) -> bool:
        if (
            name in self.exact
            or (self.suffixes and name.endswith(self.suffixes))
            or (self.prefixes and name.startswith(self.prefixes))
            or any(middle in name for middle in self.middles)
        ):
            return True
        if self.name_regex is not None and self.name_regex.fullmatch(name):
            return True
        return self.path_regex is not None and self.path_regex.fullmatch(relpath) is not None


class SecretMatcher:
    """`hide` minus `reveal`, separately for files and for directories (trailing '/').

    The patterns are compiled on first use: a warm run that finds nothing
    changed never needs them.
    """

    def __init__(self, hide: Sequence[str], reveal: Sequence[str]) -> None:
        self.hide = tuple(hide)
        self.reveal_patterns = tuple(p for p in reveal if not p.startswith(("/", "~")))
        self.key = "\0".join(["H", *hide, "R", *reveal])
        self._compiled: tuple[NameMatcher, NameMatcher, NameMatcher] | None = None

    @property
    def _matchers(self) -> tuple[NameMatcher, NameMatcher, NameMatcher]:
        if self._compiled is None:
            self._compiled = (
                NameMatcher(p for p in self.hide if not p.endswith("/")),
                NameMatcher(p for p in self.hide if p.endswith("/")),
                NameMatcher(self.reveal_patterns),
            )
        return self._compiled

    def hides_file(self, name: str, relpath: str) -> bool:
        files, _, reveal = self._matchers
        return files.matches(name, relpath) and not reveal.matches(name, relpath)

    def hides_dir(self, name: str, relpath: str) -> bool:
        _, dirs, reveal = self._matchers
        return dirs.matches(name, relpath) and not reveal.matches(name, relpath)


def fixed_locations(paths: Sequence[str], reveal: Sequence[str], home: str) -> list[Hidden]:
    """The credential locations from the profile that exist on this machine."""
    revealed = {expand_home(p, home).rstrip("/") for p in reveal if p.startswith(("/", "~"))}
    found = []
    for raw in paths:
        path = expand_home(raw, home)
        if path in revealed:
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        found.append(Hidden(path, _is_dir(st.st_mode)))
    return found


def _is_dir(mode: int) -> bool:
    return (mode & 0o170000) == 0o040000


def scan_key(matcher: SecretMatcher, skip_dirs: Sequence[str]) -> str:
    """Identifies what a scan looks for, so a cache or watcher for other settings is not used."""
    return f"{matcher.key}\0S\0{'/'.join(sorted(skip_dirs))}"


class ProjectScan:
    """The secret files of one project tree, kept up to date through a cache file."""

    def __init__(
        self, root: str, matcher: SecretMatcher, skip_dirs: Sequence[str], cache_dir: str | None
    ) -> None:
        self.root = root
        self.matcher = matcher
        self.skip = frozenset(skip_dirs)
        self.key = scan_key(matcher, skip_dirs)
        self.cache_path = (
            os.path.join(cache_dir, cache_name("secrets", root)) if cache_dir else None
        )
        self.dirs: dict[str, list[Any]] = {}
        """dir -> [mtime_ns or -1, [subdir names], [[secret name, is_dir], ...]]"""
        self.scanned = 0
        """Directories listed during this run (0 on a fully warm run)."""

    def run(self) -> list[Hidden]:
        cached = self._load()
        if cached is None:
            self._scan_tree(self.root, time.time_ns())
            changed = True
        else:
            self.dirs, result = cached
            changed = self._refresh()
            if not changed:
                return [Hidden(path, is_dir) for path, is_dir in result]
        found = self._collect()
        if changed:
            self._save(found)
        return [Hidden(path, is_dir) for path, is_dir in found]

    def _refresh(self) -> bool:
        stat = os.stat
        stale = []
        for path, entry in self.dirs.items():
            try:
                mtime = stat(path).st_mtime_ns
            except OSError:
                mtime = -2
            if mtime != entry[0]:
                stale.append(path)
        if not stale:
            return False
        now = time.time_ns()
        for path in stale:
            if path in self.dirs:
                self._relist(path, now)
        return True

    def _relist(self, path: str, now: int) -> None:
        old_subdirs = set(self.dirs[path][1])
        if not self._list(path, now):
            self._drop(path)
            if self._unlistable(path):
                self._hide_unlistable(path)
            return
        new_subdirs = set(self.dirs[path][1])
        for name in old_subdirs - new_subdirs:
            self._drop(os.path.join(path, name))
        for name in new_subdirs - old_subdirs:
            self._scan_tree(os.path.join(path, name), now)

    def _drop(self, path: str) -> None:
        entry = self.dirs.pop(path, None)
        if entry:
            for name in entry[1]:
                self._drop(os.path.join(path, name))

    def _scan_tree(self, top: str, now: int) -> None:
        pending = [top]
        while pending:
            path = pending.pop()
            if self._list(path, now):
                pending.extend(os.path.join(path, name) for name in self.dirs[path][1])
            elif path != self.root and self._unlistable(path):
                self._hide_unlistable(path)

    @staticmethod
    def _unlistable(path: str) -> bool:
        return os.path.isdir(path) and not os.access(path, os.R_OK)

    def _hide_unlistable(self, path: str) -> None:
        """A directory agentsh cannot list might still hold a secret a command can open
        by name (search permission without read permission), so it is hidden whole."""
        parent, name = os.path.split(path)
        entry = self.dirs.get(parent)
        if entry is not None:
            if name in entry[1]:
                entry[1].remove(name)
            entry[2].append([name, True])

    def _list(self, path: str, now: int) -> bool:
        """List one directory into the cache; False when it cannot be read."""
        try:
            mtime = os.stat(path).st_mtime_ns
            entries = list(os.scandir(path))
        except OSError:
            return False
        self.scanned += 1
        relbase = "" if path == self.root else os.path.relpath(path, self.root) + "/"
        subdirs: list[str] = []
        secrets: list[list[Any]] = []
        matcher = self.matcher
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if matcher.hides_dir(name, relbase + name):
                    secrets.append([name, True])
                elif name not in self.skip:
                    subdirs.append(name)
            elif matcher.hides_file(name, relbase + name):
                secrets.append([name, _points_to_dir(entry)])
        if mtime > now - _RACY_NS:
            mtime = -1
        self.dirs[path] = [mtime, subdirs, secrets]
        return True

    def _collect(self) -> list[tuple[str, bool]]:
        return sorted(
            (os.path.join(path, name), is_dir)
            for path, entry in self.dirs.items()
            for name, is_dir in entry[2]
        )

    def _load(self) -> tuple[dict[str, list[Any]], list[tuple[str, bool]]] | None:
        if not self.cache_path:
            return None
        try:
            with open(self.cache_path, "rb") as handle:
                data: Any = marshal.loads(handle.read())
            if data.get("v") != _CACHE_VERSION or data["key"] != self.key:
                return None
            if data["root"] != self.root:
                return None
            return data["dirs"], [tuple(item) for item in data["found"]]
        except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def _save(self, found: list[tuple[str, bool]]) -> None:
        if not self.cache_path:
            return
        data = {
            "v": _CACHE_VERSION,
            "key": self.key,
            "root": self.root,
            "dirs": self.dirs,
            "found": [list(item) for item in found],
        }
        try:
            ensure_private_dir(os.path.dirname(self.cache_path))
            temporary = f"{self.cache_path}.{os.getpid()}.tmp"
            with open(temporary, "wb") as handle:
                marshal.dump(data, handle)
            os.replace(temporary, self.cache_path)
        except OSError:
            pass


def _points_to_dir(entry: os.DirEntry[str]) -> bool:
    """A secret name that is a symlink to a directory is hidden as a directory."""
    try:
        return entry.is_symlink() and entry.is_dir()
    except OSError:
        return False
