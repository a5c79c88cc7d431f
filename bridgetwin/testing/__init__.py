"""Synth-time assertions for CI: build a twin of a stack, simulate a scenario, assert SLOs.

The shortest useful test::

    from bridgetwin.testing import expect, twin
    from my_app import ShopStack
    import aws_cdk as cdk

    def test_webhook_keeps_up_with_a_sale():
        run = twin(ShopStack(cdk.App(), "Shop")).simulate("tests/sale.yaml")
        expect(run).target("OrderWebhook").start_latency(p99="30s").lost(0)

``twin`` takes a CDK ``Stack`` or ``App`` (synthesized in-process), a cloud assembly, a CDK app
directory, template paths or a template dict; targets are named the same way whichever it was
(:mod:`._twin`). ``expect`` checks one target's latencies and counts (``expect_all`` a block of
checks, all reported together); ``assert_slo`` checks the
scenario's own ``slo:`` entries. A failure raises :class:`SloAssertionError` (an ``AssertionError``)
whose message is a table of expected against predicted values with the scenario's seed. With
pytest, the plugin (:mod:`.plugin`, registered as ``bridgetwin``) adds a ``twin`` fixture that
caches synthesized stacks for the session, and ``--bridgetwin-results DIR``, which keeps the
results of a failing test's runs. :class:`TwinValidation` (:mod:`.cdk_validation`) is the CDK
validation plugin: ``cdk synth`` fails when the twin predicts an SLO violation. Importing this
module imports no CDK, boto3 or plotting code (``TwinValidation`` loads CDK when first named).
"""

from __future__ import annotations

import importlib
from typing import Any

from bridgetwin.testing._expect import (
    Expectation,
    SloAssertionError,
    TargetExpectation,
    assert_slo,
    expect,
    expect_all,
)
from bridgetwin.testing._twin import Twin, TwinRun, twin

__all__ = [
    "Expectation",
    "SloAssertionError",
    "TargetExpectation",
    "Twin",
    "TwinRun",
    "TwinValidation",
    "assert_slo",
    "expect",
    "expect_all",
    "twin",
]


def __getattr__(name: str) -> Any:
    """``TwinValidation`` on first use: it imports ``aws_cdk``, which a plain test run need not."""
    if name == "TwinValidation":
        return importlib.import_module("bridgetwin.testing.cdk_validation").TwinValidation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
