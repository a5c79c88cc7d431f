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
