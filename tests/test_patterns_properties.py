"""Invariants of the pattern engine, checked on generated patterns and events (hypothesis)."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgetwin.patterns import PatternError, PatternIndex, compile_pattern

FIELDS = ["source", "detail-type", "region", "a", "b"]
STRINGS = st.sampled_from(["", "a", "ab", "abc", "aws.ec2", "x.y", "10.0.0.1", "US-East", "*"])
SCALARS = st.one_of(
    STRINGS,
    st.integers(-5, 5),
    st.floats(-10, 10, allow_nan=False),
    st.booleans(),
    st.none(),
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from([*FIELDS, "detail"]), children, max_size=3)
    ),
    max_leaves=12,
)
EVENTS = st.dictionaries(st.sampled_from([*FIELDS, "detail"]), JSON, max_size=5)

OPERATORS = st.one_of(
    SCALARS,
    st.builds(lambda s: {"prefix": s}, STRINGS),
    st.builds(lambda s: {"suffix": {"equals-ignore-case": s}}, STRINGS),
    st.builds(lambda s: {"equals-ignore-case": s}, STRINGS),
    st.builds(lambda s: {"anything-but": s}, STRINGS),
    st.builds(lambda s: {"anything-but": {"prefix": s}}, STRINGS.filter(bool)),
    st.builds(lambda n: {"numeric": [">", n]}, st.integers(-5, 5)),
    st.builds(lambda n: {"numeric": [">=", n, "<", n + 3]}, st.integers(-5, 5)),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.just({"cidr": "10.0.0.0/8"}),
    st.builds(lambda s: {"wildcard": s + "*"}, st.sampled_from(["a", "aws.", "x"])),
)
LEAF_LISTS = st.lists(OPERATORS, min_size=1, max_size=3)
PATTERN_BODIES = st.recursive(
    st.dictionaries(st.sampled_from(FIELDS), LEAF_LISTS, min_size=1, max_size=3),
    lambda inner: st.one_of(
        st.dictionaries(st.sampled_from(FIELDS), LEAF_LISTS, min_size=1, max_size=2).flatmap(
            lambda base: st.builds(lambda d: {**base, "detail": d}, inner)
        ),
        st.lists(inner, min_size=2, max_size=3).map(lambda alts: {"$or": alts}),
    ),
    max_leaves=6,
)


@given(PATTERN_BODIES, EVENTS)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_matches_never_raises_h(body, event):
    """Whatever the event holds, matching answers True or False."""
    assert compile_pattern(body).matches(event) in (True, False)


@given(JSON)
def test_matches_never_raises_on_any_json_value_h(value):
    """Even a non-object "event" is answered, not raised on."""
    pattern = compile_pattern({"source": ["a"], "detail": {"a": [{"exists": False}]}})
    assert pattern.matches(value) in (True, False)


@given(PATTERN_BODIES)
def test_to_json_round_trips_h(body):
    """compile_pattern(p.to_json()) == p, with equal hashes."""
    pattern = compile_pattern(body)
    again = compile_pattern(pattern.to_json())
    assert again == pattern
    assert hash(again) == hash(pattern)


@given(st.lists(PATTERN_BODIES, min_size=1, max_size=8), st.lists(EVENTS, max_size=10))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_index_returns_what_every_pattern_returns_h(bodies, events):
    """The index's answer is exactly the keys whose pattern matches, in insertion order."""
    index: PatternIndex[int] = PatternIndex()
    patterns = []
    for key, body in enumerate(bodies):
        pattern = compile_pattern(body)
        patterns.append(pattern)
        index.add(key, pattern)
    for event in events:
        expected = [k for k, p in enumerate(patterns) if p.matches(event)]
        assert index.matching(event) == expected


@given(st.text(max_size=40))
def test_arbitrary_text_is_compiled_or_rejected_h(text):
    """Any text either compiles or raises PatternError; nothing else escapes."""
    with contextlib.suppress(PatternError):
        compile_pattern(text)
