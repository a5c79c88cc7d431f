"""The deployment graph: frozen dataclasses describing an EventBridge deployment, and the loader
that builds them from CloudFormation (a cloud assembly, a CDK app, a template file, or a dict).

Imports neither ``aws_cdk`` nor ``simpy``::

    graph = load_graph("cdk.out")           # or "template.yaml", or Template.to_json()
    for rule in graph.rules:
        print(rule.id, rule.bus, [t.kind for t in rule.targets])
"""

from __future__ import annotations

from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._loader import load_graph
from bridgetwin.graph._sources import StackSource, read_sources
from bridgetwin.graph._synth import SynthOptions
from bridgetwin.graph.custom_bus_nodes import (
    CustomEventBus,
    FilterScope,
    PointInTime,
    Subscriber,
    SubscriberFilter,
)
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.nodes import (
    DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
    DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
    DEFAULT_RATE_LIMIT_PER_SECOND,
    Alarm,
    ApiDestination,
    Archive,
    Connection,
    EventBus,
    GlobalEndpoint,
    HealthCheck,
    HttpParameters,
    InputTransformer,
    RetryPolicy,
    Rule,
    Target,
    TargetKind,
)
from bridgetwin.graph.service_nodes import (
    AsyncInvokeConfig,
    EventInvokeConfig,
    LambdaFunction,
    LoadWarning,
    OpaqueResource,
    Pipe,
    Queue,
    QueuePolicy,
    SchedulerSchedule,
    StackInfo,
    StateMachine,
    Stream,
)

__all__ = [
    "DEFAULT_MAXIMUM_EVENT_AGE_SECONDS",
    "DEFAULT_MAXIMUM_RETRY_ATTEMPTS",
    "DEFAULT_RATE_LIMIT_PER_SECOND",
    "Alarm",
    "ApiDestination",
    "Archive",
    "AsyncInvokeConfig",
    "Connection",
    "CustomEventBus",
    "EventBus",
    "EventInvokeConfig",
    "FilterScope",
    "GlobalEndpoint",
    "Graph",
    "HealthCheck",
    "HttpParameters",
    "InputTransformer",
    "LambdaFunction",
    "LoadWarning",
    "OpaqueResource",
    "Pipe",
    "PointInTime",
    "Queue",
    "QueuePolicy",
    "RetryPolicy",
    "Rule",
    "SchedulerSchedule",
    "StackInfo",
    "StackSource",
    "StateMachine",
    "Stream",
    "Subscriber",
    "SubscriberFilter",
    "SynthOptions",
    "Target",
    "TargetKind",
    "TemplateError",
    "load_graph",
    "read_sources",
]
