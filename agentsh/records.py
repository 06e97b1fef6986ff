"""Record classes without the start-up cost of `dataclasses`.

`agentsh -c` must start in a few tens of milliseconds, and importing
`dataclasses` pulls in `inspect`, `ast` and `tokenize` (about 15-20 ms on a
small machine, paid by every command). `@record` covers what agentsh uses of
dataclasses: an `__init__` with defaults and default factories, fields kept
out of `__init__` or out of comparisons, `__post_init__`, equality, hashing,
a readable repr, and immutability unless `frozen=False`. mypy sees it as a
dataclass through `dataclass_transform`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform, overload

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda function: function

    def overload(function: object) -> object:
        return function


_MISSING: Any = object()


class Field:
    __slots__ = ("compare", "default", "default_factory", "init", "repr")

    def __init__(
        self,
        default: object,
        default_factory: Callable[[], object] | None,
        init: bool,
        compare: bool,
        repr: bool,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.compare = compare
        self.repr = repr


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    init: bool = True,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """Like dataclasses.field: a default, a factory, or a field outside __init__/comparisons."""
    return Field(default, default_factory, init, compare, repr)


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable; use records.replace()")


def _specs(cls: type) -> dict[str, Field]:
    specs: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        specs.update(getattr(base, "__record_specs__", {}))
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (no inspect)
    for name, annotation in annotations.items():
        if name.startswith("__") or str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, Field) else Field(value, None, True, True, True)
        specs[name] = spec
        if name in cls.__dict__:
            delattr(cls, name)
    return specs


def _init_for(cls: type, specs: dict[str, Field]) -> Callable[..., None]:
    """An __init__ that reads the field specs instead of being compiled from source.

    Compiling a tailored __init__ per class (what dataclasses does) costs about
    0.2 ms a class, paid for every record a command builds; this generic one
    costs a microsecond or two per instance instead.
    """
    parameters = [name for name, spec in specs.items() if spec.init]
    defaults = {
        name: spec.default
        for name, spec in specs.items()
        if spec.default is not _MISSING and spec.default_factory is None
    }
    factories = {
        name: spec.default_factory
        for name, spec in specs.items()
        if spec.default_factory is not None
    }
    derived = [name for name, spec in specs.items() if not spec.init]
    seen_optional = False
    for name in parameters:
        optional = name in defaults or name in factories
        if seen_optional and not optional:
            raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
        seen_optional |= optional
    count = len(parameters)
    post_init = hasattr(cls, "__post_init__")
    setter = object.__setattr__
    title = cls.__name__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > count:
            raise TypeError(
                f"{title}() takes {count} positional arguments but {len(args)} were given"
            )
        for name, value in zip(parameters, args, strict=False):
            setter(self, name, value)
        for name in parameters[len(args) :]:
            if name in kwargs:
                setter(self, name, kwargs.pop(name))
            elif name in defaults:
                setter(self, name, defaults[name])
            elif name in factories:
                setter(self, name, factories[name]())
            else:
                raise TypeError(f"{title}() missing required argument: {name!r}")
        if kwargs:
            raise TypeError(f"{title}() got unexpected or repeated arguments: {', '.join(kwargs)}")
        for name in derived:
            if name in factories:
                setter(self, name, factories[name]())
            elif name in defaults:
                setter(self, name, defaults[name])
        if post_init:
            self.__post_init__()

    return __init__


def _build(cls: type[T], frozen: bool) -> type[T]:
    specs = _specs(cls)
    __init__ = _init_for(cls, specs)
    fields = tuple(name for name, spec in specs.items())
    compared = tuple(name for name, spec in specs.items() if spec.compare)
    shown = tuple(name for name, spec in specs.items() if spec.repr)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name, None)!r}" for name in shown)
        return f"{type(self).__name__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in compared)

    def __hash__(self: Any) -> int:
        return hash((type(self).__name__, *(getattr(self, n) for n in compared)))

    methods: dict[str, object] = {
        "__init__": __init__,
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__record_fields__": fields,
        "__record_specs__": specs,
    }
    if frozen:
        methods.update(__hash__=__hash__, __setattr__=_frozen_setattr, __delattr__=_frozen_setattr)
    else:
        methods["__hash__"] = None
    for name, value in methods.items():
        setattr(cls, name, value)
    return cls


if TYPE_CHECKING:

    @overload
    def record(cls: type[T], /) -> type[T]: ...

    @overload
    def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...  # noqa: F811


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: Any = None, /, *, frozen: bool = True) -> Any:
    """Turn a class with annotated attributes into a record (frozen unless frozen=False)."""
    if cls is None:
        return lambda klass: _build(klass, frozen)
    return _build(cls, frozen)


def replace(instance: T, **changes: object) -> T:
    """A copy of `instance` with some fields changed (like dataclasses.replace)."""
    specs: dict[str, Field] = type(instance).__record_specs__  # type: ignore[attr-defined]
    unknown = set(changes) - set(specs)
    if unknown:
        raise TypeError(f"{type(instance).__name__} has no field {', '.join(sorted(unknown))}")
    values = {name: getattr(instance, name) for name, spec in specs.items() if spec.init}
    values.update(changes)
    return type(instance)(**values)


def fields(instance_or_class: object) -> tuple[str, ...]:
    klass = instance_or_class if isinstance(instance_or_class, type) else type(instance_or_class)
    return klass.__record_fields__  # type: ignore[attr-defined,no-any-return]
