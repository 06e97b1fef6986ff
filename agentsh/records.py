"""Frozen record classes without the start-up cost of `dataclasses`.

`agentsh -c` must start in a few tens of milliseconds, and importing
`dataclasses` pulls in `inspect`, `ast` and `tokenize` (about 20 ms on a small
machine). `@record` covers what agentsh needs from a frozen dataclass: an
`__init__` with defaults, equality, hashing, a readable repr and immutability.
mypy sees it as a dataclass through `dataclass_transform`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda function: function


_MISSING = object()


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], T]) -> T:
    """A default built fresh for every instance (like dataclasses.field(default_factory=…))."""
    return _Factory(default_factory)  # type: ignore[return-value]


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable; use records.replace()")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Turn a class with annotated attributes into a frozen record."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__annotations__", {}):  # noqa: RUF063 (no inspect)
            if name not in names and not name.startswith("_"):
                names.append(name)
    defaults = {name: cls.__dict__.get(name, _MISSING) for name in names}
    for base in cls.__mro__[1:]:
        inherited = getattr(base, "__record_defaults__", {})
        for name, value in inherited.items():
            if defaults.get(name, _MISSING) is _MISSING:
                defaults[name] = value
    parameters = []
    body = []
    namespace: dict[str, object] = {"_set": object.__setattr__, "_Factory": _Factory}
    for name in names:
        default = defaults[name]
        if default is _MISSING:
            parameters.append(name)
        else:
            namespace[f"_d_{name}"] = default
            parameters.append(f"{name}=_d_{name}")
        if isinstance(default, _Factory):
            body.append(f"_set(self, {name!r}, {name}.make() if {name} is _d_{name} else {name})")
        else:
            body.append(f"_set(self, {name!r}, {name})")
    source = f"def __init__(self, {', '.join(parameters)}):\n    " + ("\n    ".join(body) or "pass")
    exec(source, namespace)
    for name in names:
        if name in cls.__dict__:
            delattr(cls, name)
    fields = tuple(names)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in fields)
        return f"{type(self).__name__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in fields)

    def __hash__(self: Any) -> int:
        return hash((type(self).__name__, *(getattr(self, n) for n in fields)))

    methods = {
        "__init__": namespace["__init__"],
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__hash__": __hash__,
        "__setattr__": _frozen_setattr,
        "__delattr__": _frozen_setattr,
        "__record_fields__": fields,
        "__record_defaults__": defaults,
    }
    for name, value in methods.items():
        setattr(cls, name, value)
    return cls


def replace(instance: T, **changes: object) -> T:
    """A copy of `instance` with some fields changed (like dataclasses.replace)."""
    fields: tuple[str, ...] = type(instance).__record_fields__  # type: ignore[attr-defined]
    values = {name: getattr(instance, name) for name in fields}
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"{type(instance).__name__} has no field {', '.join(sorted(unknown))}")
    values.update(changes)
    return type(instance)(**values)


def fields(instance_or_class: object) -> tuple[str, ...]:
    klass = instance_or_class if isinstance(instance_or_class, type) else type(instance_or_class)
    return klass.__record_fields__  # type: ignore[attr-defined,no-any-return]
