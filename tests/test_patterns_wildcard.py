"""The wildcard matcher: same answers as a regex, in time linear in the value's length."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgetwin.patterns._wildcard import (
    parse_wildcard,
    wildcard_complexity,
    wildcard_match,
    wildcard_segments,
)

_PATTERNS = st.text(alphabet="ab*", max_size=10).filter(lambda p: "**" not in p)
_VALUES = st.text(alphabet="abc", max_size=14)


def _reference(pattern: str, value: str) -> bool:
    """A second model: ``*`` as ``.*`` in a backtracking regex (fine on tiny inputs)."""
    regex = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


@given(_PATTERNS, _VALUES)
def test_wildcard_match_agrees_with_a_regex_h(pattern, value):
    segments = wildcard_segments(parse_wildcard(pattern))
    assert wildcard_match(segments, value) is _reference(pattern, value)


def test_wildcard_worst_case_is_linear_under_a_time_limit():
    """``*a*a*a*a*b`` against 200,000 ``a``: a backtracking matcher needs on the order of n**4
    steps (it hung for minutes on 1,000); this one finishes well inside the harness's 20 s."""
    code = (
        "from bridgetwin.patterns import compile_pattern\n"
        "p = compile_pattern({'x': [{'wildcard': '*a*a*a*a*b'}]})\n"
        "assert not p.matches({'x': 'a' * 200_000})\n"
        "assert p.matches({'x': 'a' * 200_000 + 'b'})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=20)


def _explored_complexity(tokens):
    """The reference: the most states any reachable subset of the automaton holds, by exploring
    every subset (exponential in the worst case, fine for short patterns)."""
    count = len(tokens)

    def closure(states):
        out = set(states)
        for state in sorted(states):
            s = state
            while s < count and tokens[s] is None and s + 1 not in out:
                out.add(s + 1)
                s += 1
        return frozenset(out)

    alphabet = {t for t in tokens if t is not None} | {"\x00"}
    start = closure({0})
    seen, frontier, worst = {start}, [start], len(start)
    while frontier:
        current = frontier.pop()
        for char in alphabet:
            moved = {s if tokens[s] is None else s + 1
                     for s in current if s < count and (tokens[s] is None or tokens[s] == char)}  # fmt: skip
            following = closure(moved)
            if following and following not in seen:
                seen.add(following)
                frontier.append(following)
                worst = max(worst, len(following))
    return worst


@given(st.text(alphabet="ab*", max_size=14).filter(lambda p: "**" not in p))
@settings(max_examples=400, deadline=None)
def test_complexity_equals_exploring_every_reachable_state_set_h(pattern):
    tokens = parse_wildcard(pattern)
    assert wildcard_complexity(tokens) == _explored_complexity(tokens)


def test_complexity_of_a_long_pattern_is_quadratic_not_exponential():
    """2,000 characters of repeats after wildcards: computed at once (the subset exploration it
    replaces would not finish)."""
    code = (
        "from bridgetwin.patterns._wildcard import parse_wildcard, wildcard_complexity; "
        "print(wildcard_complexity(parse_wildcard('*' + 'ab*' * 300 + 'aab' * 300)))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, timeout=20, capture_output=True)
    assert int(out.stdout) > 100
