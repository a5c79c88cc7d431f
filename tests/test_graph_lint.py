"""Graph-level lint: each rule flags what it should and stays quiet otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import load_graph
from bridgetwin.graph.lint import lint_graph
from bridgetwin.patterns import Severity

PATTERN = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}
QUEUE_ARN = {"Fn::GetAtt": ["Dlq", "Arn"]}


DLQ_POLICY = {"Type": "AWS::SQS::QueuePolicy", "Properties": {
    "Queues": [{"Ref": "Dlq"}],
    "PolicyDocument": {"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Dlq", "Arn"]}}]}}}  # fmt: skip


def template(*rules: dict, extra: dict | None = None) -> dict:
    resources = {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Other": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "other"}},
        "Dlq": {"Type": "AWS::SQS::Queue"},
        "DlqPolicy": DLQ_POLICY,
        "Conn": {"Type": "AWS::Events::Connection", "Properties": {"AuthorizationType": "API_KEY",
                 "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue":
                 "{{resolve:secretsmanager:s:SecretString:k}}"}}}},
        "Dest": {"Type": "AWS::Events::ApiDestination", "Properties": {
            "ConnectionArn": {"Fn::GetAtt": ["Conn", "Arn"]}, "HttpMethod": "POST",
            "InvocationEndpoint": "https://x.example.com", "InvocationRateLimitPerSecond": 5}},
        **(extra or {}),
    }  # fmt: skip
    for i, props in enumerate(rules):
        resources[f"Rule{i}"] = {
            "Type": "AWS::Events::Rule",
            "Properties": {"EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN, **props},
        }
    return {"Resources": resources}


def target(arn, **extra):
    return {"Id": "T", "Arn": arn, "DeadLetterConfig": {"Arn": QUEUE_ARN}, **extra}


def codes(tpl) -> list[tuple[str, str]]:
    return [(f.code, f.resource) for f in lint_graph(load_graph(tpl))]


def test_lint_clean_deployment_has_no_findings():
    assert codes(template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]})) == []


def test_lint_missing_dlq():
    assert codes(template({"Targets": [{"Id": "T", "Arn": {"Fn::GetAtt": ["Dest", "Arn"]}}]})) == [
        ("missing-dlq", "Rule0")
    ]


def test_lint_fifo_dlq_is_an_error():
    extra = {"Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}}}
    findings = lint_graph(load_graph(template({"Targets": [target("arn:aws:sqs:us-east-1:1:q")]},
                                              extra=extra)))  # fmt: skip
    (finding,) = findings
    assert (finding.code, finding.severity) == ("invalid-dlq", Severity.ERROR)
    assert "SQS FIFO is not supported by DLQs" in finding.message


def test_scheduler_schedules_get_the_dlq_rules_too():
    """A schedule that invokes a target drops what its retries cannot deliver without a DLQ,
    and Scheduler refuses a FIFO queue as one, as EventBridge does for rules."""

    def schedule(dead_letter: dict | None) -> dict:
        target = {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "RoleArn": "r"}
        if dead_letter:
            target["DeadLetterConfig"] = dead_letter
        return {"Resources": {
            "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
            "Standard": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Nightly": {"Type": "AWS::Scheduler::Schedule", "Properties": {
                "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": target}}}}  # fmt: skip

    assert codes(schedule(None)) == [("missing-dlq", "Nightly")]
    assert codes(schedule({"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}})) == [("invalid-dlq", "Nightly")]
    assert codes(schedule({"Arn": {"Fn::GetAtt": ["Standard", "Arn"]}})) == []


def test_lint_self_loop_is_an_error_and_rewrite_a_warning():
    loop = template({"Targets": [target({"Fn::GetAtt": ["Bus", "Arn"]})]})
    assert codes(loop) == [("event-loop", "Rule0")]
    rewritten = template(
        {"Targets": [target({"Fn::GetAtt": ["Bus", "Arn"]}, InputPath="$.detail")]}
    )
    assert codes(rewritten) == [("event-loop-risk", "Rule0")]


def test_lint_loop_through_a_chain_of_buses():
    chain = template(
        {"Targets": [target({"Fn::GetAtt": ["Other", "Arn"]})]},
        {"EventBusName": {"Ref": "Other"}, "Targets": [target({"Fn::GetAtt": ["Bus", "Arn"]})]},
    )
    findings = {f.resource: f.message for f in lint_graph(load_graph(chain))}
    assert "Bus -> Other -> Bus" in findings["Rule0"]
    assert "Other -> Bus -> Other" in findings["Rule1"]


def test_loops_and_per_rule_questions_on_a_large_random_deployment():
    """The graph's indexes (rules on a bus, rules targeting a resource, where a bus forwards)
    against brute force over the rules, and the event-loop verdicts against reachability by
    repeated squaring of the forwarding relation, on 400 rules over 60 buses with disabled rules,
    rewrites, several targets per rule and a sparse forwarding relation (some loops, not all)."""
    import random

    rng = random.Random(5)
    buses = [f"Bus{b}" for b in range(60)]
    function = "arn:aws:lambda:us-east-1:123456789012:function:handler"
    resources = {b: {"Type": "AWS::Events::EventBus", "Properties": {"Name": b.lower()}}
                 for b in buses}  # fmt: skip
    resources["Dlq"] = {"Type": "AWS::SQS::Queue"}
    resources["DlqPolicy"] = DLQ_POLICY
    for r in range(400):
        targets = []
        for t in range(rng.choice([1, 1, 2, 3])):
            extra = {"InputPath": "$.detail"} if rng.random() < 0.3 else {}
            arn = {"Fn::GetAtt": [rng.choice(buses), "Arn"]} if rng.random() < 0.3 else function
            targets.append({**target(arn, **extra), "Id": f"T{t}"})
        resources[f"Rule{r}"] = {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": rng.choice(buses)}, "EventPattern": PATTERN,
            "State": "DISABLED" if rng.random() < 0.15 else "ENABLED", "Targets": targets}}  # fmt: skip
    graph = load_graph({"Resources": resources})

    edges = {(r.bus, t.resource) for r in graph.rules if r.enabled for t in r.targets
             if t.resource in buses}  # fmt: skip
    for bus in buses:
        assert graph.rules_on(bus) == tuple(r for r in graph.rules if r.bus == bus)
        assert graph.rules_targeting(bus) == tuple(
            r for r in graph.rules if any(t.resource == bus for t in r.targets)
        )
        assert graph.forwards_from(bus) == tuple(sorted(b for a, b in edges if a == bus))
    reach = {(a, b) for a, b in edges} | {(b, b) for b in buses}
    for _ in range(6):  # paths of up to 64 hops: more than 60 buses need
        reach |= {(a, c) for a, b in reach for b2, c in reach if b == b2}

    def expected(unchanged: bool) -> set[str]:
        return {
            r.id for r in graph.rules if r.enabled and any(
                (not t.input_path) == unchanged and (t.resource, r.bus) in reach
                for t in r.targets)
        }  # fmt: skip

    found = codes({"Resources": resources})
    assert {rule for code, rule in found if code == "event-loop"} == expected(True)
    assert {rule for code, rule in found if code == "event-loop-risk"} == expected(False)
    forwarding = {r.id for r in graph.rules if any(t.resource in buses for t in r.targets)}
    assert expected(True) and expected(False) and expected(True) < forwarding


def test_lint_forwarding_elsewhere_is_not_a_loop():
    one_way = template({"Targets": [target({"Fn::GetAtt": ["Other", "Arn"]})]})
    assert codes(one_way) == []


def test_lint_shared_rate_limit():
    shared = template(
        {"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]},
        {"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]},
    )
    findings = lint_graph(load_graph(shared))
    assert [(f.code, f.resource, f.severity) for f in findings] == [
        ("shared-rate-limit", "Dest", Severity.INFO)
    ]
    assert "2 rules (Rule0, Rule1) share its 5/s limit" in findings[0].message


def test_lint_retry_age_too_short_for_attempts():
    policy = {"MaximumRetryAttempts": 100, "MaximumEventAgeInSeconds": 600}
    tpl = template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]}, RetryPolicy=policy)]})
    (finding,) = lint_graph(load_graph(tpl))
    assert finding.code == "retry-age-too-short"
    # Mean full-jitter delays 0.5, 1, ..., 256 s (511.5 s after 10 retries), then 490 s each
    # (half the 980 s cap): the 11th retry lands at 1,001.5 s, after 600 s; all 100 take
    # 511.5 + 90 * 490 = 44,611.5 s.
    assert "ends retries after about 10 of 100" in finding.message
    assert "(all of them take ~44,612 s with the default backoff)" in finding.message
    fits = {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 600}
    ok = template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]}, RetryPolicy=fits)]})
    assert codes(ok) == []


def test_lint_plaintext_secret():
    extra = {"Conn": {"Type": "AWS::Events::Connection", "Properties": {
        "AuthorizationType": "BASIC",
        "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "hunter2"}}}}}  # fmt: skip
    findings = lint_graph(load_graph(template(extra=extra)))
    assert [(f.code, f.severity) for f in findings] == [("plaintext-secret", Severity.ERROR)]
    assert "AuthParameters.BasicAuthParameters.Password" in findings[0].message


def alarm(**props):
    base = {"Namespace": "AWS/Events", "MetricName": "FailedInvocations", "Statistic": "Sum",
            "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold"}  # fmt: skip
    return {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {**base, **props}}}


def test_lint_inert_alarms():
    def messages(**props):
        return [f.message for f in lint_graph(load_graph(template(extra=alarm(**props))))]

    assert messages() == []
    assert (
        "AWS spells it IngestionToInvocationStartLatency"
        in messages(MetricName="IngestiontoInvocationStartLatency")[0]
    )
    assert "no dimension Rule" in messages(Dimensions=[{"Name": "Rule", "Value": "x"}])[0]
    assert (
        "RuleName 'ghost' is not a rule"
        in messages(Dimensions=[{"Name": "RuleName", "Value": "ghost"}])[0]
    )
    assert "never alarms" in messages(ComparisonOperator="LessThanThreshold", Threshold=0)[0]
    assert "always true" in messages(Threshold=0)[0]
    assert "DatapointsToAlarm 3 exceeds" in messages(DatapointsToAlarm=3)[0]


def test_lint_includes_pattern_findings():
    tpl = template({"EventPattern": {"source": ["acme.orders"]},
                    "Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]})  # fmt: skip
    assert codes(tpl) == [("pattern/missing-detail-type", "Rule0")]


def test_cli_lint_exit_codes_and_json(tmp_path):
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]})))
    assert CliRunner().invoke(app, ["lint", str(clean)]).exit_code == 0
    looping = tmp_path / "loop.json"
    looping.write_text(json.dumps(template({"Targets": [target({"Fn::GetAtt": ["Bus", "Arn"]})]})))
    result = CliRunner().invoke(app, ["lint", str(looping), "--format", "json"])
    assert result.exit_code == 1
    (row,) = json.loads(result.stdout)
    assert row == {"code": "event-loop", "severity": "error", "resource": "Rule0",
                   "message": row["message"]}  # fmt: skip


def test_cli_lint_fixture_text():
    result = CliRunner().invoke(
        app, ["lint", str(Path(__file__).parent / "fixtures" / "full.yaml")]
    )
    assert result.exit_code == 0
    assert "warning: event-loop-risk: OrderRule" in result.stdout


@pytest.mark.parametrize(
    ("missing", "fate"),
    [(None, "stays INSUFFICIENT_DATA (TreatMissingData missing)"),
     ("notBreaching", "stays OK whatever happens (TreatMissingData notBreaching)"),
     ("breaching", "goes to ALARM and stays there (TreatMissingData breaching)"),
     ("ignore", "keeps its first state, INSUFFICIENT_DATA (TreatMissingData ignore)")],
)  # fmt: skip
def test_lint_inert_alarm_says_what_the_alarm_will_do(missing, fate):
    props = {"MetricName": "Nope"} | ({"TreatMissingData": missing} if missing else {})
    (finding,) = lint_graph(load_graph(template(extra=alarm(**props))))
    assert finding.message.startswith(f"AWS/Events publishes no metric 'Nope'; the alarm {fate}")


def _endpoint(*, replication: bool = True, metric: str = "IngestionToInvocationStartLatency",
              missing: str = "breaching") -> dict:  # fmt: skip
    return {
        **alarm(MetricName=metric, Statistic="Average", Threshold=30000,
                ComparisonOperator="GreaterThanThreshold", TreatMissingData=missing,
                Dimensions=[{"Name": "EventBusName", "Value": "orders"}]),
        "Check": {"Type": "AWS::Route53::HealthCheck", "Properties": {"HealthCheckConfig": {
            "Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Name": {"Ref": "A"}, "Region": "us-east-1"},
            "InsufficientDataHealthStatus": "Healthy"}}},
        "Endpoint": {"Type": "AWS::Events::Endpoint", "Properties": {
            "Name": "ep", "EventBuses": [{"EventBusArn": {"Fn::GetAtt": ["Bus", "Arn"]}},
                                          {"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/orders"}],
            "RoutingConfig": {"FailoverConfig": {"Primary": {"HealthCheck": {"Fn::Sub": "arn:aws:route53:::healthcheck/${Check}"}},
                                                  "Secondary": {"Route": "us-west-2"}}},
            "ReplicationConfig": {"State": "ENABLED" if replication else "DISABLED"},
            "RoleArn": "arn:aws:iam::123456789012:role/r"}},
    }  # fmt: skip


def _endpoint_findings(**kwargs) -> list[tuple[str, str]]:
    findings = lint_graph(load_graph(template(extra=_endpoint(**kwargs))))
    return [(f.code, f.message) for f in findings if f.code.startswith("endpoint-")]


def test_lint_endpoint_without_replication_both_ways():
    assert _endpoint_findings() == []
    ((code, message),) = _endpoint_findings(replication=False)
    assert code == "endpoint-without-replication"
    assert message.startswith("replication is disabled, so after a failover to us-west-2")


def test_lint_endpoint_whose_alarm_never_gets_data_both_ways():
    assert _endpoint_findings(metric="IngestionToInvocationStartLatency") == []
    assert _endpoint_findings(metric="Nope", missing="notBreaching") == []  # inert, not fatal
    ((code, message),) = _endpoint_findings(metric="Nope")
    assert code == "endpoint-alarm-without-data"
    assert "never gets data (AWS/Events publishes no metric 'Nope')" in message
    assert "fails over to us-west-2 at once and stays there" in message


def test_lint_rules_of_different_stacks_sharing_a_rate_limit(tmp_path):
    import json

    shared = template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]})
    shared["Outputs"] = {
        "D": {"Value": {"Fn::GetAtt": ["Dest", "Arn"]}, "Export": {"Name": "dest"}}
    }
    other = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "R": {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": PATTERN, "Targets": [{"Id": "T", "Arn": {"Fn::ImportValue": "dest"},
                                              "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Q", "Arn"]}}}]}}}}  # fmt: skip
    (tmp_path / "a.json").write_text(json.dumps(shared))
    (tmp_path / "b.json").write_text(json.dumps(other))
    (tmp_path / "d.json").write_text(
        json.dumps({"stacks": [{"template": "a.json"}, {"template": "b.json"}]})
    )
    findings = {f.code: f for f in lint_graph(load_graph(tmp_path / "d.json"))}
    assert findings["cross-stack-rate-limit"].message.startswith(
        "rules of stacks a, b share its 5/s limit"
    )
    alone = {f.code for f in lint_graph(load_graph(tmp_path / "a.json"))}
    assert "cross-stack-rate-limit" not in alone


def _with_dlq_policy(statement: dict | None) -> dict:
    tpl = template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]})
    if statement is None:
        del tpl["Resources"]["DlqPolicy"]
    else:
        tpl["Resources"]["DlqPolicy"]["Properties"]["PolicyDocument"]["Statement"] = [statement]
    return tpl


ALLOW = {
    "Effect": "Allow",
    "Principal": {"Service": "events.amazonaws.com"},
    "Action": "sqs:SendMessage",
}


@pytest.mark.parametrize(
    ("statement", "flagged"),
    [(None, "has no queue policy letting"),
     (ALLOW, None),
     ({**ALLOW, "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["Rule0", "Arn"]}}}}, None),
     ({**ALLOW, "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/orders/Rule0"}}}, None),
     ({**ALLOW, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:123456789012:rule/*"}}}, None),
     ({**ALLOW, "Principal": "*", "Action": ["sqs:*"]}, None),
     ({**ALLOW, "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["Dest", "Arn"]}}}}, "has a policy that does not let"),
     ({**ALLOW, "Principal": {"Service": "sns.amazonaws.com"}}, "has a policy that does not let"),
     ({**ALLOW, "Action": "sqs:ReceiveMessage"}, "has a policy that does not let"),
     ({**ALLOW, "Effect": "Deny"}, "has a policy that does not let")],
)  # fmt: skip
def test_lint_dlq_policy_both_ways(statement, flagged):
    findings = [
        f for f in lint_graph(load_graph(_with_dlq_policy(statement))) if f.code == "dlq-policy"
    ]
    if flagged is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.severity == Severity.ERROR
        assert (
            f"target T's DLQ Dlq {flagged} events.amazonaws.com sqs:SendMessage" in finding.message
        )


def test_lint_sam_dlqs_come_with_their_policy(tmp_path):
    (tmp_path / "sam.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.b\n"
        "      Runtime: python3.12\n      Events:\n        Orders:\n"
        "          Type: EventBridgeRule\n          Properties:\n"
        "            Pattern: {source: [acme.orders]}\n            DeadLetterConfig: {Type: SQS}\n"
    )
    codes_found = {f.code for f in lint_graph(load_graph(tmp_path / "sam.yaml"))}
    assert "dlq-policy" not in codes_found


@pytest.mark.parametrize(
    ("http", "flagged"),
    [({"HeaderParameters": {"Authorization": "Bearer abc123"}}, ["HeaderParameters.Authorization"]),
     ({"HeaderParameters": {"X-Custom": "Basic dXNlcjpwYXNz"}}, ["HeaderParameters.X-Custom"]),
     ({"QueryStringParameters": {"api_key": "k-123"}}, ["QueryStringParameters.api_key"]),
     ({"HeaderParameters": {"Authorization": "{{resolve:secretsmanager:s:SecretString:t}}"}}, []),
     ({"HeaderParameters": {"Authorization": {"Ref": "Token"}}}, []),
     ({"HeaderParameters": {"X-Env": "prod"}, "QueryStringParameters": {"page": "1"}}, [])],
)  # fmt: skip
def test_lint_plaintext_secret_in_target_http_parameters(http, flagged):
    tpl = template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]}, HttpParameters=http)]})
    tpl["Parameters"] = {"Token": {"Type": "String", "NoEcho": True}}
    findings = [f for f in lint_graph(load_graph(tpl)) if f.code == "plaintext-secret"]
    if not flagged:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.resource == "Rule0"
        assert f"target T HttpParameters.{flagged[0]} is a literal credential" in finding.message


@pytest.mark.parametrize(
    ("endpoint", "flagged"),
    [("https://x.example.com/hook?api_key=k-123", "InvocationEndpoint query parameter api_key"),
     ("https://x.example.com/hook?page=2&token=abc", "InvocationEndpoint query parameter token"),
     ("https://bob:hunter2@x.example.com/hook", "InvocationEndpoint user:password"),
     ({"Fn::Sub": "https://x.example.com/hook?api_key=${Key}"}, None),
     ("https://x.example.com/hook?page=2&key=orders", None),
     ("https://x.example.com/orders/*", None)],
)  # fmt: skip
def test_lint_plaintext_secret_in_an_endpoint_url(endpoint, flagged):
    tpl = template({"Targets": [target({"Fn::GetAtt": ["Dest", "Arn"]})]})
    tpl["Resources"]["Dest"]["Properties"]["InvocationEndpoint"] = endpoint
    tpl["Parameters"] = {"Key": {"Type": "String", "NoEcho": True}}
    findings = [f for f in lint_graph(load_graph(tpl)) if f.code == "plaintext-secret"]
    if flagged is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.resource == "Dest"
        assert finding.message.startswith(f"{flagged} is a literal credential in the template")


def test_a_pipe_on_a_queue_without_redrive_is_a_warning():
    """A pipe on SQS has no DLQ of its own: only the source queue's redrive policy moves a
    refused record aside. examples/pipes has one (clean); without it, the finding says what
    happens instead, with the queue's own timeout and retention."""
    from pathlib import Path

    from bridgetwin.graph._sources import _read_template_file  # YAML with !GetAtt short forms

    example = Path(__file__).parent.parent / "examples" / "pipes" / "template.yaml"
    assert [f for f in lint_graph(load_graph(example))
            if f.code == "pipe-source-without-redrive"] == []  # fmt: skip
    template = dict(_read_template_file(example))
    jobs = template["Resources"]["Jobs"]["Properties"]
    del jobs["RedrivePolicy"]
    (finding,) = [f for f in lint_graph(load_graph(template))
                  if f.code == "pipe-source-without-redrive"]  # fmt: skip
    assert finding.resource == "PaidJobs" and finding.severity is Severity.WARNING
    assert "received again every 60 s for 4 days" in finding.message
