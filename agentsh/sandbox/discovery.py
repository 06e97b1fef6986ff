"""Find what must not exist inside the sandbox: secrets, agentsh's own state, host sockets.

Everything here reads the host as it is when a command starts and returns
plain `Hidden` paths; the supervisor turns them into masks.
"""

from __future__ import annotations

import os
import sys

from agentsh import paths
from agentsh.errors import UnmaskableSecret
from agentsh.sandbox.secrets import Hidden, ProjectScan, SecretMatcher, fixed_locations, scan_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from agentsh.profile.model import Profile
    from agentsh.supervisor import Workspace


def hidden_paths(space: Workspace, profile: Profile, environ: Mapping[str, str]) -> list[Hidden]:
    """Secrets, agentsh's own state and host service sockets, as they exist now."""
    home = space.dirs.home
    found = fixed_locations(profile.secrets.paths, profile.secrets.reveal, home)
    shown = tuple(
        os.path.realpath(paths.expand_home(path, home)) for path in profile.network.sockets
    )
    sockets = {
        Hidden(os.path.realpath(item.path), item.is_dir)
        for item in fixed_locations(profile.sandbox.hidden_sockets, (), home)
    }
    sockets |= {Hidden(path, False) for path in host_sockets(home)}
    found += sorted(
        (item for item in sockets if not _under(item.path, shown)), key=lambda h: h.path
    )
    runtime = environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    if os.path.isdir(runtime):
        found.append(Hidden(runtime, True))
    matcher = SecretMatcher(profile.secrets.hide, profile.secrets.reveal)
    if space.project_root != "/":
        found += project_secrets(space, profile, matcher)
    found += ancestor_secrets(space, matcher)
    found += link_targets(found, space.dirs.cache)
    found += other_links(found, space)
    if profile.sandbox.other_projects == "hidden":
        found += other_projects(space, profile, environ)
    # agentsh's own directories hold no links to follow (and its cache grows).
    own = (space.dirs.config, space.dirs.state, space.dirs.runtime)
    found += [Hidden(folder, True) for folder in own if os.path.isdir(folder)]
    return _resolved(found)


def _resolved(hidden: list[Hidden]) -> list[Hidden]:
    """Masks go on real paths: bwrap cannot mount onto a symlink whose target is absolute,
    and masking the target hides the secret under every name that leads to it."""
    result: dict[str, Hidden] = {}
    for item in hidden:
        path = os.path.realpath(item.path) if os.path.islink(item.path) else item.path
        if os.path.exists(path):
            result.setdefault(path, item if path == item.path else Hidden(path, item.is_dir))
    return list(result.values())


SYMLINK_SEARCH_LIMIT = 1_000
"""Entries of hidden directories read per command when looking for symlinks (a few
milliseconds at most), so that a huge browser profile cannot slow every command."""


def link_targets(hidden: list[Hidden], cache_dir: str) -> list[Hidden]:
    """Where hidden symlinks point: the secret itself lives there.

    A hidden path that is a symlink, and a symlink anywhere inside a hidden
    directory (`~/.ssh/keys/work` -> `~/dotfiles/ssh/keys/work`, as dotfile
    managers make), would otherwise leave its target readable under its real
    name. A target that is a directory is searched in turn.

    Hidden directories are read breadth-first, all of them level by level, up
    to SYMLINK_SEARCH_LIMIT entries. Past the limit the deeper levels are not
    read and a warning names the directories cut short (once, until that list
    changes). Warning rather than refusing: the limit is reached in large
    application-state directories (browser profiles, kubectl caches) whose own
    symlinks are lock files and sockets, while the shallow levels, where people
    and dotfile managers put links, are always read; refusing there would make
    agentsh unusable on most desktops, and the files such a link could point
    to are neither secret by name nor by location.
    """
    named = {item.path for item in hidden if item.is_dir}
    folders = {os.path.realpath(path) for path in named}
    covered = tuple(named | folders)
    pending: list[tuple[str, int, str]] = []
    """(directory, its device, the hidden directory or link target it is in)"""
    found: list[Hidden] = []

    def search(folder: str) -> None:
        try:
            pending.append((folder, os.stat(folder).st_dev, folder))
        except OSError:
            pass

    def follow(link: str) -> None:
        target = os.path.realpath(link)
        if target == link or _under(target, covered) or not os.path.exists(target):
            return
        is_dir = os.path.isdir(target)
        if is_dir and not any(_under(target, (item.path,)) for item in found if item.is_dir):
            search(target)
        found.append(Hidden(target, is_dir))

    for folder in sorted(folders):
        if not _under(os.path.dirname(folder), tuple(folders)):
            search(folder)
    for item in hidden:
        if os.path.islink(item.path):
            follow(item.path)
    position = 0
    budget = SYMLINK_SEARCH_LIMIT
    while position < len(pending) and budget > 0:
        folder, device, top = pending[position]
        position += 1
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                budget -= 1
                if budget < 0:
                    position -= 1
                    break
                try:
                    if entry.is_symlink():
                        follow(entry.path)
                    elif (
                        entry.is_dir(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_dev == device
                    ):
                        pending.append((entry.path, device, top))
                except OSError:
                    continue
    if position < len(pending):
        _warn_cut_short(sorted({top for _, _, top in pending[position:]}), cache_dir)
    return found


def _warn_cut_short(tops: list[str], cache_dir: str) -> None:
    """Say which hidden directories were too big to search whole, unless already said."""
    marker = os.path.join(cache_dir, "symlink-search-cut-short")
    text = "\n".join(tops)
    try:
        with open(marker, encoding="utf-8", errors="surrogateescape") as handle:
            if handle.read() == text:
                return
    except OSError:
        pass
    sys.stderr.write(
        f"agentsh: warning: {', '.join(tops)} {'hold' if len(tops) > 1 else 'holds'} more "
        f"than {SYMLINK_SEARCH_LIMIT} entries, "
        "so symlinks deep inside them were not followed: a secret such a link points to "
        "elsewhere stays readable under its own name. List it in secrets.paths if so "
        "(said once, until this changes)\n"
    )
    sys.stderr.flush()
    paths.save_cache(marker, text.encode("utf-8", "surrogateescape"))


HARD_LINK_SEARCH_LIMIT = 2_000_000
"""Directory entries the search for other hard links reads at most (a few seconds, once
per change of a linked hidden file); the names it does not reach count as not found."""
LinkIdentity = tuple[int, int, int, int]
"""(st_dev, st_ino, st_nlink, st_ctime_ns): link(2), unlink(2) and rename(2) all change
the ctime, so other names found for this identity stay right until it changes."""


def other_links(hidden: list[Hidden], space: Workspace) -> list[Hidden]:
    """Other names for hidden files that have several (hard links), wherever a command
    could read them: the home directory and the project's surroundings.

    A hard link to `.env` or `~/.aws/credentials` under an innocent name reads
    the secret. The sandbox cannot make one (the mask is another mount), but
    one made outside could exist. Only a hidden file with more than one link
    costs anything: one search of `link_search_roots` for all such files,
    cached by their `LinkIdentity`, so it is paid once per change.

    When some of a file's links are still not found (they are elsewhere on the
    filesystem, or the search stopped at HARD_LINK_SEARCH_LIMIT), the command
    is refused with one line naming the file and how to find the links: the
    sandbox shows the whole filesystem read-only, so a link in, say, /srv or
    /var/backups would hand the secret to any command that greps for tokens,
    and agentsh promises that hidden files cannot be read. Hidden files with
    several links are rare, and the fix (delete the stray link) is quick.
    """
    linked: dict[LinkIdentity, str] = {}
    for item in hidden:
        if item.is_dir:
            continue
        try:
            st = os.stat(item.path)
        except OSError:
            continue
        if st.st_nlink > 1:
            identity = (st.st_dev, st.st_ino, st.st_nlink, st.st_ctime_ns)
            linked[identity] = os.path.realpath(item.path)
    if not linked:
        return []
    roots = link_search_roots(space)
    names = _names_of(linked, roots, space.dirs.cache)
    found: list[Hidden] = []
    for identity, path in sorted(linked.items(), key=lambda pair: pair[1]):
        others = names[identity] | {path}
        missing = identity[2] - len(others)
        if missing > 0:
            raise UnmaskableSecret(
                f"{path} has {missing} more hard link{'s' if missing > 1 else ''} that agentsh "
                f"did not find in {' or '.join(roots)} and so cannot hide: a command could "
                f"read the secret through {'them' if missing > 1 else 'it'}. Find "
                f"{'them' if missing > 1 else 'it'} with `find {_mount_point(path)} -xdev "
                f"-samefile {path}` and delete the extra names (or, if the file holds no "
                "secret, list it in secrets.reveal)"
            )
        found += [Hidden(other, False) for other in sorted(others - {path})]
    return found


def link_search_roots(space: Workspace) -> list[str]:
    """Where other hard links to hidden files are looked for: the home directory, and the
    highest directory above the project that is ours, not shared (sticky, like /var/tmp)
    and not at the top of the filesystem (like /home or /srv), so sibling projects are in.
    """
    roots = []
    home = os.path.realpath(space.dirs.home)
    if home != "/":
        roots.append(home)
    if space.project_root != "/":
        top = os.path.realpath(space.project_root)
        current = os.path.dirname(top)
        uid = os.getuid()
        while current.count("/") >= 2:
            try:
                st = os.stat(current)
            except OSError:
                break
            if st.st_uid != uid or st.st_mode & 0o1000:
                break
            top, current = current, os.path.dirname(current)
        roots.append(top)
    unique = list(dict.fromkeys(roots))
    return [
        root
        for root in unique
        if not any(other != root and _under(root, (other,)) for other in unique)
    ]


def _names_of(
    linked: dict[LinkIdentity, str], roots: list[str], cache_dir: str
) -> dict[LinkIdentity, set[str]]:
    """Every name under `roots` of each file, from the cache or from one search for all."""
    import marshal

    cache_file = os.path.join(cache_dir, paths.cache_name("hardlinks", "\0".join(roots)))
    known: dict[LinkIdentity, list[str]] = {}
    try:
        with open(cache_file, "rb") as handle:
            data = marshal.load(handle)
        if data["roots"] == roots:
            known = {tuple(key): list(value) for key, value in data["names"].items()}
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        pass
    result = {identity: set(known[identity]) for identity in linked if identity in known}
    unknown = {identity: path for identity, path in linked.items() if identity not in result}
    if not unknown:
        return result
    result.update(_search_names(unknown, roots))
    names = {identity: sorted(result[identity]) for identity in linked}
    paths.save_cache(cache_file, marshal.dumps({"roots": roots, "names": names}))
    return result


def _search_names(
    linked: dict[LinkIdentity, str], roots: list[str]
) -> dict[LinkIdentity, set[str]]:
    """One walk of `roots` (each on its own device only) collecting the names of the files.

    A directory entry carries its inode number, so only entries whose number is
    wanted are stat'ed. Some filesystems (overlayfs) may report other numbers
    there than stat does: when the walk misses a file's own name inside a root,
    it is done again with a stat of every entry.
    """
    wanted = {(identity[0], identity[1]): identity for identity in linked}
    names, finished = _walk_for_inodes(set(wanted), roots, trust_entry_inode=True)
    missed = any(
        _under(path, tuple(roots)) and path not in names[(identity[0], identity[1])]
        for identity, path in linked.items()
    )
    if finished and missed:
        names, _ = _walk_for_inodes(set(wanted), roots, trust_entry_inode=False)
    return {identity: names[key] for key, identity in wanted.items()}


def _walk_for_inodes(
    wanted: set[tuple[int, int]], roots: list[str], trust_entry_inode: bool
) -> tuple[dict[tuple[int, int], set[str]], bool]:
    """The names under `roots` of each (st_dev, st_ino), and whether the walk finished
    within HARD_LINK_SEARCH_LIMIT entries."""
    names: dict[tuple[int, int], set[str]] = {key: set() for key in wanted}
    inodes = {inode for _, inode in wanted}
    devices = {device for device, _ in wanted}
    budget = HARD_LINK_SEARCH_LIMIT
    for root in roots:
        try:
            device = os.stat(root).st_dev
        except OSError:
            continue
        if device not in devices:
            continue
        pending = [root]
        while pending:
            try:
                entries = os.scandir(pending.pop())
            except OSError:
                continue
            with entries:
                for entry in entries:
                    budget -= 1
                    if budget < 0:
                        return names, False
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.stat(follow_symlinks=False).st_dev == device:
                                pending.append(entry.path)
                        elif not trust_entry_inode or entry.inode() in inodes:
                            st = entry.stat(follow_symlinks=False)
                            key = (st.st_dev, st.st_ino)
                            if key in names:
                                names[key].add(entry.path)
                    except OSError:
                        continue
    return names, True


def _mount_point(path: str) -> str:
    """The top of the filesystem that `path` is on, where a search for its links starts."""
    try:
        device = os.stat(path).st_dev
        current = os.path.dirname(path)
        while current != "/" and os.stat(os.path.dirname(current)).st_dev == device:
            current = os.path.dirname(current)
        return "/" if os.stat("/").st_dev == device else current
    except OSError:
        return "/"


SOCKET_SEARCH = (("/run", 3), ("/var/tmp", 0), ("/dev/shm", 0))
"""Where host services keep their sockets, and how deep to look (the home directory's top
level is looked at too). A socket there would let a command talk to the service (a tmux
or screen server runs what it is told), and a read-only mount does not stop connect(2)."""


def host_sockets(home: str) -> list[str]:
    """Unix sockets of host services that the sandbox could otherwise connect to."""
    import stat

    found = []
    for top, depth in (*SOCKET_SEARCH, (home, 0)):
        pending = [(top, 0)]
        while pending:
            folder, level = pending.pop()
            try:
                entries = os.scandir(folder)
            except OSError:
                continue
            with entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if level < depth:
                                pending.append((entry.path, level + 1))
                        elif (
                            not entry.is_file(follow_symlinks=False)
                            and not entry.is_symlink()
                            and stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode)
                        ):
                            found.append(entry.path)
                    except OSError:
                        continue
    return found


def ancestor_secrets(space: Workspace, matcher: SecretMatcher) -> list[Hidden]:
    """Secret files directly in the directories above the project, and in home.

    A monorepo's parent or the home directory often holds an `.env` too. Only
    those directories themselves are looked at, not their other subtrees.
    """
    home = os.path.realpath(space.dirs.home)
    folders = {home}
    current = os.path.dirname(space.project_root)
    while current not in ("/", "") and current not in folders:
        folders.add(current)
        current = os.path.dirname(current)
    found = []
    for folder in sorted(folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                continue
            if matcher.hides_file(entry.name, entry.name):
                found.append(Hidden(entry.path, False))
    return found


SYSTEM_DIRS = frozenset(
    {
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
        "/media", "/mnt", "/nix", "/opt", "/proc", "/run", "/sbin", "/snap", "/sys", "/usr",
        "/usr/lib", "/usr/local", "/usr/share", "/var", "/var/cache", "/var/lib",
    }
)  # fmt: skip
"""Directories whose other entries are the system's, never hidden as other projects."""
TOOL_DIRS_IN_HOME = frozenset(
    {
        "bin", "go", "snap", "sdk", "Android", "flutter", "perl5", "R", "venv", "venvs",
        "miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba",
    }
)  # fmt: skip
"""Home's visible folders that hold toolchains rather than projects (dot folders are
all visible; `sandbox.home_visible` adds more)."""


def other_projects(space: Workspace, profile: Profile, environ: Mapping[str, str]) -> list[Hidden]:
    """The folders beside the project, and home's own folders: other projects, each with
    its own `.env`, which a scan of this project would never find.

    Beside the project means at every level above it up to a system directory
    (`/srv`, `/work`, `/var/tmp` keep only the path down to the project). In home,
    dot folders (tools' settings and caches, whose secrets `secrets.paths` names)
    and the usual toolchain folders stay visible. Nothing on the way to the project,
    the cwd, `$TMPDIR` or a `$PATH` folder (a toolchain, a venv) is hidden, nor
    anything in or on the way to a writable root, a `home_visible` path or a socket
    `network.sockets` shows. Symlinked folders are left alone: their target may be
    anything.
    """
    home = os.path.realpath(space.dirs.home)
    project = os.path.realpath(space.project_root)
    if project in SYSTEM_DIRS or _under(home, (project,)):
        return []
    listed = (*profile.sandbox.writable, *profile.sandbox.home_visible, *profile.network.sockets)
    shown = tuple(os.path.realpath(paths.expand_home(raw, home)) for raw in listed)
    wanted = [project, os.path.realpath(space.cwd), home, *shown]
    if os.path.isabs(environ.get("TMPDIR", "")):
        wanted.append(os.path.realpath(environ["TMPDIR"]))
    wanted += [
        os.path.realpath(folder)
        for folder in environ.get("PATH", "").split(":")
        if os.path.isabs(folder)
    ]
    leading = set()
    for path in wanted:
        while path not in leading and path not in ("/", ""):
            leading.add(path)
            path = os.path.dirname(path)
    found: list[Hidden] = []
    current = os.path.dirname(project)
    home_hidden = profile.sandbox.home == "hidden"
    while current not in SYSTEM_DIRS and current != home:
        if not _under(current, (*shown, paths.SANDBOX_TMP)) and not (
            home_hidden and _under(current, (home,))
        ):
            found += _folders_beside(current, leading)
        current = os.path.dirname(current)
    if not home_hidden and not _under(home, shown):
        found += _folders_beside(home, leading, skip_dot=True, skip=TOOL_DIRS_IN_HOME)
    return found


def _folders_beside(
    folder: str, leading: set[str], skip_dot: bool = False, skip: frozenset[str] = frozenset()
) -> list[Hidden]:
    """The folders in `folder` other than those on the way to a path in `leading`: each
    masked, or, when that takes fewer mounts, `folder` emptied with the rest kept.

    Emptying also drops what is neither a folder, a file nor a symlink (a socket)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    hide: list[str] = []
    keep: list[tuple[str, str]] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            if entry.is_symlink():
                keep.append((entry.path, os.readlink(entry.path)))
                continue
            if not (is_dir or entry.is_file(follow_symlinks=False)):
                continue
        except OSError:
            continue
        dotted = skip_dot and entry.name.startswith(".")
        if is_dir and entry.path not in leading and not dotted and entry.name not in skip:
            hide.append(entry.path)
        else:
            keep.append((entry.path, ""))
    if len(keep) + 1 < len(hide):
        return [Hidden(folder, True, emptied=True, keep=tuple(sorted(keep)))]
    return [Hidden(path, True) for path in hide]


def project_secrets(space: Workspace, profile: Profile, matcher: SecretMatcher) -> list[Hidden]:
    """Ask the project's watcher; without one, scan (and start a watcher for next time)."""
    settings = profile.secrets
    key = scan_key(matcher, settings.skip_dirs)
    root = space.project_root
    socket = None
    if settings.watch:
        from agentsh.sandbox import watcher

        paths.ensure_private_dir(space.dirs.runtime)
        socket = watcher.socket_path(space.dirs.runtime, root, key)
        if socket:
            answer = watcher.query(socket, root, key)
            if answer is not None:
                return answer
    found = ProjectScan(root, matcher, settings.skip_dirs, space.dirs.cache).run()
    if socket and not watcher.is_starting(socket):
        watcher.start(socket, root, settings.hide, settings.reveal, settings.skip_dirs)
    return found


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)
