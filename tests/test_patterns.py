"""The public pattern API beyond single-operator semantics: equality, index, sizes, decisions."""

from __future__ import annotations

import doctest

import pytest

import bridgetwin.patterns
from bridgetwin.patterns import (
    MatchType,
    PatternError,
    PatternIndex,
    check_pattern,
    compile_pattern,
)
from bridgetwin.patterns._wildcard import parse_wildcard, wildcard_complexity

ORDER = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 120}}


def test_pattern_is_immutable_and_hashable():
    pattern = compile_pattern({"source": ["acme.orders"]})
    with pytest.raises(AttributeError):
        pattern.canonical = "{}"  # type: ignore[misc]
    assert {pattern: 1}[compile_pattern('{"source": ["acme.orders"]}')] == 1


def test_pattern_equality_ignores_formatting_and_key_order():
    a = compile_pattern('{"source": ["x"], "detail-type": ["y"]}')
    b = compile_pattern({"detail-type": ["y"], "source": ["x"]})
    assert a == b
    assert a.to_json() == '{"detail-type":["y"],"source":["x"]}'


def test_pattern_duplicate_keys_last_one_wins():
    pattern = compile_pattern('{"source": ["a"], "source": ["b"]}')
    assert pattern.matches({"source": "b"})
    assert not pattern.matches({"source": "a"})


def test_pattern_fields_lists_dotted_paths():
    pattern = compile_pattern({"source": ["a"], "detail": {"x": {"y": [1]}}})
    assert pattern.fields == {"source", "detail.x.y"}


def test_pattern_empty_matches_everything():
    assert compile_pattern({}).matches({"anything": 1})


def test_pattern_size_limit_is_configurable():
    big = {"source": ["x" * 3000]}
    with pytest.raises(PatternError, match="limit is 2048"):
        compile_pattern(big)
    assert compile_pattern(big, max_size=4096).matches({"source": "x" * 3000})
    assert compile_pattern(big, max_size=None).matches({"source": "x" * 3000})


def test_pattern_size_counts_text_as_given():
    text = '{"source":    ["a"]}'
    with pytest.raises(PatternError, match="20 characters; the limit is 10"):
        compile_pattern(text, max_size=10)


def test_pattern_or_exactly_1000_combinations_is_accepted():
    # 10 x 10 x 10 = 1000 branches: at the limit, not over it.
    ten = [{f"k{i}": [i]} for i in range(10)]
    body = {"a": {"$or": ten}, "b": {"$or": ten}, "c": {"$or": ten}}
    assert len(compile_pattern(body).branches) == 1000
    body["d"] = {"$or": [{"x": [1]}, {"y": [1]}]}
    with pytest.raises(PatternError, match="Too many combinations"):
        compile_pattern(body)


def test_check_pattern_returns_none_for_valid():
    assert check_pattern({"source": ["a"]}) is None
    assert "Empty arrays" in check_pattern({"source": []})


def test_matcher_kinds_are_typed():
    pattern = compile_pattern({"a": [{"prefix": "x"}, {"numeric": [">", 1]}, "lit"]})
    kinds = [m.kind for m in pattern.branches[0].conditions[0].matchers]
    assert kinds == [MatchType.PREFIX, MatchType.NUMERIC, MatchType.EXACT]


def test_wildcard_complexity_grows_with_repeats_after_wildcards():
    simple = wildcard_complexity(parse_wildcard("dir/*.png"))
    repeated = wildcard_complexity(parse_wildcard("*a*a*a*a*a"))
    assert simple < repeated
    assert wildcard_complexity(parse_wildcard("*a" * 60)) > 100


def test_wildcard_complexity_limit_is_configurable():
    text = {"f": [{"wildcard": "*a*a*a*a*a"}]}
    compile_pattern(text)
    with pytest.raises(PatternError, match="Rule is too complex"):
        compile_pattern(text, wildcard_complexity_limit=5)


def test_index_routes_to_matching_keys_in_insertion_order():
    index: PatternIndex[str] = PatternIndex()
    index.add("by-amount", compile_pattern({"detail": {"amount": [{"numeric": [">", 100]}]}}))
    index.add("orders", compile_pattern({"source": ["acme.orders"]}))
    index.add("payments", compile_pattern({"source": ["acme.payments"]}))
    index.add("created", compile_pattern({"detail-type": ["OrderCreated", "OrderUpdated"]}))
    assert index.matching(ORDER) == ["by-amount", "orders", "created"]
    assert index.matching({"source": "acme.payments"}) == ["payments"]
    assert index.matching("not an event") == []  # type: ignore[arg-type]


def test_index_rejects_duplicate_keys_and_supports_removal():
    index: PatternIndex[str] = PatternIndex()
    index.add("a", compile_pattern({"source": ["acme.orders"]}))
    with pytest.raises(KeyError, match="already"):
        index.add("a", compile_pattern({"source": ["x"]}))
    index.remove("a")
    assert "a" not in index
    assert len(index) == 0
    assert index.matching(ORDER) == []


def test_index_key_with_several_branches_reported_once():
    index: PatternIndex[str] = PatternIndex()
    body = {"$or": [{"source": ["acme.orders"]}, {"detail-type": ["OrderCreated"]}]}
    index.add("either", compile_pattern(body))
    assert index.matching(ORDER) == ["either"]


def test_index_anchors_on_dotted_paths_and_arrays():
    index: PatternIndex[str] = PatternIndex()
    index.add("tag", compile_pattern({"detail": {"tags": ["vip"]}}))
    assert index.matching({"detail": {"tags": ["new", "vip"]}}) == ["tag"]
    assert index.matching({"detail.tags": "vip"}) == ["tag"]
    assert index.matching({"detail": {"tags": "regular"}}) == []


def test_module_docstring_examples_hold():
    """The examples in ``bridgetwin.patterns``' docstring are what a user sees."""
    result = doctest.testmod(bridgetwin.patterns)
    assert (result.attempted, result.failed) == (3, 0)
