"""Redesigns change no result: every example scenario and the benchmark workloads give, at their
fixed seeds, the same ``Result.to_json()`` byte for byte as the reference files written from the
commit before the engine's Model redesign (``tests/_golden.py`` says how they were made)."""

from __future__ import annotations

import difflib

import pytest

from tests._golden import CASES, Deployments, read_reference, result_json


@pytest.fixture(scope="session")
def deployments(tmp_path_factory: pytest.TempPathFactory) -> Deployments:
    return Deployments(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_result_is_byte_identical_to_the_reference(case, deployments):
    expected, actual = read_reference(case), result_json(case, deployments)
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "reference", "now", lineterm="", n=1
        )
        pytest.fail(f"{case.name} changed:\n" + "\n".join(list(diff)[:60]))
