"""Config sections as plain classes: keys declared once, read without pydantic when plain.

Importing pydantic and building a model per section took a third of the kiosk's cold start
(issue 11). A config file as people write it holds plain values: strings, numbers in range,
booleans, lists of strings, tables. `Section.from_plain` checks those with exact types and
the same bounds and checks as the model, and vouches for nothing else: anything it does not
accept (a wrong or unknown key, a value pydantic would coerce such as `timeout = "10"`)
raises `Unsure`, and then a pydantic model built from the same declarations decides, giving
its coercions and its error messages, so a config reads and fails exactly as before.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any, ClassVar, Literal, Self, Union, get_args, get_origin, get_type_hints

#: A key's own check, run after its type and bounds: returns the value, ValueError if wrong.
Check = Callable[[Any], Any]
_REQUIRED: Any = object()
#: Floats hold integers exactly up to here; a bigger integer for a float key goes to pydantic.
_EXACT_INT = 2 ** 53


class Unsure(ValueError):
    """The plain check does not vouch for a value: pydantic decides (coercion or error)."""


class Key:
    """One declared key: its default, bounds, check and description."""

    __slots__ = ("default", "factory", "bounds", "min_length", "check", "description",
                 "annotation")

    def __init__(self, default: Any, factory: Callable[[], Any] | None,
                 bounds: dict[str, float], min_length: int | None, check: Check | None,
                 description: str) -> None:
        self.default, self.factory, self.bounds = default, factory, bounds
        self.min_length, self.check, self.description = min_length, check, description
        self.annotation: Any = None  # resolved on first use, when every section exists

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED and self.factory is None

    def make_default(self) -> Any:
        return self.factory() if self.factory is not None else self.default


def declare(default: Any = _REQUIRED, *, default_factory: Callable[[], Any] | None = None,
        gt: float | None = None, ge: float | None = None, le: float | None = None,
        min_length: int | None = None, check: Check | None = None,
        description: str = "") -> Any:
    """Declare a key of a section (typed Any so that `url: str = declare()` type-checks)."""
    bounds = {name: value for name, value in (("gt", gt), ("ge", ge), ("le", le))
              if value is not None}
    return Key(default, default_factory, bounds, min_length, check, description)


class Section:
    """A table of the config file; subclasses declare their keys with `declare()`."""

    _keys: ClassVar[dict[str, Key]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every annotated name is a key: with `declare(...)`, a plain default (a section's
        # default is a fresh one each time) or none (required).
        super().__init_subclass__(**kwargs)
        cls._keys = {}
        for name in vars(cls).get("__annotations__", {}):
            value = vars(cls).get(name, _REQUIRED)
            if isinstance(value, Section):
                value = Key(_REQUIRED, type(value), {}, None, None, "")
            elif not isinstance(value, Key):
                value = Key(value, None, {}, None, None, "")
            cls._keys[name] = value
            if name in vars(cls):
                delattr(cls, name)  # an instance always sets every key

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(self._checked(values))

    @classmethod
    def keys(cls) -> dict[str, Key]:
        """The declared keys in order, with their types resolved."""
        found = cls._keys
        if found and next(iter(found.values())).annotation is None:
            hints = get_type_hints(cls)
            for name, declared in found.items():
                declared.annotation = hints[name]
        return found

    @classmethod
    def from_plain(cls, raw: Any) -> Self:
        """The section from plain values; Unsure for anything else."""
        if type(raw) is not dict:
            raise Unsure(f"{cls.__name__}: not a table")
        section = cls.__new__(cls)
        section.__dict__.update(cls._checked(raw))
        return section

    @classmethod
    def _checked(cls, raw: dict[str, Any]) -> dict[str, Any]:
        declared = cls.keys()
        if not raw.keys() <= declared.keys():
            raise Unsure(f"{cls.__name__}: unknown keys")
        values = {}
        for name, spec in declared.items():
            if name not in raw:
                if spec.required:
                    raise Unsure(f"{cls.__name__}.{name}: missing")
                values[name] = spec.make_default()
                continue
            value = _plain(spec.annotation, raw[name], spec)
            if spec.check is not None:
                try:
                    value = spec.check(value)
                except ValueError as exc:  # pydantic words it: "platform.url: must be …"
                    raise Unsure(f"{cls.__name__}.{name}: {exc}") from None
            values[name] = value
        return values

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the models it replaces

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def _plain(annotation: Any, value: Any, spec: Key | None = None) -> Any:
    """`value` if it is plainly of `annotation` and within the key's bounds, else Unsure."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in get_args(annotation):
            return None
        for option in get_args(annotation):  # exact types: at most one can match
            try:
                return _plain(option, value, spec)
            except Unsure:
                continue
        raise Unsure("no option of the union")
    if origin is Literal:
        if any(type(value) is type(choice) and value == choice
               for choice in get_args(annotation)):
            return value
        raise Unsure("not one of the choices")
    if origin is list:
        if type(value) is not list:
            raise Unsure("not a list")
        return [_plain(get_args(annotation)[0], item) for item in value]
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return annotation.from_plain(value)
    if annotation is str and type(value) is str:
        if spec is not None and spec.min_length is not None and len(value) < spec.min_length:
            raise Unsure("too short")
        return value
    if annotation is bool and type(value) is bool:
        return value
    if annotation is int and type(value) is int:
        return _within(value, spec)
    if annotation is float and type(value) in (int, float):
        # bool is not among them (type(True) is bool); inf and nan go to pydantic's message.
        if (type(value) is int and abs(value) > _EXACT_INT) or not math.isfinite(value):
            raise Unsure("not a finite number")
        return _within(float(value), spec)
    raise Unsure(f"not plainly {annotation}")


def _within(number: float, spec: Key | None) -> Any:
    bounds = spec.bounds if spec is not None else {}
    if ("gt" in bounds and not number > bounds["gt"]) or (
            "ge" in bounds and not number >= bounds["ge"]) or (
            "le" in bounds and not number <= bounds["le"]):
        raise Unsure("out of bounds")
    return number


_MODELS: dict[str, Any] = {}


def pydantic_model(section: type[Section]) -> Any:
    """The pydantic model of `section`, built once from the same declarations (imported here)."""
    name = f"{section.__module__}.{section.__qualname__}"
    if name not in _MODELS:
        _MODELS[name] = _build_model(section)
    return _MODELS[name]


def _build_model(section: type[Section]) -> Any:
    from typing import Annotated

    from pydantic import AfterValidator, ConfigDict, Field, create_model

    fields: dict[str, Any] = {}
    for name, spec in section.keys().items():
        annotated: Any = _pydantic_type(spec.annotation)
        bounds = spec.bounds
        metadata: list[Any] = [Field(gt=bounds.get("gt"), ge=bounds.get("ge"),
                                     le=bounds.get("le"), min_length=spec.min_length)]
        if spec.check is not None:
            metadata.append(AfterValidator(spec.check))  # after the type and bounds, as before
        annotated = Annotated[annotated, *metadata]
        if spec.required:
            default = Field(description=spec.description)
        elif isinstance(spec.factory, type) and issubclass(spec.factory, Section):
            default = Field(default_factory=pydantic_model(spec.factory),
                            description=spec.description)
        elif spec.factory is not None:
            default = Field(default_factory=spec.factory, description=spec.description)
        else:
            default = Field(default=spec.default, description=spec.description)
        fields[name] = (annotated, default)
    # inf and nan are valid TOML floats; no key of this file means either (a nan passes every
    # gt/le bound, an inf timeout waits forever).
    config = ConfigDict(extra="forbid", allow_inf_nan=False)
    return create_model(section.__name__, __config__=config, **fields)


def _pydantic_type(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return pydantic_model(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return Union[tuple(_pydantic_type(a) for a in get_args(annotation))]  # noqa: UP007
    return annotation
