"""The IAM role a stack's migrated subscribers deliver with.

A Classic rule reaches SQS, SNS and Lambda through their resource policies (``events.amazonaws.com``
with the rule's ARN as ``aws:SourceArn``) and its DLQ the same way; a subscriber always delivers
with a role (``InvokeConfiguration.RoleArn``, required) and writes its on-failure records with the
same role (a record the role cannot write is lost: custom-bus facts §2.6). So each stack that
gains subscribers gets one role trusted by ``events.amazonaws.com`` from its own account, allowed
exactly the calls its subscribers make (facts §1.4: ``SendMessageBatch``, ``PublishBatch``,
``Invoke``, ``StartExecution``, ``PutRecords``, ``PutRecordBatch``, ``PutEvents``, the API
destination) on exactly their targets, and ``sqs:SendMessage`` on their on-failure queues.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bridgetwin.migration.subscriber_from_target import DeliveryGrant

ACTIONS = {
    "sqs": ["sqs:SendMessage"],
    "sns": ["sns:Publish"],
    "lambda": ["lambda:InvokeFunction"],
    "states": ["states:StartExecution", "states:StartSyncExecution"],
    "kinesis": ["kinesis:PutRecord", "kinesis:PutRecords"],
    "firehose": ["firehose:PutRecord", "firehose:PutRecordBatch"],
    "api-destination": ["events:InvokeApiDestination"],
    "execute-api": ["execute-api:Invoke"],
    "event-bus": ["events:PutEvents"],
}
"""IAM actions per target family (SQS's batch call needs ``sqs:SendMessage``)."""


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def delivery_role(grants: Sequence[DeliveryGrant]) -> dict[str, Any]:
    """The ``AWS::IAM::Role`` resource for ``grants``."""
    statements = []
    for family, actions in ACTIONS.items():
        resources = _unique([g.target_arn for g in grants if g.family == family])
        if resources:
            statements.append({"Effect": "Allow", "Action": actions, "Resource": resources})
    dead_letters = _unique([g.dead_letter_arn for g in grants if g.dead_letter_arn is not None])
    if dead_letters:
        statements.append(
            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": dead_letters}
        )
    trust = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
    }
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": "Delivery role of the subscribers bridgetwin migrated from Classic "
            "rules: their targets and on-failure queues",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]},
            "Policies": [
                {
                    "PolicyName": "deliver",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }
