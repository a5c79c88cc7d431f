"""Comparing results: equal structure and values, floats to a relative tolerance."""

from __future__ import annotations

from typing import Any

import pytest


def assert_same(a: Any, b: Any, path: str = "result", rel: float = 1e-9) -> None:
    """``a == b`` recursively, floats to ``rel`` (arithmetic grouped differently rounds
    differently); the failure names the first differing path."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}", rel)
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=rel, abs=rel), path
    else:
        assert a == b, path
