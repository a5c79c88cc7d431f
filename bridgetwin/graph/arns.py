"""ARNs as AWS would write them, for what a template only names by logical id.

A target's ``Arn`` in a template is usually ``Fn::GetAtt`` of a resource whose ARN AWS assigns at
deploy time; the loader keeps it as readable text (``${Queue.Arn}``). Where the DLQ attributes or
a report need the ARN, this module writes it as AWS forms it from the resource's name, Region and
account, and falls back to the logical id (never a raw ``${...}``) where the name is unknowable.
"""

from __future__ import annotations

import re

from bridgetwin.graph.custom_bus_nodes import CustomEventBus, Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.nodes import ApiDestination, EventBus, Rule, Target
from bridgetwin.graph.service_nodes import Queue

_PLACEHOLDER = re.compile(r"\$\{([^}.]+)(?:\.[^}]*)?\}")


def target_arn(graph: Graph, rule: Rule | Subscriber, target: Target) -> str:
    """``target``'s ARN (of a rule's or a subscriber's target), resolved as far as the graph
    allows."""
    if "${" not in target.arn:
        return target.arn
    node = None
    if target.resource is not None:
        try:
            node = graph.get(target.resource)
        except KeyError:
            node = None
    where = f"{rule.region}:{rule.account}"
    if isinstance(node, Queue):
        return f"arn:aws:sqs:{node.region or rule.region}:{rule.account}:{node.name}"
    if isinstance(node, ApiDestination):
        return f"arn:aws:events:{where}:api-destination/{node.name}"
    if isinstance(node, EventBus):
        return f"arn:aws:events:{node.region}:{node.account}:event-bus/{node.name}"
    if isinstance(node, CustomEventBus):
        return node.arn
    return _PLACEHOLDER.sub(lambda m: m.group(1).rsplit("/", 1)[-1], target.arn)
