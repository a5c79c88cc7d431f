"""Typed matchers: one small predicate per EventBridge operator, tested against one leaf value.

A leaf value is what an event holds at a field once objects are descended into and arrays are
spread: a string, a number, ``True``/``False`` or ``None``. Every predicate is total: it never
raises, whatever the value's type, and operators that only make sense for one JSON type simply do
not match the others ("5" is not 5; null is not "").
"""

from __future__ import annotations

import enum
import ipaddress
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bridgetwin.patterns._wildcard import wildcard_match


class MatchType(enum.Enum):
    """The operator a matcher implements (AWS's names)."""

    EXACT = "exactly"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    EQUALS_IGNORE_CASE = "equals-ignore-case"
    ANYTHING_BUT = "anything-but"
    NUMERIC = "numeric"
    CIDR = "cidr"
    EXISTS = "exists"
    WILDCARD = "wildcard"


def is_number(value: Any) -> bool:
    """True for JSON numbers; ``bool`` is an ``int`` in Python but never a JSON number."""
    return (type(value) is int) or (type(value) is float and math.isfinite(value))


@dataclass(frozen=True, slots=True)
class Exact:
    """A literal of any JSON type, compared by type and value (numbers numerically: 5 == 5.0)."""

    value: str | int | float | bool | None
    kind: ClassVar[MatchType] = MatchType.EXACT

    def test(self, value: Any) -> bool:
        expected = self.value
        if expected is None or type(expected) is bool:
            return value is expected
        if type(expected) is str:
            return type(value) is str and value == expected
        return is_number(value) and value == expected


@dataclass(frozen=True, slots=True)
class _Affix:
    """A string test at one end of the value, optionally ignoring case."""

    text: str
    ignore_case: bool = False

    def test(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        if self.ignore_case:
            return self._fits(value.lower(), self.text.lower())
        return self._fits(value, self.text)

    @staticmethod
    def _fits(value: str, text: str) -> bool:
        raise NotImplementedError


class Prefix(_Affix):
    """``{"prefix": "us-"}``, optionally ``{"prefix": {"equals-ignore-case": "US-"}}``."""

    __slots__ = ()
    kind: ClassVar[MatchType] = MatchType.PREFIX
    _fits = staticmethod(str.startswith)


class Suffix(_Affix):
    """``{"suffix": ".png"}``, optionally ``{"suffix": {"equals-ignore-case": ".PNG"}}``."""

    __slots__ = ()
    kind: ClassVar[MatchType] = MatchType.SUFFIX
    _fits = staticmethod(str.endswith)


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase:
    """``{"equals-ignore-case": "alice"}``: strings equal after lower-casing both sides."""

    text: str
    kind: ClassVar[MatchType] = MatchType.EQUALS_IGNORE_CASE

    def test(self, value: Any) -> bool:
        return type(value) is str and value.lower() == self.text.lower()


@dataclass(frozen=True, slots=True)
class Numeric:
    """``{"numeric": [">", 0, "<=", 5]}``: JSON numbers inside a (half-)open interval."""

    lower: float = -math.inf
    lower_inclusive: bool = False
    upper: float = math.inf
    upper_inclusive: bool = False
    kind: ClassVar[MatchType] = MatchType.NUMERIC

    def test(self, value: Any) -> bool:
        if not is_number(value):
            return False
        if value < self.lower or (value == self.lower and not self.lower_inclusive):
            return False
        return not (value > self.upper or (value == self.upper and not self.upper_inclusive))


@dataclass(frozen=True, slots=True)
class Cidr:
    """``{"cidr": "10.0.0.0/24"}``: string values that are IP addresses inside the network."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    kind: ClassVar[MatchType] = MatchType.CIDR

    def test(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        try:
            return ipaddress.ip_address(value) in self.network
        except ValueError:
            return False


@dataclass(frozen=True, slots=True)
class Exists:
    """``{"exists": true|false}``. Tested on present leaves only; absence is handled by the field
    condition (``exists: false`` holds exactly when the field has no leaf value)."""

    present: bool
    kind: ClassVar[MatchType] = MatchType.EXISTS

    def test(self, value: Any) -> bool:
        return self.present


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``{"wildcard": "dir/*.png"}``: strings matching the glob (``*`` is the one metacharacter)."""

    text: str
    segments: tuple[str, ...] = field(compare=False, hash=False, repr=False)
    """The literal runs between the ``*`` (see ``_wildcard.wildcard_match``)."""
    kind: ClassVar[MatchType] = MatchType.WILDCARD

    def test(self, value: Any) -> bool:
        return type(value) is str and wildcard_match(self.segments, value)


Matcher = Exact | Prefix | Suffix | EqualsIgnoreCase | Numeric | Cidr | Exists | Wildcard


@dataclass(frozen=True, slots=True)
class AnythingBut:
    """``{"anything-but": ...}``: present values that none of the excluded matchers match.

    The excluded matchers are literals (a value or a list of strings or of numbers), or one of
    prefix, suffix, equals-ignore-case and wildcard (each a single value or a list).
    """

    excluded: tuple[Matcher, ...]
    kind: ClassVar[MatchType] = MatchType.ANYTHING_BUT

    def test(self, value: Any) -> bool:
        return not any(m.test(value) for m in self.excluded)


AnyMatcher = Matcher | AnythingBut
