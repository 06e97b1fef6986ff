"""Find, load and cache the effective profile for a working directory.

Precedence, lowest first: the built-in `default` (or whatever the user's file
`extends:`), the user's `$XDG_CONFIG_HOME/agentsh/profile.yaml`, then the
nearest `.agentsh.yaml` from the working directory upward.

A validated profile is cached (marshal) together with the exact bytes of every
file that went into it; a command run compares those bytes and pays for YAML
only after an edit.
"""

from __future__ import annotations

import marshal
import os

from agentsh.errors import ProfileError
from agentsh.paths import Dirs, cache_name, ensure_private_dir, find_upward
from agentsh.profile.model import Profile, with_defaults

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PROJECT_FILE = ".agentsh.yaml"
_CACHE_VERSION = 12


def builtin_path(name: str) -> str:
    return os.path.join(os.path.dirname(os.path.dirname(__file__)), "profiles", f"{name}.yaml")


def discover(cwd: str, dirs: Dirs) -> list[tuple[str, str]]:
    """The top-level profile files for `cwd`, as (path, kind), lowest precedence first."""
    top: list[tuple[str, str]] = []
    if os.path.isfile(dirs.user_profile):
        top.append((dirs.user_profile, "user"))
    project = find_upward(cwd, PROJECT_FILE)
    if project:
        top.append((project, "project"))
    return top or [(builtin_path("default"), "builtin")]


def explicit(spec: str) -> list[tuple[str, str]]:
    """`--profile P`: a built-in name or a file path, used instead of discovery."""
    if "/" not in spec and not spec.endswith(".yaml"):
        return [(builtin_path(spec), "builtin")]
    return [(os.path.abspath(os.path.expanduser(spec)), "user")]


def load(top: list[tuple[str, str]], dirs: Dirs) -> Profile:
    top_key = _top_key(top)
    cache_file = os.path.join(dirs.cache, cache_name("profile", top_key))
    cached = _read_cache(cache_file, top_key)
    if cached is not None:
        return cached
    contents: dict[str, bytes] = {}
    from agentsh.profile import loader, trust

    def read(path: str, kind: str) -> loader.Layer:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise ProfileError(path, None, None, f"cannot read it ({exc.strerror})") from exc
        contents[path] = data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProfileError(path, None, None, "it is not UTF-8 text") from exc
        return loader.read_layer(path, kind, text)

    chain = loader.resolve_chain(top, read)
    store_file = trust.store_path(dirs.state)
    try:
        with open(store_file, "rb") as handle:
            contents[store_file] = handle.read()
    except OSError:
        contents[store_file] = b""
    store = trust.read_store(store_file)
    ignored: list[str] = []
    for layer in chain:
        if layer.kind == "project" and not trust.is_trusted(
            store, layer.path, contents[layer.path]
        ):
            layer.values, dropped = trust.restrict(layer.values)
            ignored += [f"{layer.path}: {item}" for item in dropped]
    merged, origins = loader.merge(chain)
    values = with_defaults(merged)
    files = [(layer.path, contents[layer.path]) for layer in chain]
    digest = _digest(files)
    files.append((store_file, contents[store_file]))
    sources = tuple(layer.path for layer in chain)
    profile = Profile.from_merged(values, origins, sources, digest, tuple(ignored))
    _write_cache(
        cache_file,
        {
            "v": _CACHE_VERSION,
            "top": top_key,
            "files": files,
            "values": values,
            "origins": origins,
            "digest": digest,
            "ignored": ignored,
        },
    )
    return profile


def _digest(files: list[tuple[str, bytes]]) -> str:
    import hashlib

    summary = hashlib.sha256()
    for path, data in files:
        summary.update(f"{path}\0{len(data)}\0".encode() + data)
    return summary.hexdigest()


def _top_key(top: list[tuple[str, str]]) -> str:
    return "\0".join(f"{path}\0{kind}" for path, kind in top)


def _read_cache(path: str, top_key: str) -> Profile | None:
    try:
        with open(path, "rb") as handle:
            entry: Any = marshal.loads(handle.read())
        if not isinstance(entry, dict) or entry.get("v") != _CACHE_VERSION:
            return None
        if entry.get("top") != top_key:
            return None
        for file_path, data in entry["files"]:
            try:
                with open(file_path, "rb") as handle:
                    current = handle.read()
            except FileNotFoundError:
                current = b""
            if current != data:
                return None
        sources = tuple(p for p, _ in entry["files"][:-1])
        return Profile.from_merged(
            entry["values"], entry["origins"], sources, entry["digest"], tuple(entry["ignored"])
        )
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None


def _write_cache(path: str, entry: dict[str, Any]) -> None:
    try:
        ensure_private_dir(os.path.dirname(path))
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            marshal.dump(entry, handle)
        os.replace(temporary, path)
    except OSError:
        pass
