"""The project's own synthesized app loads into the graph with what app.py declares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import TargetKind, load_graph

pytestmark = pytest.mark.cdk
REPO = Path(__file__).parent.parent


WEBHOOK = "https://webhook.example.com/orders"


def _webhook_rule(graph):
    (rule,) = [
        r
        for r in graph.rules
        if r.targets[0].api_destination
        and graph.get(r.targets[0].api_destination).endpoint == WEBHOOK
    ]
    return rule


def test_example_assembly_loads(example_assembly):
    graph = load_graph(example_assembly.directory)
    rule = _webhook_rule(graph)
    assert graph.get(rule.bus).name == "orders"
    (target,) = rule.targets
    assert target.kind is TargetKind.API_DESTINATION
    assert (
        target.retry_policy.maximum_retry_attempts,
        target.retry_policy.maximum_event_age_seconds,
    ) == (10, 7200)
    destination = graph.get(target.api_destination)
    assert destination.rate_limit_per_second == 1
    assert graph.get(destination.connection).authorization_type == "API_KEY"
    assert graph.get(target.dead_letter_queue).encryption == "sqs-managed"
    assert graph.rule_arn(rule).endswith(f":rule/orders/{rule.name}")


def test_cli_graph_json_shape(example_assembly):
    result = CliRunner().invoke(app, ["graph", example_assembly.directory, "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    for key in ("buses", "rules", "connections", "api_destinations", "archives", "endpoints",
                "alarms", "health_checks", "queues", "other"):  # fmt: skip
        assert isinstance(data[key], list), key
    destinations = {d["id"]: d for d in data["api_destinations"]}
    connections = {c["id"]: c for c in data["connections"]}
    queues = {q["id"] for q in data["queues"]}
    (rule,) = [
        r for r in data["rules"]
        if r["targets"][0]["api_destination"]
        and destinations[r["targets"][0]["api_destination"]]["endpoint"] == WEBHOOK
    ]  # fmt: skip
    assert set(rule) >= {"id", "bus", "pattern", "state", "targets"}
    (target,) = rule["targets"]
    assert target["kind"] == "api-destination"
    assert target["retry_policy"]["maximum_retry_attempts"] == 10
    assert target["retry_policy"]["maximum_event_age_seconds"] == 7200
    assert target["dead_letter_queue"] in queues
    destination = destinations[target["api_destination"]]
    assert destination["rate_limit_per_second"] == 1
    assert destination["http_method"] == "POST"
    assert connections[destination["connection"]]["authorization_type"] == "API_KEY"


def test_cdk_app_directory_is_synthesized_through_cdk_json():
    """SOURCE may be a CDK app: its cdk.json "app" command runs first (no CDK CLI needed)."""
    result = CliRunner().invoke(app, ["graph", str(REPO)])
    assert result.exit_code == 0, result.stderr
    assert "POST https://webhook.example.com/orders at 1/s" in result.stdout
