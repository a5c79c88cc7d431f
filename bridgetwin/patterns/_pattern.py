"""The compiled form of an event pattern and how it matches.

A pattern compiles to branches (``$or`` already expanded); a branch is a conjunction of field
conditions; a condition is a field path with the matchers listed for it, any one of which may
match::

    {"source": ["a"], "$or": [{"x": [1]}, {"y": [{"exists": false}]}]}
    -> Branch(source in ["a"], x in [1])  |  Branch(source in ["a"], y absent)

``Pattern.matches`` never raises and never validates again: every input was checked at compile time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.patterns._event import EventView, Membership
from bridgetwin.patterns._matchers import AnyMatcher, Exists


@dataclass(frozen=True, slots=True)
class Condition:
    """One field of a branch: true when a leaf at ``path`` satisfies any matcher, or when the
    field has no leaf and the list holds ``{"exists": false}``."""

    path: str
    matchers: tuple[AnyMatcher, ...]
    matches_absent: bool = field(init=False)
    test: Callable[[Any], bool] = field(init=False, repr=False, compare=False)
    """Whether a leaf value satisfies any matcher (the matcher's own test when there is one)."""

    def __post_init__(self) -> None:
        absent = any(isinstance(m, Exists) and not m.present for m in self.matchers)
        object.__setattr__(self, "matches_absent", absent)
        matchers = self.matchers
        test = matchers[0].test if len(matchers) == 1 else _any_of(matchers)
        object.__setattr__(self, "test", test)


def _any_of(matchers: tuple[AnyMatcher, ...]) -> Callable[[Any], bool]:
    tests = tuple(m.test for m in matchers)
    return lambda value: any(test(value) for test in tests)


@dataclass(frozen=True, slots=True)
class Branch:
    """A conjunction of conditions: one alternative of the pattern after ``$or`` expansion."""

    conditions: tuple[Condition, ...]

    def matches(self, view: EventView) -> bool:
        constrained: list[set[Membership]] | None = None
        for condition in self.conditions:
            leaves = view.leaves(condition.path)
            if not leaves:
                if condition.matches_absent:
                    continue
                return False
            test = condition.test
            memberships: set[Membership] = set()
            for value, membership in leaves:
                if test(value):
                    if not membership:  # a leaf outside arrays of objects: nothing to pair
                        break
                    memberships.add(membership)
            else:  # only leaves inside arrays of objects matched, if any
                if not memberships:
                    return False
                constrained = constrained or []
                constrained.append(memberships)
        return constrained is None or len(constrained) == 1 or _consistent(constrained)


def _compatible(a: Membership, b: Membership) -> bool:
    """Two leaves can belong to one match unless they sit in different elements of one array."""
    positions = dict(a)
    return all(positions.get(array, index) == index for array, index in b)


def _consistent(options: list[set[Membership]], chosen: tuple[Membership, ...] = ()) -> bool:
    """Can one leaf be picked per condition so that all picks are pairwise compatible?"""
    if len(chosen) == len(options):
        return True
    for candidate in options[len(chosen)]:
        if all(_compatible(candidate, other) for other in chosen) and _consistent(
            options, (*chosen, candidate)
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled, immutable, hashable event pattern.

    Equality and hashing use the canonical JSON text, so ``compile_pattern(p.to_json()) == p``.
    Build one with :func:`bridgetwin.patterns.compile_pattern`.
    """

    canonical: str
    branches: tuple[Branch, ...] = field(compare=False, repr=False)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` matches. Never raises; a non-object event matches nothing."""
        if not isinstance(event, Mapping):
            return False
        return self.matches_view(EventView(event))

    def matches_view(self, view: EventView) -> bool:
        """Match an already-wrapped event (lets many patterns share one flattening)."""
        return any(branch.matches(view) for branch in self.branches)

    def to_json(self) -> str:
        """The pattern as canonical JSON text (sorted keys, no insignificant whitespace)."""
        return self.canonical

    def to_dict(self) -> dict[str, Any]:
        """The pattern as a JSON-compatible dict, e.g. to embed in a CloudFormation template."""
        return json.loads(self.canonical)

    @property
    def fields(self) -> frozenset[str]:
        """Every dotted field path the pattern constrains."""
        return frozenset(c.path for b in self.branches for c in b.conditions)
