"""``bridgetwin migrate``: the migrated templates are valid CloudFormation (cfn-lint with the
EventsV2 schemas) and load in the twin; the faithful migration behaves as the Classic deployment
under the same scenario and seeds, and the one relying on AWS's defaults loses exactly the events
an independent retry timeline says it does; every feature that does not translate is listed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from bridgetwin.graph import load_graph, read_sources
from bridgetwin.migration import compare_migration, migrate
from tests._migration import cfn_lint, fan_out_template, transformer_template

ROOT = Path(__file__).resolve().parent.parent
EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 120}}


def migrated(template_or_sources):
    sources = read_sources(template_or_sources)
    graph = load_graph(sources)
    return graph, migrate(sources, graph)


def disrupted(bus: str = "orders") -> dict:
    """Thirty minutes at 3 events/s with 5 % server errors and a 10-minute outage of every
    endpoint: retries, DLQs and latencies all move."""
    return {
        "duration": "30m", "seed": 1,
        "traffic": [{"bus": bus, "rate": 3, "events": [{"event": EVENT}]}],
        "endpoints": [{"match": "*", "latency": {"distribution": "lognormal", "median": "80ms",
                                                "p99": "1s"},
                       "responses": {200: 0.95, 500: 0.05},
                       "outages": [{"start": "5m", "end": "15m", "status": 503}]}],
    }  # fmt: skip


@pytest.fixture(scope="module")
def bundled(webhook_template):
    return migrated(copy.deepcopy(webhook_template))


SHAPES = {"fan-out": fan_out_template, "transformers": transformer_template}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_migrated_templates_pass_cfn_lint_and_load_in_the_twin(shape):
    template = SHAPES[shape]()
    assert cfn_lint(template) == []  # the Classic input is clean to begin with
    _, migration = migrated(template)
    for stacks in (migration.faithful, migration.aws_defaults):
        assert cfn_lint(stacks[0].template) == []
        graph = load_graph(stacks)
        assert not graph.rules and len(graph.subscribers) == 3
        assert {s.bus for s in graph.subscribers} == {graph.custom_buses[0].id}


def test_the_bundled_webhook_stack_migrates_cleanly(bundled):
    _, migration = bundled
    template = migration.faithful[0].template
    assert cfn_lint(template) == []
    types = [r["Type"] for r in template["Resources"].values()]
    assert "AWS::Events::Rule" not in types and "AWS::Events::EventBus" not in types
    assert types.count("AWS::EventsV2::Subscriber") == 2
    assert not [f for f in migration.findings if f.severity.value == "error"]


def _verdicts(report) -> dict[str, str]:
    return {f"{c.target} {c.metric}": c.verdict for c in report.changes}


@pytest.mark.parametrize("shape", ["bundled", *sorted(SHAPES)])
def test_the_faithful_migration_changes_no_delivery_metric(shape, bundled):
    graph, migration = bundled if shape == "bundled" else migrated(SHAPES[shape]())
    spec = yaml.safe_load((ROOT / "examples/black-friday.yaml").read_text()) if (
        shape == "bundled") else disrupted()  # fmt: skip
    comparison = compare_migration(graph, migration, spec, runs=10)
    faithful = _verdicts(comparison.faithful)
    paired = {key for key in faithful if key.split("/", 1)[0] != "BridgetwinGlobalPrimary"}
    assert all(faithful[key] in ("unchanged", "within noise", "no data") for key in paired), {
        k: v for k, v in faithful.items() if v not in ("unchanged", "within noise", "no data")
    }
    assert not any(v in ("added", "removed") for v in faithful.values())  # every pair matched
    assert comparison.faithful.structural == ()
    defaults = _verdicts(comparison.aws_defaults)
    assert any(v == "changed" for k, v in defaults.items() if k.endswith("counts.dlq"))


def _timeline(ingest: float, retries: int, outage: tuple[float, float]) -> bool:
    """Whether an order ingested at ``ingest`` is given up: every one of its ``retries + 1``
    attempts (1 s, then doubling, no jitter, cap 300 s) falls inside the outage."""
    at, delay = ingest, 1.0
    for _ in range(retries + 1):
        if not outage[0] <= at < outage[1]:
            return False
        at, delay = at + delay, min(300.0, delay * 2)
    return True


def test_under_black_friday_aws_defaults_lose_what_the_retry_timeline_says(bundled):
    """The example's exact black-friday outage (examples/custom-bus/migration/outage.yaml): one
    order every 20 s from 0.37 s, no latency, no random failures, no jitter, the webhook down
    from 30m to 50m. Under AWS's defaults (5 retries) an order is lost when all 6 attempts
    (within 31 s) fall inside the outage; the faithful migration keeps the webhook's 10 retries /
    2 h and loses what Classic loses (attempts spread over 811 s)."""
    graph, migration = bundled
    spec = yaml.safe_load((ROOT / "examples/custom-bus/migration/outage.yaml").read_text())
    arrivals = [0.37 + 20 * k for k in range(360)]
    outage = (30 * 60.0, 50 * 60.0)
    comparison = compare_migration(graph, migration, spec, runs=2)
    dlq = {(side, c.target): c for side in ("faithful", "aws_defaults")
           for c in getattr(comparison, side).changes if c.metric == "counts.dlq"}  # fmt: skip
    webhook = next(t for _, t in dlq if "OrderWebhook" in t)
    lost = sum(_timeline(t, 5, outage) for t in arrivals)
    assert dlq[("aws_defaults", webhook)].head == lost > 0
    classic = sum(_timeline(t, 10, outage) for t in arrivals)
    assert dlq[("faithful", webhook)].base == dlq[("faithful", webhook)].head == classic < lost
    assert dlq[("faithful", webhook)].verdict == "unchanged"


def test_references_to_the_classic_bus_follow_the_new_one():
    template = fan_out_template()
    template["Resources"]["Publisher"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "events:PutEvents",
                        "Resource": _sub("${Bus.Arn}"),
                    }
                ],
            }
        },
    }
    _, migration = migrated(template)
    out = migration.faithful[0].template
    assert out["Outputs"] == {"BusArn": {"Value": {"Fn::GetAtt": ["BusV2", "EventBusArn"]}}}
    statement = out["Resources"]["Publisher"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Resource"] == _sub("${BusV2.EventBusArn}")
    assert out["Resources"]["BusV2"]["Properties"]["StorageConfiguration"] == {
        "RetentionPeriodInDays": 30
    }
    assert "FnPermission" not in out["Resources"] and "DlqPolicy" not in out["Resources"]
    jobs = out["Resources"]["JobsPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Effect"] for s in jobs] == ["Deny"]  # the TLS guard stays, the rule's grant goes


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


def test_a_rule_on_a_bus_in_another_stack_reads_it_through_an_export(tmp_path: Path):
    bus_stack = {"Resources": {"Bus": {"Type": "AWS::Events::EventBus",
                                       "Properties": {"Name": "orders"}}},
                 "Outputs": {"BusName": {"Value": {"Ref": "Bus"},
                                         "Export": {"Name": "orders-bus-name"}}}}  # fmt: skip
    consumer = fan_out_template()
    del consumer["Resources"]["Bus"], consumer["Resources"]["Archive"], consumer["Outputs"]
    consumer["Resources"]["Rule"]["Properties"]["EventBusName"] = {
        "Fn::ImportValue": "orders-bus-name"
    }
    for name, body in (("buses", bus_stack), ("consumers", consumer)):
        (tmp_path / f"{name}.json").write_text(json.dumps(body))
    (tmp_path / "deployment.yaml").write_text(yaml.safe_dump({"stacks": [
        {"template": "buses.json"}, {"template": "consumers.json"}]}))  # fmt: skip
    _, migration = migrated(str(tmp_path / "deployment.yaml"))
    stacks = {s.name: s.template for s in migration.faithful}
    export = stacks["buses"]["Outputs"]["BusV2EventBusArn"]["Export"]["Name"]
    subscriber = stacks["consumers"]["Resources"]["RuleJobsSubscriber"]["Properties"]
    assert subscriber["EventBusArn"] == {"Fn::ImportValue": export}
    assert stacks["buses"]["Outputs"]["BusName"]["Value"] == "orders"
    graph = load_graph(migration.faithful)
    assert {s.bus for s in graph.subscribers} == {"buses/BusV2"}
