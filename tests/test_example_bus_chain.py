"""examples/bus-chain: a CDK app with a bus chain across two Regions, synthesized and simulated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._cdk import cfn_lint_errors

pytestmark = pytest.mark.cdk
EXAMPLE = Path(__file__).parent.parent / "examples" / "bus-chain"


@pytest.fixture(scope="module")
def assembly(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("bus_chain_app", EXAMPLE / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_app(str(tmp_path_factory.mktemp("bus-chain"))).synth()


def test_bus_chain_templates_pass_cfn_lint(assembly):
    for stack in assembly.stacks:
        assert cfn_lint_errors(stack.template) == [], stack.stack_name


def test_bus_chain_events_reach_the_partner_webhook_in_the_other_region(assembly):
    result = simulate(load_graph(assembly.directory), load_scenario(EXAMPLE / "scenario.yaml"))

    def target(name: str):
        (found,) = [t for t in result.targets if t.rule.split("/")[1].startswith(name)]
        return found

    forward, audit, webhook = target("Forward"), target("AuditAll"), target("WebhookRule")
    put = sum(
        f["accepted_entries"] for r in result.regions for f in r["feeds"] if f["kind"] == "put"
    )
    hops = {f["name"]: f["accepted_entries"] for r in result.regions for f in r["feeds"]
            if f["kind"] == "hop"}  # fmt: skip
    # every order is forwarded and audited; every forwarded order arrives on the partner bus
    assert forward.counts["ingested"] == audit.counts["ingested"] == put
    (arrived,) = hops.values()
    assert arrived == forward.counts["delivered"] == put
    # four in five are OrderCreated (the template weights): 4 binomial standard deviations
    sigma = (put * 0.8 * 0.2) ** 0.5
    assert abs(webhook.counts["ingested"] - 0.8 * put) < 4 * sigma
    assert webhook.counts["delivered"] + webhook.counts["in_flight"] == webhook.counts["ingested"]
    assert result.slo_passed
    assert "bus-to-bus hops across Regions" not in " ".join(result.assumptions)  # it is stated
