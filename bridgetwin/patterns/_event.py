"""An event as the matcher sees it: leaf values by dotted field path, with array membership.

EventBridge (through event-ruler) flattens nested keys with ``.``: ``{"a": {"b": 1}}`` and
``{"a.b": 1}`` both have the leaf 1 at ``a.b``. Arrays are spread: every element is a leaf of the
same path. For arrays of *objects* each leaf also remembers which element it came from, so that two
fields of one rule are never satisfied by different objects of the same array (event-ruler's
``rulesForJSONEvent``; we follow it because EventBridge matches JSON events).

Lookups are lazy and proportional to the path, not to the event: to find ``a.b.c`` in an object we
probe only the keys it could have been flattened from (``a.b.c``, ``a`` then ``b.c``, ``a.b`` then
``c``), so a large event costs no more than a small one. Results are cached per path for the life of
the view, so many patterns can share one event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# One array-of-objects element a leaf came from: (id of the array, index in it).
Membership = tuple[tuple[int, int], ...]
Leaf = tuple[Any, Membership]

_MISSING = object()


def _is_array(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _leaves_into(value: Any, membership: Membership, out: list[Leaf]) -> None:
    """Add the leaves ``value`` holds at the path it sits at (objects hold none there). Arrays
    nested in arrays are spread with a stack, so no nesting depth can exhaust recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            continue
        if _is_array(item):
            stack.extend(reversed(item))
        else:
            out.append((item, membership))


def _descend(value: Any, remaining: str, membership: Membership, out: list[Leaf]) -> None:
    """Collect leaves at ``remaining`` below ``value`` (an object, or arrays of them)."""
    if isinstance(value, Mapping):
        _collect(value, remaining, membership, out)
        return
    stack = [value] if _is_array(value) else []
    while stack:
        array = stack.pop()
        for index, element in enumerate(array):
            if isinstance(element, Mapping):
                _collect(element, remaining, (*membership, (id(array), index)), out)
            elif _is_array(element):
                stack.append(element)


def _collect(obj: Mapping[Any, Any], remaining: str, membership: Membership, out: list[Leaf]):
    value = obj.get(remaining, _MISSING)
    if value is not _MISSING:
        _leaves_into(value, membership, out)
    dot = remaining.find(".")
    while dot != -1:
        value = obj.get(remaining[:dot], _MISSING)
        if value is not _MISSING:
            _descend(value, remaining[dot + 1 :], membership, out)
        dot = remaining.find(".", dot + 1)


class EventView:
    """Leaf values of one event by field path, computed on demand and cached."""

    __slots__ = ("_cache", "_event")

    def __init__(self, event: Mapping[str, Any]) -> None:
        self._event = event
        self._cache: dict[str, list[Leaf]] = {}

    def leaves(self, path: str) -> list[Leaf]:
        """Every leaf at ``path`` (empty when the field is absent or holds an object)."""
        found = self._cache.get(path)
        if found is None:
            found = []
            _collect(self._event, path, (), found)
            self._cache[path] = found
        return found

    def values(self, path: str) -> list[Any]:
        """The leaf values at ``path`` without their membership."""
        return [value for value, _ in self.leaves(path)]
