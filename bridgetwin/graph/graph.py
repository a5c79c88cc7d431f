"""The deployment graph: what an EventBridge deployment is made of, as frozen dataclasses.

A :class:`Graph` holds every node the loader found, by kind, and answers questions across them
(a rule's ARN, the rules on a bus, a function's asynchronous settings). Nodes refer to each other
by graph id (the logical id, or ``Stack/LogicalId`` when several stacks are loaded), so a graph is
plain data: easy to compare, print and serialize. The questions asked per node (the rules on a bus
or targeting a resource, where a bus forwards) are answered from indexes built once, so that
checking every rule of a deployment of thousands stays linear. The node types live in :mod:`.nodes`
(EventBridge's own resources) and :mod:`.service_nodes` (the services around it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bridgetwin.graph.custom_bus_nodes import CustomEventBus, Subscriber
from bridgetwin.graph.nodes import (
    Alarm,
    ApiDestination,
    Archive,
    Connection,
    EventBus,
    GlobalEndpoint,
    HealthCheck,
    Rule,
    TargetKind,
)
from bridgetwin.graph.service_nodes import (
    AsyncInvokeConfig,
    EventInvokeConfig,
    EventSchema,
    LambdaFunction,
    LoadWarning,
    OpaqueResource,
    Pipe,
    PolicyDocument,
    Queue,
    QueuePolicy,
    SchedulerSchedule,
    StackInfo,
    StateMachine,
    Stream,
)


@dataclass(frozen=True, slots=True)
class Graph:
    """Everything loaded from one template, assembly or app."""

    stacks: tuple[StackInfo, ...]
    buses: tuple[EventBus, ...] = ()
    rules: tuple[Rule, ...] = ()
    connections: tuple[Connection, ...] = ()
    api_destinations: tuple[ApiDestination, ...] = ()
    archives: tuple[Archive, ...] = ()
    endpoints: tuple[GlobalEndpoint, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    queues: tuple[Queue, ...] = ()
    queue_policies: tuple[QueuePolicy, ...] = ()
    functions: tuple[LambdaFunction, ...] = ()
    invoke_configs: tuple[EventInvokeConfig, ...] = ()
    schedules: tuple[SchedulerSchedule, ...] = ()
    pipes: tuple[Pipe, ...] = ()
    streams: tuple[Stream, ...] = ()
    state_machines: tuple[StateMachine, ...] = ()
    custom_buses: tuple[CustomEventBus, ...] = ()
    """Custom Event Buses (``AWS::EventsV2::EventBus``): retention and subscribers."""
    subscribers: tuple[Subscriber, ...] = ()
    schemas: tuple[EventSchema, ...] = ()
    """Event schemas of schema registries (``AWS::EventSchemas::Schema``)."""
    other: tuple[OpaqueResource, ...] = ()
    permissions: tuple[PolicyDocument, ...] = ()
    """IAM and KMS policy documents of resources in ``other`` (roles, policies, keys), read by
    lint only."""
    warnings: tuple[LoadWarning, ...] = ()
    """What the loader stood in for rather than refuse."""
    construct_paths: tuple[tuple[str, str], ...] = ()
    """(graph id, CDK construct path) of resources whose template says where they came from
    (``Metadata.aws:cdk:path``, e.g. ``Shop/OrderWebhook/Rule/Resource``)."""
    source_lines: tuple[tuple[str, str, int], ...] = ()
    """(graph id, file, line) of resources whose source says where they are declared: a
    Terraform configuration's ``.tf`` block (SARIF locates findings there)."""
    _by_id: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    _rules_by_bus: dict[str, list[Rule]] = field(default_factory=dict, compare=False, repr=False)
    _rules_by_target: dict[str, list[Rule]] = field(default_factory=dict, compare=False, repr=False)
    _forwards: dict[str, set[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for collection in (
            self.buses,
            self.rules,
            self.connections,
            self.api_destinations,
            self.archives,
            self.endpoints,
            self.alarms,
            self.health_checks,
            self.queues,
            self.queue_policies,
            self.functions,
            self.invoke_configs,
            self.schedules,
            self.pipes,
            self.streams,
            self.state_machines,
            self.custom_buses,
            self.subscribers,
            self.schemas,
            self.other,
        ):
            for node in collection:
                self._by_id[node.id] = node
        for rule in self.rules:
            self._rules_by_bus.setdefault(rule.bus, []).append(rule)
            for resource in dict.fromkeys(t.resource for t in rule.targets if t.resource):
                self._rules_by_target.setdefault(resource, []).append(rule)
            for target in rule.targets:
                if rule.enabled and target.kind is TargetKind.EVENT_BUS and target.resource:
                    self._forwards.setdefault(rule.bus, set()).add(target.resource)

    def get(self, graph_id: str) -> Any:
        """The node with this graph id. Raises ``KeyError`` naming the known ids."""
        try:
            return self._by_id[graph_id]
        except KeyError:
            known = sorted(self._by_id)
            raise KeyError(f"no node '{graph_id}' in the graph; known: {known}") from None

    def find(self, graph_id: str) -> Any | None:
        """The node with this graph id, or ``None``."""
        return self._by_id.get(graph_id)

    def rule_arn(self, rule: Rule) -> str:
        """The rule's ARN as AWS forms it: ``rule/<name>`` on the default bus, else
        ``rule/<bus>/<name>`` (used for DLQ attributes and queue policies)."""
        bus_name = self.get(rule.bus).name
        suffix = rule.name if bus_name == "default" else f"{bus_name}/{rule.name}"
        return f"arn:aws:events:{rule.region}:{rule.account}:rule/{suffix}"

    def rules_on(self, bus_id: str) -> tuple[Rule, ...]:
        """The rules attached to a bus, in template order."""
        return tuple(self._rules_by_bus.get(bus_id, ()))

    def async_config(self, function: LambdaFunction) -> AsyncInvokeConfig:
        """How Lambda retries the function's asynchronous invocations: its
        ``EventInvokeConfig`` (the unqualified one first), else Lambda's defaults."""
        configs = sorted(
            (c for c in self.invoke_configs if c.function in (function.id, function.name)),
            key=lambda c: c.qualifier != "$LATEST",
        )
        if configs:
            return configs[0].config
        return function.async_config or AsyncInvokeConfig()

    def subscribers_on(self, bus_id: str) -> tuple[Subscriber, ...]:
        """The subscribers of a Custom Event Bus, in template order."""
        return tuple(s for s in self.subscribers if s.bus == bus_id)

    def rules_targeting(self, resource_id: str) -> tuple[Rule, ...]:
        """The rules with a target pointing at ``resource_id``."""
        return tuple(self._rules_by_target.get(resource_id, ()))

    def forwards_from(self, bus_id: str) -> tuple[str, ...]:
        """The buses that enabled rules on ``bus_id`` send events to, sorted."""
        return tuple(sorted(self._forwards.get(bus_id, ())))
