"""Turn resolved template values into graph ids: references, ARNs and names.

A target's ``Arn`` may be ``Fn::GetAtt [X, Arn]`` (a placeholder naming X), an ``Fn::ImportValue``
of another stack's output (a placeholder naming a resource there), an ``Fn::Join``/``Fn::Sub`` that
builds the ARN around one reference, or a literal ARN. The linker maps each to the graph node it
denotes, or to ``None`` when the resource lives outside the loaded templates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridgetwin.graph._values import ResourceRef, SecretReference, Symbolic, refs_in, render

ARN_NAMES = {  # resource type -> (name property, ARN service, ARN resource prefix)
    "AWS::Events::EventBus": ("Name", "events", "event-bus/"),
    "AWS::EventsV2::EventBus": ("Name", "events", "event-busv2/"),
    "AWS::Events::ApiDestination": ("Name", "events", "api-destination/"),
    "AWS::Events::Connection": ("Name", "events", "connection/"),
    "AWS::SQS::Queue": ("QueueName", "sqs", ""),
    "AWS::CloudWatch::Alarm": ("AlarmName", "cloudwatch", "alarm:"),
    "AWS::SNS::Topic": ("TopicName", "sns", ""),
    "AWS::Lambda::Function": ("FunctionName", "lambda", "function:"),
}
"""How AWS names a resource of each type in its ARN, from its name property."""


def arn_parts(arn: str) -> tuple[str, str, str] | None:
    """(service, region, resource) of an ARN string, or None if it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts[2], parts[3], parts[5]


class Linker:
    """Knows every modeled node by logical id and by the names that appear in ARNs."""

    def __init__(self, graph_id: Callable[[str, str], str]) -> None:
        self._graph_id = graph_id
        self._by_ref: dict[tuple[str, str], str] = {}
        self._by_arn_name: dict[tuple[str, str, str], str] = {}

    def register(self, stack: str, logical_id: str) -> str:
        """Record a modeled resource; returns its graph id."""
        gid = self._graph_id(stack, logical_id)
        self._by_ref[(stack, logical_id)] = gid
        return gid

    def name(self, service: str, resource: str, region: str, gid: str) -> None:
        """Record that ``arn:...:service:region:...:resource`` denotes ``gid``."""
        self._by_arn_name[(service, resource, region)] = gid

    def link(self, value: Any) -> str | None:
        """The graph id ``value`` points at, or None when it points outside the graph."""
        if isinstance(value, ResourceRef):
            return self._by_ref.get((value.stack, value.logical_id))
        if isinstance(value, Symbolic | SecretReference):
            linked = {self._by_ref.get((r.stack, r.logical_id)) for r in refs_in(value)} - {None}
            return linked.pop() if len(linked) == 1 else None
        if isinstance(value, str):
            parts = arn_parts(value)
            if parts is None:
                return None
            service, region, resource = parts
            segments = resource.split("/")
            # api-destination/<name>/<uuid> and connection/<name>/<uuid> carry a generated suffix
            for length in range(len(segments), 0, -1):
                found = self._by_arn_name.get((service, "/".join(segments[:length]), region))
                if found:
                    return found
        return None

    @staticmethod
    def text(value: Any) -> str:
        """A readable string for any resolved value (placeholders render as ``${X.Arn}``)."""
        rendered = render(value)
        return rendered if isinstance(rendered, str) else str(rendered)
