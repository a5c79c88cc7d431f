"""Classic deployments shaped like synthesized CDK stacks, for the migration tests: a fan-out rule
(SQS with a queue policy, Lambda with a permission, an API destination), a rule per kind of input
shaping, and a helper that lints templates with cfn-lint's EventsV2 schemas."""

from __future__ import annotations

import copy
import json
from typing import Any

PATTERN = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}


def _arn(lid: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [lid, "Arn"]}


def base_resources() -> dict[str, Any]:
    """The bus, an API destination, a queue with its DLQ, a function and its role."""
    return {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Conn": {"Type": "AWS::Events::Connection",
                 "Properties": {"AuthorizationType": "API_KEY", "AuthParameters": {
                     "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key",
                                              "ApiKeyValue": "{{resolve:secretsmanager:k}}"}}}},
        "Dest": {"Type": "AWS::Events::ApiDestination",
                 "Properties": {"ConnectionArn": _arn("Conn"), "HttpMethod": "POST",
                                "InvocationEndpoint": "https://partner.example.com/orders",
                                "InvocationRateLimitPerSecond": 50}},
        "DestRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "events.amazonaws.com"}}]}}},
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": True}},
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1209600}},
        "FnRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "Fn": {"Type": "AWS::Lambda::Function",
               "Properties": {"Runtime": "python3.12", "Handler": "index.handler",
                              "Role": _arn("FnRole"), "Code": {"ZipFile": "def handler(e, c): pass"}}},
    }  # fmt: skip


def _policies(rule: str) -> dict[str, Any]:
    """What CDK writes beside a rule: the queue policies and the Lambda permission."""
    allow = {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
             "Condition": {"ArnEquals": {"aws:SourceArn": _arn(rule)}}}  # fmt: skip
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*",
            "Resource": _arn("Jobs"), "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
    return {
        "JobsPolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "Jobs"}], "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                deny, {**allow, "Action": "sqs:SendMessage", "Resource": _arn("Jobs")}]}}},
        "DlqPolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "Dlq"}], "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {**allow, "Action": "sqs:SendMessage", "Resource": _arn("Dlq")}]}}},
        "FnPermission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": _arn("Fn"),
            "Principal": "events.amazonaws.com", "SourceArn": _arn(rule)}},
    }  # fmt: skip


def fan_out_template() -> dict[str, Any]:
    """One rule, three targets (API destination, SQS, Lambda), each with a DLQ and a retry policy
    (the queue relies on Classic's defaults), an archive and an alarm on the rule."""
    dlq = {"Arn": _arn("Dlq")}
    targets = [
        {"Id": "Partner", "Arn": _arn("Dest"), "RoleArn": _arn("DestRole"),
         "RetryPolicy": {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600},
         "DeadLetterConfig": dlq},
        {"Id": "Jobs", "Arn": _arn("Jobs"), "DeadLetterConfig": dlq},
        {"Id": "Fn", "Arn": _arn("Fn"), "RetryPolicy": {"MaximumRetryAttempts": 2},
         "DeadLetterConfig": dlq},
    ]  # fmt: skip
    resources = base_resources() | _policies("Rule") | {
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN, "Targets": targets}},
        "Archive": {"Type": "AWS::Events::Archive", "Properties": {
            "SourceArn": _arn("Bus"), "RetentionDays": 30}},
        "SentToDlq": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "AWS/Events", "MetricName": "InvocationsSentToDlq",
            "Dimensions": [{"Name": "RuleName", "Value": {"Ref": "Rule"}}],
            "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold"}},
    }  # fmt: skip
    return {"Resources": resources, "Outputs": {"RuleArn": {"Value": _arn("Rule")},
                                                "BusArn": {"Value": _arn("Bus")}}}  # fmt: skip


TRANSFORMER = {
    "InputPathsMap": {"id": "$.detail.id", "total": "$.detail.total", "first": "$.detail.items[0].sku",
                      "kind": "$.detail-type"},
    "InputTemplate": '{"order": <id>, "text": "Order <id>: <total> EUR", "first": <first>, '
                     '"kind": "<kind>", "event": <aws.events.event>}',
}  # fmt: skip


def transformer_template() -> dict[str, Any]:
    """A rule whose three targets shape their input three ways."""
    targets = [
        {"Id": "Partner", "Arn": _arn("Dest"), "RoleArn": _arn("DestRole"),
         "InputTransformer": TRANSFORMER, "DeadLetterConfig": {"Arn": _arn("Dlq")}},
        {"Id": "Jobs", "Arn": _arn("Jobs"), "Input": '{"kind": "order", "version": 2}'},
        {"Id": "Fn", "Arn": _arn("Fn"), "InputPath": "$.detail"},
    ]  # fmt: skip
    resources = base_resources() | _policies("Rule") | {
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN, "Targets": targets}},
    }  # fmt: skip
    return {"Resources": resources}


def with_rule(template: dict[str, Any], lid: str, **props: Any) -> dict[str, Any]:
    """``template`` with one more rule on ``orders`` (pattern and a target to the queue unless
    ``props`` say otherwise)."""
    out = copy.deepcopy(template)
    rule = {"EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN,
            "Targets": [{"Id": "Jobs", "Arn": _arn("Jobs")}]} | props  # fmt: skip
    out["Resources"][lid] = {"Type": "AWS::Events::Rule", "Properties": rule}
    return out


def cfn_lint(
    template: dict[str, Any], region: str = "us-east-1", ignore: tuple[str, ...] = ()
) -> list[str]:
    """cfn-lint's errors and warnings for ``template`` (its EventsV2 schemas included), but the
    rules in ``ignore``."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), ManualArgs(regions=[region]))
    return [f"{m.rule.id} {m.path}: {m.message}" for m in matches
            if m.rule.id[0] in "EW" and m.rule.id not in ignore]  # fmt: skip
