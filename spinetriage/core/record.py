"""``Frozen``: the base of the small immutable records made at every start-up (``Answers``,
``Result``). A dataclass writes and compiles its methods when its class is made, about half a
millisecond each at every start; these share hand-written ones instead, with the same behaviour:
equal when of the same class with equal fields, hashed by their fields, a readable repr,
``replace`` for a copy with changes, and no assignment after ``__init__``.
"""

from __future__ import annotations

from typing import Any


class Frozen:
    """A subclass names its ``FIELDS`` in order and sets them in ``__init__`` through
    ``self.__dict__`` (or ``object.__setattr__``)."""

    FIELDS: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def _values(self) -> tuple[Any, ...]:
        d = self.__dict__
        return tuple(d[name] for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={v!r}' for n, v in zip(self.FIELDS, self._values()))})"

    def replace(self, **changes: Any) -> Any:
        """A copy with ``changes`` (as ``dataclasses.replace``: the new values go through ``__init__``)."""
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        return type(self)(**{**dict(zip(self.FIELDS, self._values())), **changes})

    __replace__ = replace  # copy.replace (Python 3.13)
