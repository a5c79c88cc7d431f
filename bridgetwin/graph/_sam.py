"""What SAM's transform adds for a function's or state machine's events, so a SAM template
loads as the stack CloudFormation deploys.

SAM writes an ``AWS::Events::Rule`` for ``EventBridgeRule``, ``CloudWatchEvent`` and ``Schedule``
events and an ``AWS::Scheduler::Schedule`` for ``ScheduleV2`` events, each with the resource as
its target and logical id ``<resource><event>``, and, for ``DeadLetterConfig: {Type: SQS}``, a
queue ``<resource><event>Queue`` (with the policy letting EventBridge send to it from the rule).
Other event types (SQS, S3, Api, ...) are not EventBridge's and are left to the function node.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

SAM_RULE_EVENTS = ("EventBridgeRule", "CloudWatchEvent", "Schedule")
SAM_SCHEDULER_EVENTS = ("ScheduleV2",)
SAM_EXPANDED_EVENTS = SAM_RULE_EVENTS + SAM_SCHEDULER_EVENTS
"""Event types that become EventBridge resources here (the twin follows them)."""
_SCHEDULE_KEYS = ("ScheduleExpression", "ScheduleExpressionTimezone", "StartDate", "EndDate",
                  "GroupName", "Name", "Description", "KmsKeyArn")  # fmt: skip


def _sam_dlq_policy(rule_id: str) -> dict[str, Any]:
    """The queue policy SAM writes for the DLQ it creates: EventBridge may send from the rule."""
    queue = f"{rule_id}Queue"
    return {"Type": "AWS::SQS::QueuePolicy", "Properties": {
        "Queues": [{"Ref": queue}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": [queue, "Arn"]},
            "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}}]},
    }}  # fmt: skip


def _dead_letter(
    resources: dict[str, Any], owner_id: str, props: Mapping[str, Any], *, policy: bool
) -> Any:
    """The event's ``DeadLetterConfig`` as CloudFormation has it; with ``Type: SQS``, the queue
    SAM creates for it, and for a rule the queue policy letting EventBridge send from the rule
    (Scheduler sends with the schedule's role instead)."""
    dlq = props.get("DeadLetterConfig") or {}
    if dlq.get("Type") == "SQS":
        resources[f"{owner_id}Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
        if policy:
            resources[f"{owner_id}QueuePolicy"] = _sam_dlq_policy(owner_id)
        return {"Arn": {"Fn::GetAtt": [f"{owner_id}Queue", "Arn"]}}
    return {"Arn": dlq["Arn"]} if "Arn" in dlq else None


def _rule(resources: dict[str, Any], lid: str, rule_id: str, event: Mapping[str, Any]) -> dict:
    props = event.get("Properties") or {}
    target: dict[str, Any] = {
        "Arn": {"Fn::GetAtt": [lid, "Arn"]},
        "Id": (props.get("Target") or {}).get("Id", f"{rule_id}Target"),
    }
    for key in ("Input", "InputPath", "InputTransformer", "RetryPolicy"):
        if key in props:
            target[key] = props[key]
    dead_letter = _dead_letter(resources, rule_id, props, policy=True)
    if dead_letter:
        target["DeadLetterConfig"] = dead_letter
    rule: dict[str, Any] = {"Targets": [target]}
    if event["Type"] == "Schedule":
        rule["ScheduleExpression"] = props.get("Schedule")
    else:
        rule["EventPattern"] = props.get("Pattern")
    for sam_key, cfn_key in (("EventBusName", "EventBusName"), ("RuleName", "Name")):
        if sam_key in props:
            rule[cfn_key] = props[sam_key]
    enabled = props.get("Enabled", props.get("State", "ENABLED"))
    rule["State"] = "DISABLED" if enabled in (False, "DISABLED") else "ENABLED"
    return {"Type": "AWS::Events::Rule", "Properties": rule}


def _schedule(resources: dict[str, Any], lid: str, schedule_id: str, event: Mapping) -> dict:
    """A ``ScheduleV2`` event: an EventBridge Scheduler schedule invoking the resource (its
    flexible time window OFF unless the event sets one, as SAM does)."""
    props = event.get("Properties") or {}
    target: dict[str, Any] = {"Arn": {"Fn::GetAtt": [lid, "Arn"]}}
    for key in ("Input", "RetryPolicy", "RoleArn"):  # the role SAM makes otherwise: not needed
        if key in props:
            target[key] = props[key]
    dead_letter = _dead_letter(resources, schedule_id, props, policy=False)
    if dead_letter:
        target["DeadLetterConfig"] = dead_letter
    schedule: dict[str, Any] = {
        "FlexibleTimeWindow": props.get("FlexibleTimeWindow") or {"Mode": "OFF"},
        "Target": target,
        **{key: props[key] for key in _SCHEDULE_KEYS if key in props},
    }
    if "State" in props:
        schedule["State"] = props["State"]
    return {"Type": "AWS::Scheduler::Schedule", "Properties": schedule}


def expand_sam(template: Mapping[str, Any]) -> Mapping[str, Any]:
    """The template with the rules, schedules and DLQs SAM creates for functions' and state
    machines' EventBridge events (logical ids as SAM's: the resource's id, then the event's)."""
    if "AWS::Serverless" not in str(template.get("Transform", "")):
        return template
    expanded = copy.deepcopy(dict(template))
    resources = expanded["Resources"]
    for lid, resource in list(resources.items()):
        if resource.get("Type") not in (
            "AWS::Serverless::Function",
            "AWS::Serverless::StateMachine",
        ):
            continue
        for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            if not isinstance(event, Mapping) or event.get("Type") not in SAM_EXPANDED_EVENTS:
                continue
            made = _schedule if event["Type"] in SAM_SCHEDULER_EVENTS else _rule
            resources[f"{lid}{event_name}"] = made(resources, lid, f"{lid}{event_name}", event)
    return expanded
