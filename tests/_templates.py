"""Small CloudFormation templates for simulator tests, built as dicts (no CDK needed)."""

from __future__ import annotations

from typing import Any

from bridgetwin.graph import Graph, load_graph

PATTERN = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}
EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 120}}


def webhook_template(
    *,
    rate: int = 100,
    retries: int | None = None,
    age: int | None = None,
    dlq: bool = True,
    auth: str = "API_KEY",
    endpoint: str = "https://api.example.com/hook",
) -> dict[str, Any]:
    """A bus, a connection, an API destination and one rule targeting it."""
    target: dict[str, Any] = {"Id": "Api", "Arn": {"Fn::GetAtt": ["Dest", "Arn"]}}
    if retries is not None or age is not None:
        target["RetryPolicy"] = {
            k: v
            for k, v in (("MaximumRetryAttempts", retries), ("MaximumEventAgeInSeconds", age))
            if v is not None
        }
    resources: dict[str, Any] = {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Conn": {"Type": "AWS::Events::Connection", "Properties": {"AuthorizationType": auth}},
        "Dest": {
            "Type": "AWS::Events::ApiDestination",
            "Properties": {
                "ConnectionArn": {"Fn::GetAtt": ["Conn", "Arn"]},
                "InvocationEndpoint": endpoint,
                "HttpMethod": "POST",
                "InvocationRateLimitPerSecond": rate,
            },
        },
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Name": "to-webhook",
                "EventBusName": {"Ref": "Bus"},
                "EventPattern": PATTERN,
                "Targets": [target],
            },
        },
    }
    if dlq:
        resources["Dlq"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
        target["DeadLetterConfig"] = {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}}
    return {"Resources": resources}


def start_latency_alarm(*, threshold_ms: float, periods: int) -> dict[str, Any]:
    """An alarm on the webhook rule's average IngestionToInvocationStartLatency per minute."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Namespace": "AWS/Events", "MetricName": "IngestionToInvocationStartLatency",
            "Dimensions": [{"Name": "RuleName", "Value": {"Ref": "Rule"}}],
            "Statistic": "Average", "Period": 60, "EvaluationPeriods": periods,
            "Threshold": threshold_ms, "ComparisonOperator": "GreaterThanThreshold",
        },
    }  # fmt: skip


def webhook_graph(**kwargs: Any) -> Graph:
    return load_graph(webhook_template(**kwargs))


def scenario(duration: str = "10m", rate: float = 10, **overrides: Any) -> dict[str, Any]:
    """A scenario putting ``EVENT`` on the orders bus at ``rate`` per second."""
    base: dict[str, Any] = {
        "duration": duration,
        "seed": 1,
        "eventbridge": {"processing_latency": 0},
        "traffic": [{"bus": "orders", "rate": rate, "events": [{"event": EVENT}]}],
        "endpoints": [{"match": "*", "latency": 0}],
    }
    base.update(overrides)
    return base


def fanout_graph(*, rate: int = 50) -> Graph:
    """``webhook_template`` plus a second rule on the same API destination (its rate limit is
    shared) and a third rule delivering to an SQS queue: three routes for every event."""
    template = webhook_template(rate=rate)
    resources = template["Resources"]
    api = {"Id": "Api", "Arn": {"Fn::GetAtt": ["Dest", "Arn"]}}
    resources["Audit"] = {
        "Type": "AWS::Events::Rule",
        "Properties": {"EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN, "Targets": [api]},
    }
    resources["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    resources["ToQueue"] = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "EventBusName": {"Ref": "Bus"},
            "EventPattern": PATTERN,
            "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}],
        },
    }
    return load_graph(template)


def write_assembly(directory: Any, stacks: dict[str, tuple[str, dict[str, Any]]]) -> str:
    """A minimal cloud assembly in ``directory``: stack name -> (Region, template)."""
    import json
    from pathlib import Path

    root = Path(directory)
    artifacts = {}
    for name, (region, template) in stacks.items():
        (root / f"{name}.template.json").write_text(json.dumps(template))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://111111111111/{region}",
            "properties": {"templateFile": f"{name}.template.json"},
        }
    (root / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": artifacts}))
    return str(root)
