"""Patterns and events from elsewhere: bad input is a PatternError with AWS's words, never a
crash, and matching never raises, however the event is nested."""

from __future__ import annotations

import pytest

from bridgetwin.patterns import PatternError, check_pattern, compile_pattern


@pytest.mark.parametrize(
    ("pattern", "message"),
    [({"a": [{"numeric": [">", 6e9]}]},
      "a[0].numeric[1]: Value of > is 6e+09, outside the range AWS documents for numeric "
      "matching (-5e+09 to 5e+09)"),
     ({"a": [{"numeric": ["=", -5.5e9]}]},
      "a[0].numeric[1]: Value of = is -5.5e+09, outside the range AWS documents"),
     ({"a": [{"cidr": "10.0.0.0/\u0663"}]},
      "a[0].cidr: Malformed CIDR, mask bits must be an integer: 10.0.0.0/\u0663"),
     ({"a": [{"cidr": "\uff11.2.3.4/8"}]}, "a[0].cidr: Nonstandard IP address: \uff11.2.3.4")],
)  # fmt: skip
def test_out_of_range_numbers_and_non_ascii_cidrs_are_refused(pattern, message):
    assert message in (check_pattern(pattern) or "")


def test_without_the_documented_limit_any_finite_number_compiles_as_event_ruler_does():
    pattern = compile_pattern({"a": [{"numeric": [">", 1e10]}]}, numeric_limit=None)
    assert pattern.matches({"a": 5e10}) and not pattern.matches({"a": 1e10})


def test_numbers_at_the_documented_limits_compile():
    pattern = compile_pattern({"a": [{"numeric": [">=", -5e9, "<=", 5e9]}]})
    assert pattern.matches({"a": 5e9}) and not pattern.matches({"a": 5.000001e9})


def _nested(levels: int) -> dict:
    pattern: dict = {"x": [1]}
    for _ in range(levels):
        pattern = {"a": pattern}
    return pattern


@pytest.mark.parametrize("source", [_nested(5000), '{"a":' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_patterns_are_a_pattern_error(source):
    with pytest.raises(PatternError, match="Event pattern nests more than 100 levels"):
        compile_pattern(source, max_size=None)


def test_a_pattern_nested_within_the_limit_compiles():
    assert compile_pattern(_nested(98), max_size=None).matches(_nested(98))


def test_matching_never_raises_on_deeply_nested_events():
    """A leaf under 100,000 levels of arrays still matches; objects in nested arrays too."""
    pattern = compile_pattern({"detail": {"a": [1]}})
    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    assert pattern.matches({"detail": {"a": deep}})
    objects: object = {"a": 1}
    for _ in range(100_000):
        objects = [objects]
    assert pattern.matches({"detail": objects})
    assert not pattern.matches({"detail": {"a": [[[2]]]}})
