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


def test_the_custom_event_bus_through_the_awscc_provider_loads_as_its_template_does(tmp_path):
    """``awscc_eventsv2_*`` resources (CloudFormation's schema in snake_case) give the graph the
    CloudFormation form gives: the bus's retention, the subscriber's filters, target, retry
    policy, batching, ordering and on-failure queue, linked through values known after apply;
    and the same result at the same seed."""
    import json as _json

    from bridgetwin.graph.custom_bus_nodes import FilterScope
    from tests._terraform import Res, plan

    pattern = _json.dumps({"source": ["acme.orders"]})
    subscriber = {
        "name": "fulfilment", "event_bus_arn": None, "subscriber_arn": None, "type": "FIFO",
        "filter_configuration": {"filters": [{"scope": "DATA", "pattern": pattern}]},
        "invoke_configuration": {"target_arn": None, "role_arn":
                                 "arn:aws:iam::123456789012:role/deliver",
                                 "sqs_parameters": {"message_group_id": "{% $events[0].id %}"}},
        "retry_policy": {"max_retry_attempts": 185, "max_event_age_in_seconds": 86400},
        "on_failure_configuration": {"arn": None},
        "batch_configuration": {"max_batch_size": 10, "max_batch_window_in_seconds": 5},
    }  # fmt: skip
    document = plan([
        Res("awscc_eventsv2_event_bus", "orders", {"name": "orders", "event_bus_arn": None,
            "storage_configuration": {"retention_period_in_days": 7}},
            unknown={"event_bus_arn": True}),
        Res("aws_sqs_queue", "jobs", {"name": "jobs.fifo", "fifo_queue": True, "arn": None},
            unknown={"arn": True}),
        Res("aws_sqs_queue", "failures", {"name": "failures", "arn": None}, unknown={"arn": True}),
        Res("awscc_eventsv2_subscriber", "fulfilment", subscriber,
            unknown={"event_bus_arn": True, "subscriber_arn": True,
                     "invoke_configuration": {"target_arn": True},
                     "on_failure_configuration": {"arn": True}},
            refs={"event_bus_arn": ["awscc_eventsv2_event_bus.orders.event_bus_arn"],
                  "invoke_configuration": {"target_arn": ["aws_sqs_queue.jobs.arn"]},
                  "on_failure_configuration": {"arn": ["aws_sqs_queue.failures.arn"]}}),
    ])  # fmt: skip
    template = {"Resources": {
        "Orders": {"Type": "AWS::EventsV2::EventBus", "Properties": {
            "Name": "orders", "StorageConfiguration": {"RetentionPeriodInDays": 7}}},
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs.fifo",
                                                          "FifoQueue": True}},
        "Failures": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "failures"}},
        "Fulfilment": {"Type": "AWS::EventsV2::Subscriber", "Properties": {
            "Name": "fulfilment", "Type": "FIFO",
            "EventBusArn": {"Fn::GetAtt": ["Orders", "EventBusArn"]},
            "FilterConfiguration": {"Filters": [{"Scope": "DATA", "Pattern": pattern}]},
            "InvokeConfiguration": {"TargetArn": {"Fn::GetAtt": ["Jobs", "Arn"]},
                                    "RoleArn": "arn:aws:iam::123456789012:role/deliver",
                                    "SqsParameters": {"MessageGroupId": "{% $events[0].id %}"}},
            "RetryPolicy": {"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86400},
            "OnFailureConfiguration": {"Arn": {"Fn::GetAtt": ["Failures", "Arn"]}},
            "BatchConfiguration": {"MaxBatchSize": 10, "MaxBatchWindowInSeconds": 5}}},
    }}  # fmt: skip
    tf = load_graph(_write(tmp_path, "plan.json", document))
    cfn = load_graph(template)
    (bus_t,), (bus_c,) = tf.custom_buses, cfn.custom_buses
    assert (bus_t.name, bus_t.retention_days) == (bus_c.name, bus_c.retention_days) == ("orders", 7)
    (sub_t,), (sub_c,) = tf.subscribers, cfn.subscribers
    assert sub_t.bus == "awscc_eventsv2_event_bus.orders"
    assert sub_t.target.resource == "aws_sqs_queue.jobs"
    assert sub_t.target.dead_letter_queue == "aws_sqs_queue.failures"
    for field in ("name", "ordering", "batch_size", "batch_window_seconds", "target_family"):
        assert getattr(sub_t, field) == getattr(sub_c, field), field
    assert sub_t.target.retry_policy == sub_c.target.retry_policy
    assert [(f.scope, f.pattern.to_dict()) for f in sub_t.filters] == [
        (FilterScope.DATA, {"source": ["acme.orders"]})]  # fmt: skip
    spec = load_scenario({"duration": "2m", "seed": 4, "traffic": [{"bus": "orders", "rate": 3,
        "event_groups": 3, "events": [{"event": {"source": "acme.orders",
                                                 "detail-type": "Order", "detail": {}}}]}]})  # fmt: skip
    (got_t,), (got_c,) = simulate(tf, spec).targets, simulate(cfn, spec).targets
    assert got_t.counts == got_c.counts and got_t.counts["delivered"] > 0


def _cdk_webhook(outdir: str) -> str:
    """``webhook_template(rate=3, retries=5, age=600)`` written with aws-cdk-lib's L2 constructs
    (the key in Secrets Manager, so no secret is written), synthesized into ``outdir``."""
    import aws_cdk as cdk
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as targets
    from aws_cdk import aws_sqs as sqs

    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, "Webhook", env=cdk.Environment(region="us-east-1"))
    bus = events.EventBus(stack, "Bus", event_bus_name="orders")
    key = cdk.SecretValue.secrets_manager("webhook-key")
    connection = events.Connection(stack, "Conn",
                                   authorization=events.Authorization.api_key("x-api-key", key))  # fmt: skip
    destination = events.ApiDestination(
        stack, "Dest", connection=connection, endpoint="https://api.example.com/hook",
        http_method=events.HttpMethod.POST, rate_limit_per_second=3,
    )  # fmt: skip
    target = targets.ApiDestination(destination, dead_letter_queue=sqs.Queue(stack, "Dlq"),
                                    retry_attempts=5, max_event_age=cdk.Duration.seconds(600))  # fmt: skip
    pattern = events.EventPattern(source=PATTERN["source"], detail_type=PATTERN["detail-type"])
    events.Rule(stack, "Rule", rule_name="to-webhook", event_bus=bus, event_pattern=pattern,
                targets=[target])  # fmt: skip
    return app.synth().directory


def test_the_cdk_form_gives_the_same_graph_and_result_as_the_terraform_form(tmp_path):
    """The third form of the webhook: a CDK app. Its graph has the Terraform form's shape (ids
    aside: CDK hashes its logical ids) and it simulates to the same counts and latencies."""
    cdk_graph = load_graph(_cdk_webhook(str(tmp_path / "cdk.out")))
    tf = load_graph(_write(tmp_path, "plan.json", webhook_plan(rate=3, retries=5, age=600)))
    (rule_k,), (rule_t,) = cdk_graph.rules, tf.rules
    assert rule_k.name == rule_t.name == "to-webhook"
    assert rule_k.pattern.to_dict() == rule_t.pattern.to_dict()
    assert cdk_graph.get(rule_k.bus).name == tf.get(rule_t.bus).name == "orders"
    (target_k,), (target_t,) = rule_k.targets, rule_t.targets
    assert (target_k.kind, target_k.retry_policy) == (target_t.kind, target_t.retry_policy)
    queues = [
        type(g.get(t.dead_letter_queue)).__name__
        for g, t in ((cdk_graph, target_k), (tf, target_t))
    ]
    assert queues == ["Queue", "Queue"]
    limits = [[d.rate_limit_per_second for d in g.api_destinations] for g in (cdk_graph, tf)]
    assert limits == [[3], [3]]
    spec = load_scenario(EXACT)
    (got_k,), (got_t,) = simulate(cdk_graph, spec).targets, simulate(tf, spec).targets
    assert got_k.counts == got_t.counts and got_k.counts["retries"] > 0
    assert got_k.latency_ms == got_t.latency_ms
