"""Terraform's ``awscc`` provider, for the Custom Event Bus.

The ``aws`` provider has no resource for the new bus yet; Terraform users deploy it with
``awscc``, whose resources are generated from CloudFormation's own schemas:
``awscc_eventsv2_event_bus`` is ``AWS::EventsV2::EventBus`` with its properties in snake_case
(``storage_configuration.retention_period_in_days``), nested attributes as objects. So the
CloudFormation properties are the plan's values with every attribute name in PascalCase, except
the keys of maps that hold the user's own names (HTTP headers and query strings, metadata,
message attributes, tags).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

AWSCC_TYPES = {
    "awscc_eventsv2_event_bus": "AWS::EventsV2::EventBus",
    "awscc_eventsv2_subscriber": "AWS::EventsV2::Subscriber",
    "awscc_eventsv2_event_source": "AWS::EventsV2::EventSource",
    "awscc_eventsv2_resource_policy": "AWS::EventsV2::ResourcePolicy",
}
"""``awscc`` type -> CloudFormation type (the loader models the bus and its subscribers)."""

_BUS = {"event_bus_arn": "EventBusArn", "arn": "EventBusArn", "name": "Ref", "id": "Ref"}
AWSCC_ATTRIBUTES = {
    "awscc_eventsv2_event_bus": _BUS,
    "awscc_eventsv2_subscriber": {"subscriber_arn": "SubscriberArn", "name": "Ref", "id": "Ref"},
}
"""Terraform attribute -> ``Ref`` or the ``Fn::GetAtt`` attribute that gives the same value."""

_USER_KEYS = frozenset({"header_parameters", "query_string_parameters", "metadata",
                        "message_attributes", "tags"})  # fmt: skip
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def cloudformation_properties(values: Any, *, user_keys: bool = False) -> Any:
    """The plan's values as CloudFormation properties (nulls dropped)."""
    if isinstance(values, Mapping):
        return {
            (key if user_keys or not _SNAKE.match(key) else pascal(key)):
            cloudformation_properties(value, user_keys=key in _USER_KEYS)
            for key, value in values.items()
            if value is not None
        }  # fmt: skip
    if isinstance(values, list):
        return [cloudformation_properties(v) for v in values]
    return values
