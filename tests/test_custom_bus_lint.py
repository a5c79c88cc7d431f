"""bridgetwin lint on the Custom Event Bus: each rule has a subscriber that triggers it and one
that does not, in templates shaped like real ones."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import load_graph
from bridgetwin.graph.lint import lint_graph
from tests._custom_bus import custom_bus_template, subscriber

PARTNER = {"Fn::GetAtt": ["Partner", "Arn"]}
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:handler"
EXPLICIT = {"RetryPolicy": {"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86400}}


def codes(props: dict, target=PARTNER) -> set[str]:
    """The lint codes of subscriber S (a None prop is taken away from the template)."""
    template = custom_bus_template(subscribers={"S": subscriber(target, **props)})
    properties = template["Resources"]["S"]["Properties"]
    for name in [k for k, v in props.items() if v is None]:
        del properties[name]
    return {f.code for f in lint_graph(load_graph(template)) if f.resource == "S"}


@pytest.mark.parametrize(
    ("code", "fires", "spares"),
    [("subscriber-retry-implicit", ({}, PARTNER), (EXPLICIT, PARTNER)),
     ("subscriber-without-on-failure", ({"OnFailureConfiguration": None}, PARTNER), ({}, PARTNER)),
     ("subscriber-fifo-async-lambda", ({"Type": "FIFO"}, LAMBDA),
      ({"Type": "FIFO", "InvokeConfiguration": {"TargetArn": LAMBDA, "RoleArn": "r",
        "LambdaParameters": {"InvocationType": "REQUEST_RESPONSE"}}}, LAMBDA)),
     ("subscriber-batch-payload", ({}, LAMBDA),
      ({"BatchConfiguration": {"MaxBatchSize": 1}}, LAMBDA))],
)  # fmt: skip
def test_each_rule_fires_on_one_subscriber_and_spares_another(code, fires, spares):
    assert code in codes(*fires)
    assert code not in codes(*spares)


def _lint(template: dict) -> set[str]:
    return {f.code for f in lint_graph(load_graph(template)) if f.resource == "S"}


def _with(change) -> dict:
    template = custom_bus_template(subscribers={"S": subscriber(PARTNER, **EXPLICIT)})
    change(template["Resources"])
    return template


def _no_send(resources: dict) -> None:
    del resources["DeliveryRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][1]


def _encrypted(resources: dict, *, granted: bool) -> None:
    resources["Key"] = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"}]}}}  # fmt: skip
    resources["Dlq"]["Properties"]["KmsMasterKeyId"] = {"Fn::GetAtt": ["Key", "Arn"]}
    if granted:
        statements = resources["DeliveryRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        statements["Statement"].append({"Effect": "Allow", "Resource": {"Fn::GetAtt": [
            "Key", "Arn"]}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"]})  # fmt: skip


def _attached(resources: dict) -> None:
    """The send permission in an AWS::IAM::Policy attached to the role, as CDK writes it."""
    moved = resources["DeliveryRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    resources["DeliveryRoleDefaultPolicy"] = {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyName": "default", "Roles": [{"Ref": "DeliveryRole"}],
        "PolicyDocument": {"Statement": [moved.pop(1)]}}}  # fmt: skip


@pytest.mark.parametrize(("change", "fires"), [
    (lambda r: None, False),
    (_no_send, True),
    (_attached, False),
    (lambda r: (_no_send(r), r["DeliveryRole"]["Properties"].update(
        ManagedPolicyArns=["arn:aws:iam::aws:policy/AmazonSQSFullAccess"])), False),  # unreadable
    (lambda r: _encrypted(r, granted=False), True),
    (lambda r: _encrypted(r, granted=True), False),
])  # fmt: skip
def test_the_delivery_role_must_write_the_on_failure_queue_and_use_its_key(change, fires):
    found = _lint(_with(change))
    assert ("subscriber-on-failure-access" in found) is fires


def test_a_fifo_subscriber_wants_a_fifo_on_failure_queue():
    fifo = {"Type": "FIFO", **EXPLICIT}
    template = custom_bus_template(subscribers={"S": subscriber(PARTNER, **fifo)})
    assert "subscriber-fifo-on-failure" in _lint(template)
    template["Resources"]["Dlq"]["Properties"]["FifoQueue"] = True
    assert "subscriber-fifo-on-failure" not in _lint(template)


def test_filters_get_the_pattern_lint_too():
    filters = {"Filters": [{"Scope": "DATA", "Pattern": "{}"}]}  # matches every event
    template = custom_bus_template(subscribers={"S": subscriber(
        PARTNER, FilterConfiguration=filters, **EXPLICIT)})  # fmt: skip
    found = [f for f in lint_graph(load_graph(template)) if f.resource == "S"]
    assert any(f.code.startswith("pattern/") and f.message.startswith("DATA filter: ")
               for f in found)  # fmt: skip


def test_lint_sarif_lists_the_subscriber_rules(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(custom_bus_template()))
    out = CliRunner().invoke(app, ["lint", str(tmp_path / "t.json"), "--format", "sarif"])
    assert out.exit_code == 0, out.output  # warnings only
    log = json.loads(out.output)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["subscriber-retry-implicit"]
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["subscriber-retry-implicit"]["fullDescription"]["text"]


def test_metadata_filters_are_not_asked_for_an_envelope():
    """A METADATA filter reads what the publisher attached (no source, no detail-type): the
    pattern lint's envelope findings are for DATA filters only."""
    filters = {"Filters": [{"Scope": "METADATA", "Pattern": '{"schema": ["orders.v1"]}'},
                           {"Scope": "DATA", "Pattern": '{"kind": ["paid"]}'}]}  # fmt: skip
    template = custom_bus_template(subscribers={"S": subscriber(
        PARTNER, FilterConfiguration=filters, **EXPLICIT)})  # fmt: skip
    found = [f for f in lint_graph(load_graph(template)) if f.code.startswith("pattern/missing")]
    assert found and all(f.message.startswith("DATA filter: ") for f in found)


NOW = 1_796_000_000  # 2026-11-30, fixed for the check


@pytest.mark.parametrize(("point", "fires"), [
    ({"PointType": "TIMESTAMP", "StartingPoint": NOW - 3 * 86_400}, False),  # inside 7 days
    ({"PointType": "TIMESTAMP", "StartingPoint": NOW - 8 * 86_400}, "before the bus's retention"),
    ({"PointType": "TIMESTAMP", "StartingPoint": (NOW - 3_600) * 1000}, "looks like milliseconds"),
    ({"PointType": "TIMESTAMP", "StartingPoint": NOW + 3_600}, "in the future"),
    ({"PointType": "TIMESTAMP", "StartingPoint": NOW - 3_600, "EndPoint": NOW - 7_200},
     "is not after StartingPoint"),
    ({"PointType": "HORIZON"}, False),
])  # fmt: skip
def test_a_starting_point_must_lie_in_the_buses_retained_past(point, fires, monkeypatch):
    import importlib

    rule = importlib.import_module("bridgetwin.graph.lint.subscriber_starting_point")
    monkeypatch.setattr(rule, "now", lambda: NOW)
    template = custom_bus_template(retention=7, subscribers={"S": subscriber(
        PARTNER, StartingPosition="POINT_IN_TIME", PointInTimeConfiguration=point, **EXPLICIT)})  # fmt: skip
    found = [f for f in lint_graph(load_graph(template))
             if f.code == "subscriber-starting-point"]  # fmt: skip
    assert bool(found) is bool(fires)
    if fires:
        assert fires in found[0].message


def test_a_key_policy_with_a_statement_that_is_not_an_object_is_read_not_crashed_on():
    template = _with(lambda r: _encrypted(r, granted=False))
    template["Resources"]["Key"]["Properties"]["KeyPolicy"]["Statement"].append("oops")
    assert "subscriber-on-failure-access" in _lint(template)
