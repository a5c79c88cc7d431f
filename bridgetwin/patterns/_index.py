"""Route one event to every rule whose pattern matches, without testing every pattern.

Like event-ruler's machine, which walks an event's fields in turn, the index files each branch of
each pattern under an *anchor*: up to two fields whose values are all exact strings (``detail-type``
and ``source`` preferred), keyed by the combination of values. An event only reaches the branches
filed under the value combinations it actually has; branches with no exact-string field are tested
on every event. The answer is always exactly what testing every
pattern in turn would give (a property test checks this).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from itertools import product
from typing import Any, Generic, TypeVar

from bridgetwin.patterns._event import EventView
from bridgetwin.patterns._matchers import Exact
from bridgetwin.patterns._pattern import Branch, Condition, Pattern

K = TypeVar("K", bound=Hashable)

_PREFERRED_ANCHORS = ("detail-type", "source")
_MAX_ANCHOR_FIELDS = 2
_MAX_ANCHOR_KEYS = 64  # beyond this many value combinations, anchor on fewer fields


def _exact_strings(condition: Condition) -> tuple[str, ...] | None:
    values = []
    for m in condition.matchers:
        if not (isinstance(m, Exact) and type(m.value) is str):
            return None
        values.append(m.value)
    return tuple(values)


def _anchor(branch: Branch) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The fields a branch is filed under, and every value combination it accepts on them.

    Up to two exact-string fields are used together (``detail-type`` and ``source`` first, then
    the fields with the fewest values), so that an event only reaches branches that agree with it
    on all of them. Returns ``((), [])`` when the branch has no exact-string field.
    """
    exact = {c.path: v for c in branch.conditions if (v := _exact_strings(c)) is not None}
    ranked = sorted(
        exact,
        key=lambda p: (
            _PREFERRED_ANCHORS.index(p) if p in _PREFERRED_ANCHORS else 2,
            len(exact[p]),
            p,
        ),
    )
    paths: list[str] = []
    combinations = 1
    for path in ranked[:_MAX_ANCHOR_FIELDS]:
        if paths and combinations * len(exact[path]) > _MAX_ANCHOR_KEYS:
            break
        paths.append(path)
        combinations *= len(exact[path])
    return tuple(paths), list(product(*(exact[p] for p in paths)))


def _strings_at(event: Mapping[str, Any], path: str) -> list[str]:
    """The string leaves of ``event`` at ``path``."""
    if "." not in path:  # the common case (source, detail-type): read the top level directly
        value = event.get(path)
        if type(value) is str:
            return [value]
        if value is None or isinstance(value, Mapping):
            return []
    return [v for v in EventView(event).values(path) if type(v) is str]


def _combinations(event: Mapping[str, Any], paths: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every combination of the event's string values at ``paths`` (usually exactly one)."""
    if len(paths) == 1:
        return [(v,) for v in _strings_at(event, paths[0])]
    return list(product(*(_strings_at(event, p) for p in paths)))


class PatternIndex(Generic[K]):
    """Many ``(key, pattern)`` pairs, queried with an event for every key whose pattern matches.

    Keys come back in the order they were added.
    """

    def __init__(self) -> None:
        self._patterns: dict[K, Pattern] = {}
        self._order: dict[K, int] = {}
        self._added = 0
        # anchor paths -> one value per path -> [(key, branch)]
        self._anchored: dict[tuple[str, ...], dict[tuple[str, ...], list[tuple[K, Branch]]]] = {}
        self._unanchored: list[tuple[K, Branch]] = []

    def add(self, key: K, pattern: Pattern) -> None:
        """File ``pattern`` under ``key``. Raises ``KeyError`` if the key is already present."""
        if key in self._patterns:
            raise KeyError(f"key {key!r} is already in the index")
        self._patterns[key] = pattern
        self._order[key] = self._added
        self._added += 1
        for branch in pattern.branches:
            paths, combinations = _anchor(branch)
            if not paths:
                self._unanchored.append((key, branch))
                continue
            buckets = self._anchored.setdefault(paths, {})
            for combination in combinations:
                buckets.setdefault(combination, []).append((key, branch))

    def remove(self, key: K) -> None:
        """Forget ``key``. Raises ``KeyError`` if it is not present."""
        del self._patterns[key]
        del self._order[key]
        self._unanchored = [(k, b) for k, b in self._unanchored if k != key]
        for by_value in self._anchored.values():
            for value, entries in list(by_value.items()):
                kept = [(k, b) for k, b in entries if k != key]
                if kept:
                    by_value[value] = kept
                else:
                    del by_value[value]

    def matching(self, event: Mapping[str, Any]) -> list[K]:
        """Every key whose pattern matches ``event``, in insertion order. Never raises."""
        if type(event) is not dict and not isinstance(event, Mapping):
            return []
        view: EventView | None = None
        found: set[K] = set()
        for paths, buckets in self._anchored.items():
            for combination in _combinations(event, paths):
                entries = buckets.get(combination)
                if entries:
                    view = view or EventView(event)
                    for key, branch in entries:
                        if key not in found and branch.matches(view):
                            found.add(key)
        if self._unanchored:
            view = view or EventView(event)
            for key, branch in self._unanchored:
                if key not in found and branch.matches(view):
                    found.add(key)
        if len(found) > 1:
            return sorted(found, key=self._order.__getitem__)
        return list(found)

    def __len__(self) -> int:
        return len(self._patterns)

    def __contains__(self, key: object) -> bool:
        return key in self._patterns

    def __getitem__(self, key: K) -> Pattern:
        return self._patterns[key]

    def items(self) -> Iterator[tuple[K, Pattern]]:
        """The ``(key, pattern)`` pairs in insertion order."""
        return iter(self._patterns.items())
