"""Every Classic feature that does not translate, or changes meaning, is listed by ``migrate``
with the resource and the reason; nothing leaves the templates silently; the lists come as text,
JSON and SARIF through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridgetwin.cli import main
from bridgetwin.graph import load_graph, read_sources
from bridgetwin.migration import EXPLANATIONS, migrate
from tests._migration import PATTERN, fan_out_template, transformer_template, with_rule

BASE = fan_out_template()
ECS = {"Id": "Task", "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/jobs",
       "RoleArn": "arn:aws:iam::123456789012:role/run-task",
       "EcsParameters": {"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/job:1"}}  # fmt: skip
ELSEWHERE = {"Id": "Central", "Arn": "arn:aws:events:us-east-1:999999999999:event-bus/central",
             "RoleArn": "arn:aws:iam::123456789012:role/forward"}  # fmt: skip
OTHER_REGION = {"Id": "Replica", "Arn": "arn:aws:events:eu-west-1:123456789012:event-bus/orders",
                "RoleArn": "arn:aws:iam::123456789012:role/forward"}  # fmt: skip
BAD_TEMPLATE = {"Id": "Jobs", "Arn": {"Fn::GetAtt": ["Jobs", "Arn"]}, "InputTransformer": {
    "InputPathsMap": {"rule": "$.resources[0]"}, "InputTemplate": '{"rule": "<aws.events.rule-arn>"}'}}  # fmt: skip
ALL_ITEMS = {"Id": "Jobs", "Arn": {"Fn::GetAtt": ["Jobs", "Arn"]}, "InputPath": "$.detail.items[*]"}
FIFO = {"Id": "Jobs", "Arn": {"Fn::GetAtt": ["Jobs", "Arn"]},
        "SqsParameters": {"MessageGroupId": "orders"}}  # fmt: skip


def _partner() -> dict:
    template = with_rule(BASE, "FromPartner")
    template["Resources"]["PartnerBus"] = {"Type": "AWS::Events::EventBus", "Properties": {
        "Name": "aws.partner/saas.com/123/orders", "EventSourceName": "aws.partner/saas.com/123/orders"}}  # fmt: skip
    template["Resources"]["FromPartner"]["Properties"]["EventBusName"] = {"Ref": "PartnerBus"}
    return template


CASES = {  # template, the finding's code, its resource, words of the reason
    "wildcard": (with_rule(BASE, "Wild", EventPattern={"detail": {"sku": [{"wildcard": "A*-9"}]}}),
                 "migrate-wildcard", "Wild", "wildcard matching"),
    "aws-source": (with_rule(BASE, "Ec2", EventPattern={"source": ["aws.ec2"]}),
                   "migrate-aws-source", "Ec2", "aws.ec2"),
    "pattern-size": (with_rule(BASE, "Huge", EventPattern={"detail": {"id": [f"order-{n:05d}" for n in range(400)]}}),
                     "migrate-pattern-size", "Huge", "4,096"),
    "universal-target": (with_rule(BASE, "Run", Targets=[ECS]), "migrate-universal-target", "Run", "ecs"),
    "cross-account": (with_rule(BASE, "Fwd", Targets=[ELSEWHERE]), "migrate-cross-account-target",
                      "Fwd", "account 999999999999"),
    "cross-region": (with_rule(BASE, "Rep", Targets=[OTHER_REGION]), "migrate-cross-region-target",
                     "Rep", "Region eu-west-1"),
    "rule-arn": (with_rule(BASE, "Shape", Targets=[BAD_TEMPLATE]), "migrate-input-transformer",
                 "Shape", "aws.events.rule-arn"),
    "jsonpath-wildcard": (with_rule(BASE, "All", Targets=[ALL_ITEMS]), "migrate-input-transformer",
                          "All", "no *"),
    "several-targets": (BASE, "migrate-several-targets", "Rule", "3 targets became 3 subscribers"),
    "fifo": (with_rule(BASE, "Ordered", Targets=[FIFO]), "migrate-fifo-opportunity", "Ordered", "FIFO"),
    "default-bus": (with_rule(BASE, "OnDefault", EventBusName="default"), "migrate-default-bus",
                    "OnDefault", "default bus"),
    "external-bus": (with_rule(BASE, "Elsewhere", EventBusName="billing"), "migrate-external-bus",
                     "Elsewhere", "billing"),
    "scheduled": (with_rule(BASE, "Nightly", EventBusName="default", EventPattern=None,
                            ScheduleExpression="cron(0 3 * * ? *)"), "migrate-scheduled-rule",
                  "Nightly", "Scheduler"),
    "partner-bus": (_partner(), "migrate-partner-bus", "PartnerBus", "EventSource"),
    "disabled": (with_rule(BASE, "Off", State="DISABLED"), "migrate-disabled-rule", "Off", "STOPPED"),
    "bus-policy": (with_rule(BASE, "X") | {"Resources": {**with_rule(BASE, "X")["Resources"], "Policy": {
        "Type": "AWS::Events::EventBusPolicy", "Properties": {"EventBusName": {"Ref": "Bus"},
                                                            "StatementId": "org", "Action": "events:PutEvents",
                                                            "Principal": "111122223333"}}}},
                   "migrate-bus-policy", "Policy", "ResourcePolicy"),
    "alarm-on-fan-out": (BASE, "migrate-alarm", "SentToDlq", "3 subscribers"),
    "output": (BASE, "migrate-output", "RuleArn", "Rule"),
    "dlq-record": (BASE, "migrate-dead-letter-record", "Rule", "record"),
    "4xx-retried": (BASE, "migrate-client-errors-retried", "Rule", "4xx"),
}  # fmt: skip


def _clean(template: dict) -> dict:
    for resource in template["Resources"].values():
        props = resource.get("Properties") or {}
        if props.get("EventPattern", 0) is None:
            del props["EventPattern"]
    return template


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_feature_that_does_not_translate_is_listed_with_its_reason(case):
    template, code, resource, words = CASES[case]
    sources = read_sources(_clean(json.loads(json.dumps(template))))
    migration = migrate(sources, load_graph(sources))
    found = [
        f for f in migration.findings if f.code == code and f.resource == f"Template/{resource}"
    ]
    assert found, [str(f) for f in migration.findings]
    assert words in found[0].message
    assert code in EXPLANATIONS


def test_global_endpoints_keep_their_buses_classic(example_assembly):
    sources = read_sources(example_assembly.directory)
    global_sources = [s for s in sources if s.name.startswith("BridgetwinGlobal")]
    migration = migrate(global_sources, load_graph(global_sources))
    codes = {(f.code, f.resource.split("/")[0]) for f in migration.findings}
    assert codes >= {("migrate-global-endpoint", "BridgetwinGlobalPrimary"),
                     ("migrate-global-endpoint", "BridgetwinGlobalSecondary")}  # fmt: skip
    assert [s.template for s in migration.faithful] == [s.template for s in global_sources]


def test_nothing_leaves_the_templates_without_a_finding():
    """Every Classic resource removed is named by a finding (rules by their targets' lines)."""
    template = _clean(json.loads(json.dumps(CASES["wildcard"][0])))
    sources = read_sources(template)
    migration = migrate(sources, load_graph(sources))
    before = set(template["Resources"])
    after = set(migration.faithful[0].template["Resources"])
    named = {f.resource.split("/", 1)[1] for f in migration.findings}
    assert before - after <= named


def test_the_command_writes_templates_findings_and_sarif(tmp_path: Path, capsys):
    source = tmp_path / "classic.json"
    source.write_text(json.dumps(_clean(json.loads(json.dumps(CASES["wildcard"][0])))))
    out = tmp_path / "migrated"
    with pytest.raises(SystemExit) as exit_info:
        main(["migrate", str(source), "--out", str(out), "--format", "sarif", "--strict"])
    assert exit_info.value.code == 1  # --strict: the wildcard rule was not migrated
    log = json.loads(capsys.readouterr().out)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"migrate-wildcard", "migrate-bus"}
    wildcard = next(r for r in results if r["ruleId"] == "migrate-wildcard")
    assert wildcard["level"] == "error"
    assert wildcard["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "classic.json"
    )
    manifest = out / "deployment.yaml"
    assert load_graph(str(manifest)).subscribers and load_graph(str(out / "aws-defaults" /
                                                                    "deployment.yaml")).subscribers  # fmt: skip
    assert json.loads((out / "findings.json").read_text())["findings"]
    assert "migrate-wildcard" in (out / "findings.txt").read_text()


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--format", "yaml"], "text, json or sarif"), (["--seeds", "1"], "--seeds"),
     (["--scenario", "missing.yaml"], "missing.yaml")],
)  # fmt: skip
def test_bad_input_exits_2_naming_it(tmp_path: Path, capsys, args, words):
    source = tmp_path / "classic.json"
    source.write_text(json.dumps(transformer_template()))
    with pytest.raises(SystemExit) as exit_info:
        main(["migrate", str(source), *args])
    assert exit_info.value.code == 2
    assert words in capsys.readouterr().err


def test_the_patterns_written_are_the_rules_patterns():
    sources = read_sources(BASE)
    migration = migrate(sources, load_graph(sources))
    resources = migration.faithful[0].template["Resources"]
    filters = [r["Properties"]["FilterConfiguration"]["Filters"] for r in resources.values()
               if r["Type"] == "AWS::EventsV2::Subscriber"]  # fmt: skip
    assert filters and all(
        f == [{"Scope": "DATA", "Pattern": json.dumps(PATTERN)}] for f in filters
    )


def test_a_rules_findings_are_reported_once_whatever_its_number_of_targets():
    """The pattern and the rule's state are the rule's: one finding each, not one per target;
    the size limit is checked on the filter text actually written."""
    two = [{"Id": "Jobs", "Arn": {"Fn::GetAtt": ["Jobs", "Arn"]}},
           {"Id": "Fn", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}]  # fmt: skip
    template = with_rule(BASE, "Off", State="DISABLED", Targets=two,
                         EventPattern={"source": ["acme.orders"], "account": [{"Ref": "AWS::AccountId"}]})  # fmt: skip
    sources = read_sources(template)
    migration = migrate(sources, load_graph(sources))
    codes = [f.code for f in migration.findings if f.resource == "Template/Off"]
    assert codes.count("migrate-disabled-rule") == 1
    assert codes.count("migrate-resolved-pattern") == 1
    resources = migration.faithful[0].template["Resources"]
    written = [r["Properties"]["FilterConfiguration"]["Filters"][0]["Pattern"]
               for r in resources.values() if r["Type"] == "AWS::EventsV2::Subscriber"
               and r["Metadata"]["bridgetwin:migrated-from"].startswith("Off/")]  # fmt: skip
    assert len(written) == 2 and all(json.loads(p)["account"] == ["123456789012"] for p in written)
