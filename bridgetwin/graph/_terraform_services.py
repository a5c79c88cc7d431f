"""The AWS provider's Pipes, Scheduler, global endpoint, health check and Lambda invoke settings.

These resources' arguments are CloudFormation's properties in snake_case: ``aws_pipes_pipe``'s
``source_parameters { sqs_queue_parameters { batch_size } }`` is ``AWS::Pipes::Pipe``'s
``SourceParameters.SqsQueueParameters.BatchSize``. So the properties are the values with every
name in PascalCase and every nested block (a list of one object in a plan and in a
configuration) as the object it holds, except the blocks that repeat, which CloudFormation names
in the plural: a pipe's ``filter`` blocks are its ``Filters``, an endpoint's ``event_bus`` blocks
its ``EventBuses``. A Route 53 health check and a Lambda invoke configuration are laid out
differently in CloudFormation and have their own converters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridgetwin.graph._terraform_awscc import pascal

_REPEATED = {"filter": "Filters", "event_bus": "EventBuses"}
"""Blocks that repeat -> the CloudFormation list property that holds them."""
_USER_KEYS = frozenset({"header_parameters", "query_string_parameters", "tags"})


def pascal_blocks(values: Any, *, user_keys: bool = False) -> Any:
    """Terraform values as CloudFormation properties: PascalCase names, single blocks unwrapped,
    repeated blocks under their plural name; nulls dropped."""
    if isinstance(values, list):
        return [pascal_blocks(v) for v in values]
    if not isinstance(values, Mapping):
        return values
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == []:
            continue
        if user_keys or not key.islower() or "::" in key:
            out[key] = value  # a user's own name, or already CloudFormation's (Ref, Fn::...)
            continue
        if key in _REPEATED:
            out[_REPEATED[key]] = pascal_blocks(value if isinstance(value, list) else [value])
            continue
        single = isinstance(value, list) and len(value) == 1 and isinstance(value[0], Mapping)
        out[pascal(key)] = pascal_blocks(value[0] if single else value,
                                         user_keys=key in _USER_KEYS)  # fmt: skip
    return out


def _health_check(v: Mapping[str, Any]) -> dict[str, Any]:
    config = {
        "Type": v.get("type"),
        "AlarmIdentifier": {"Name": v.get("cloudwatch_alarm_name"),
                            "Region": v.get("cloudwatch_alarm_region")},
        "InsufficientDataHealthStatus": v.get("insufficient_data_health_status"),
        "Inverted": v.get("invert_healthcheck"),
        "Disabled": v.get("disabled"),
    }  # fmt: skip
    return {"HealthCheckConfig": pascal_blocks(config)}


def _invoke_config(v: Mapping[str, Any]) -> dict[str, Any]:
    properties = pascal_blocks(v)
    properties.setdefault("Qualifier", "$LATEST")  # unqualified: the function's $LATEST
    return properties


SERVICE_TYPES = {
    "aws_pipes_pipe": ("AWS::Pipes::Pipe", pascal_blocks),
    "aws_scheduler_schedule": ("AWS::Scheduler::Schedule", pascal_blocks),
    "aws_cloudwatch_event_endpoint": ("AWS::Events::Endpoint", pascal_blocks),
    "aws_route53_health_check": ("AWS::Route53::HealthCheck", _health_check),
    "aws_lambda_function_event_invoke_config": ("AWS::Lambda::EventInvokeConfig", _invoke_config),
}
"""Terraform type -> (CloudFormation type, properties from values)."""
SERVICE_ATTRIBUTES = {
    "aws_pipes_pipe": {"name": "Ref", "id": "Ref", "arn": "Arn"},
    "aws_scheduler_schedule": {"name": "Ref", "id": "Ref", "arn": "Arn"},
    "aws_cloudwatch_event_endpoint": {"name": "Ref", "id": "Ref", "arn": "Arn",
                                      "endpoint_url": "EndpointUrl"},
    "aws_route53_health_check": {"id": "Ref", "arn": "Ref"},  # what links an endpoint to it
}  # fmt: skip
"""Terraform attribute -> ``Ref`` or the ``Fn::GetAtt`` attribute that gives the same value."""
