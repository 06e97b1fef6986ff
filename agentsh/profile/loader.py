"""Read profile YAML files, validate them against the schema, and merge them.

Errors name the file, the line and the dotted key, with a suggestion when the
key looks misspelt. PyYAML is imported here only, so a cached profile never
pays for it.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from agentsh.errors import ProfileError
from agentsh.profile import builtin_path
from agentsh.profile.schema import SCHEMA, Field, ListOf, MapOf, Scalar, Section, Value

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Layer:
    """One validated profile file."""

    path: str
    kind: str
    """builtin, user, project or explicit: decides which keys the file may set."""
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    """Dotted key (lists: key plus NUL plus item) -> line number in `path`."""
    extends: str | None = None


def builtin_names() -> list[str]:
    folder = os.path.dirname(builtin_path("default"))
    return sorted(n[:-5] for n in os.listdir(folder) if n.endswith(".yaml"))


def read_layer(path: str, kind: str, text: str | None = None) -> Layer:
    if text is None:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise ProfileError(path, None, None, f"cannot read it ({exc.strerror})") from exc
        except UnicodeDecodeError as exc:
            raise ProfileError(path, None, None, "it is not UTF-8 text") from exc
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(str(exc.problem or exc).split())
        raise ProfileError(path, line, None, f"broken YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ProfileError(path, None, None, f"broken YAML: {' '.join(str(exc).split())}") from exc
    layer = Layer(path=path, kind=kind)
    if not nodes or nodes[0] is None:
        return layer
    if len(nodes) > 1:
        raise ProfileError(path, _line(nodes[1]), None, "a profile is a single YAML document")
    layer.values = _validate(nodes[0], SCHEMA, "", layer)
    extends = layer.values.get("extends")
    layer.extends = extends if isinstance(extends, str) else None
    return layer


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar_value(node: yaml.Node) -> object:
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _validate(node: yaml.Node, spec: Field, key: str, layer: Layer) -> Any:
    line = _line(node)
    if isinstance(spec, Section):
        if not isinstance(node, yaml.MappingNode):
            raise ProfileError(layer.path, line, key or None, "expected a mapping of keys")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = _scalar_value(key_node)
            dotted = f"{key}.{name}" if key else str(name)
            if not isinstance(name, str) or name not in spec.fields:
                raise ProfileError(
                    layer.path, _line(key_node), dotted, "unknown key" + _suggest(name, spec, key)
                )
            if name in result:
                raise ProfileError(layer.path, _line(key_node), dotted, "is set twice")
            field_spec = spec.fields[name]
            if isinstance(field_spec, Scalar) and field_spec.user_only and layer.kind == "project":
                raise ProfileError(
                    layer.path,
                    _line(key_node),
                    dotted,
                    "may only be set in your user profile, not in a project's file",
                )
            result[name] = _validate(value_node, field_spec, dotted, layer)
            layer.lines.setdefault(dotted, _line(key_node))
        missing = [name for name in spec.required if name not in result]
        if missing:
            raise ProfileError(
                layer.path, line, key or None, f"missing required key(s): {', '.join(missing)}"
            )
        return result
    if isinstance(spec, Value):
        value = _scalar_value(node)
        problem = spec.check(value)
        if problem:
            raise ProfileError(layer.path, line, key, problem)
        return value
    if isinstance(spec, ListOf):
        if not isinstance(node, yaml.SequenceNode):
            raise ProfileError(layer.path, line, key, "expected a list")
        items = []
        for index, item_node in enumerate(node.value):
            value = _validate(item_node, spec.item, f"{key}[{index}]", layer)
            items.append(value)
            layer.lines[f"{key}\0{_item_key(value)}"] = _line(item_node)
        return items
    if isinstance(spec, MapOf):
        if not isinstance(node, yaml.MappingNode):
            raise ProfileError(layer.path, line, key, "expected a mapping")
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = str(_scalar_value(key_node))
            dotted = f"{key}.{name}"
            problem = spec.key_check(name) if spec.key_check else None
            if problem:
                raise ProfileError(layer.path, _line(key_node), dotted, problem)
            mapping[name] = _validate(value_node, spec.value, dotted, layer)
            layer.lines[dotted] = _line(key_node)
        return mapping
    return _validate_scalar(node, spec, key, layer)


def _item_key(value: object) -> str:
    """How a list item is named in `lines` and `origins` (rules are dicts)."""
    return repr(value) if isinstance(value, (dict, list)) else str(value)


def _validate_scalar(node: yaml.Node, spec: Scalar, key: str, layer: Layer) -> object:
    line = _line(node)
    if not isinstance(node, yaml.ScalarNode):
        raise ProfileError(layer.path, line, key, f"expected a single {spec.kind.__name__} value")
    value = _scalar_value(node)
    if spec.kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
        expected = {str: "text", bool: "true or false", int: "a whole number"}.get(
            spec.kind, spec.kind.__name__
        )
        raise ProfileError(layer.path, line, key, f"expected {expected}, got {value!r}")
    if spec.choices and value not in spec.choices:
        close = difflib.get_close_matches(str(value), spec.choices, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ProfileError(
            layer.path, line, key, f"must be one of {', '.join(spec.choices)}, got {value!r}{hint}"
        )
    problem = spec.check(value) if spec.check else None
    if problem:
        raise ProfileError(layer.path, line, key, problem)
    return value


def _suggest(name: object, spec: Section, parent: str) -> str:
    close = difflib.get_close_matches(str(name), list(spec.fields), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    where = f"under '{parent}'" if parent else "at the top level"
    return f"; keys allowed {where}: {', '.join(spec.fields)}"


def resolve_chain(top: list[tuple[str, str]], read: Any = read_layer) -> list[Layer]:
    """Expand each top-level file's `extends:` chain, base first, each file once.

    `top` is [(path, kind)] in precedence order (user before project). A file
    without `extends:` builds on the built-in `default`. Listing a profile that
    is already in the chain adds nothing, so a project cannot re-apply a
    looser base over a stricter one the user chose.
    """
    chain: list[Layer] = []
    seen: set[str] = set()

    def add(path: str, kind: str, trail: tuple[str, ...]) -> None:
        real = os.path.realpath(path)
        if real in trail:
            raise ProfileError(path, None, "extends", "forms a cycle: " + " -> ".join(trail))
        if real in seen:
            return
        layer = read(path, kind)
        base = layer.extends
        if base is not None:
            add(_extends_path(base, layer), _base_kind(base, kind), (*trail, real))
        elif kind != "builtin" or os.path.basename(path) != "default.yaml":
            add(builtin_path("default"), "builtin", (*trail, real))
        if real not in seen:
            seen.add(real)
            chain.append(layer)

    for path, kind in top:
        add(path, kind, ())
    return chain


def _base_kind(base: str, kind: str) -> str:
    return "builtin" if "/" not in base and not base.endswith(".yaml") else kind


def _extends_path(base: str, layer: Layer) -> str:
    if "/" not in base and not base.endswith(".yaml"):
        path = builtin_path(base)
        if not os.path.isfile(path):
            names = builtin_names()
            close = difflib.get_close_matches(base, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; built-in: {', '.join(names)}"
            raise ProfileError(
                layer.path,
                layer.lines.get("extends"),
                "extends",
                f"no built-in profile {base!r}{hint}",
            )
        return path
    expanded = os.path.expanduser(base)
    path = os.path.normpath(os.path.join(os.path.dirname(layer.path), expanded))
    if not os.path.isfile(path):
        raise ProfileError(
            layer.path, layer.lines.get("extends"), "extends", f"no such profile file {path}"
        )
    return path


def merge(chain: list[Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge layers in order: scalars override, lists accumulate, maps merge.

    Returns the merged values and, for `agentshctl profile show`, where each
    value came from as "path:line".
    """
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for layer in chain:
        _merge_into(merged, layer.values, SCHEMA, "", layer, origins)
    merged.pop("extends", None)
    return merged, origins


def _merge_into(
    target: dict[str, Any],
    values: dict[str, Any],
    spec: Section,
    prefix: str,
    layer: Layer,
    origins: dict[str, str],
) -> None:
    for name, value in values.items():
        dotted = f"{prefix}{name}"
        field_spec = spec.fields[name]
        if isinstance(field_spec, Section):
            _merge_into(
                target.setdefault(name, {}), value, field_spec, dotted + ".", layer, origins
            )
        elif isinstance(field_spec, ListOf):
            items = target.setdefault(name, [])
            for item in value:
                if item not in items:
                    items.append(item)
                    item_key = f"{dotted}\0{_item_key(item)}"
                    origins[item_key] = _where(layer, item_key)
        elif isinstance(field_spec, MapOf):
            mapping = target.setdefault(name, {})
            for key, item in value.items():
                mapping[key] = item
                origins[f"{dotted}.{key}"] = _where(layer, f"{dotted}.{key}")
        else:
            target[name] = value
            origins[dotted] = _where(layer, dotted)


def _where(layer: Layer, key: str) -> str:
    line = layer.lines.get(key)
    return f"{layer.path}:{line}" if line else layer.path
