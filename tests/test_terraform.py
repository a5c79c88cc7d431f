"""Terraform plans (``terraform show -json``) load into the same graph, lint and twin as the
CloudFormation form of the same deployment: values known after apply follow the configuration's
references (into modules, across ``count`` and ``for_each`` instances), what refers outside the
plan is a parameter without a value, and sensitive values are never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridgetwin.cli import main
from bridgetwin.graph import TemplateError, load_graph
from bridgetwin.graph.lint import lint_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._templates import EVENT, webhook_template
from tests._terraform import PATTERN, Res, plan, webhook_plan

EXACT = {"duration": "10m", "seed": 3,
         "eventbridge": {"processing_latency": 0, "retry_backoff": {"jitter": "none"}},
         "traffic": [{"bus": "orders", "rate": 5, "arrival": "constant", "events": [{"event": EVENT}]}],
         "endpoints": [{"match": "*", "latency": 0, "outages": [{"start": "2m", "end": "4m", "status": 503}]}]}  # fmt: skip


def _write(tmp_path: Path, name: str, document: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def test_the_terraform_form_gives_the_cloudformation_forms_graph_lint_and_result(tmp_path):
    cfn = load_graph(webhook_template(rate=3, retries=5, age=600))
    tf = load_graph(_write(tmp_path, "plan.json", webhook_plan(rate=3, retries=5, age=600)))
    (rule_c,), (rule_t,) = cfn.rules, tf.rules
    assert rule_t.id == "aws_cloudwatch_event_rule.to_webhook" and rule_t.name == rule_c.name
    assert rule_t.pattern.to_dict() == rule_c.pattern.to_dict()
    assert tf.get(rule_t.bus).name == cfn.get(rule_c.bus).name == "orders"
    (target_c,), (target_t,) = rule_c.targets, rule_t.targets
    assert (target_t.kind, target_t.retry_policy) == (target_c.kind, target_c.retry_policy)
    assert target_t.dead_letter_queue == "module.dlq.aws_sqs_queue.this"
    assert [d.rate_limit_per_second for d in tf.api_destinations] == [3]
    assert {f.code for f in lint_graph(tf)} == {f.code for f in lint_graph(cfn)}
    spec = load_scenario(EXACT)
    (got_c,), (got_t,) = simulate(cfn, spec).targets, simulate(tf, spec).targets
    assert got_t.counts == got_c.counts and got_t.counts["retries"] > 0
    assert got_t.latency_ms == got_c.latency_ms


def test_sensitive_values_are_never_shown(tmp_path, capsys):
    path = _write(tmp_path, "plan.json", webhook_plan())
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", path, "--format", "json"])
    assert exit_info.value.code == 0
    assert "s3cr3t" not in capsys.readouterr().out
    assert "s3cr3t" not in json.dumps(load_graph(path).connections[0].__repr__())


def test_for_each_and_count_instances_link_to_their_own_peers(tmp_path):
    """Two queues and two rules by for_each over the same keys, each rule's target
    (``arn = aws_sqs_queue.q[each.key].arn``) to the queue of its key, and one DLQ made with
    count (``aws_sqs_queue.dlq[0].arn``)."""
    resources = [
        Res("aws_cloudwatch_event_bus", "orders", {"name": "orders"}),
        Res("aws_sqs_queue", "dlq", {"name": "dlq"}, index=0, unknown={"arn": True}),
    ]
    for key in ("eu", "us"):
        resources += [
            Res("aws_sqs_queue", "q", {"name": f"orders-{key}"}, index=key, unknown={"arn": True}),
            Res("aws_cloudwatch_event_rule", "r", {"name": f"orders-{key}", "event_bus_name": "orders",
                                                   "event_pattern": json.dumps({**PATTERN, "region": [f"{key}-1"]})},
                index=key),
            Res("aws_cloudwatch_event_target", "t", {"target_id": "queue", "event_bus_name": "orders",
                                                     "dead_letter_config": [{}]},
                index=key, unknown={"arn": True, "rule": True, "dead_letter_config": [{"arn": True}]},
                refs={"arn": ["aws_sqs_queue.q", "each.key"],
                      "rule": ["aws_cloudwatch_event_rule.r", "each.key"],
                      "dead_letter_config": [{"arn": ["aws_sqs_queue.dlq[0].arn", "aws_sqs_queue.dlq[0]",
                                                      "aws_sqs_queue.dlq"]}]}),
        ]  # fmt: skip
    graph = load_graph(_write(tmp_path, "plan.json", plan(resources)))
    by_rule = {r.id: (r.targets[0].resource, r.targets[0].dead_letter_queue) for r in graph.rules}
    assert by_rule == {
        'aws_cloudwatch_event_rule.r["eu"]': ('aws_sqs_queue.q["eu"]', "aws_sqs_queue.dlq[0]"),
        'aws_cloudwatch_event_rule.r["us"]': ('aws_sqs_queue.q["us"]', "aws_sqs_queue.dlq[0]")}  # fmt: skip


def test_a_value_from_outside_the_plan_is_a_parameter_without_a_value(tmp_path, capsys):
    resources = [
        Res("aws_cloudwatch_event_bus", "orders", {"name": "orders"}),
        Res("aws_cloudwatch_event_rule", "r", {"name": "r", "event_bus_name": "orders",
                                               "event_pattern": json.dumps(PATTERN)}),
        Res("aws_cloudwatch_event_target", "t", {"target_id": "q", "rule": "r", "event_bus_name": "orders"},
            unknown={"arn": True}, refs={"arn": ["var.queue_arn"]}),
    ]  # fmt: skip
    path = _write(tmp_path, "plan.json", plan(resources))
    graph = load_graph(path)
    (warning,) = [w for w in graph.warnings if w.code == "parameter-placeholder"]
    assert "TerraformUnknown1" in warning.message
    given = load_graph(path, {"TerraformUnknown1": "arn:aws:sqs:us-east-1:123456789012:jobs"})
    assert given.rules[0].targets[0].arn == "arn:aws:sqs:us-east-1:123456789012:jobs"


def test_an_unsupported_format_is_refused_naming_it(tmp_path):
    with pytest.raises(TemplateError, match=r"format_version '2\.0'"):
        load_graph(_write(tmp_path, "plan.json", {**webhook_plan(), "format_version": "2.0"}))


def test_the_example_plan_is_the_one_these_tests_build():
    example = Path(__file__).resolve().parent.parent / "examples/terraform/plan.json"
    assert json.loads(example.read_text()) == webhook_plan(rate=3, retries=5, age=600)
