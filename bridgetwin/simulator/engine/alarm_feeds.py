"""Which simulated datapoints each alarm of the graph watches.

An alarm on a rule's AWS/Events metric (``RuleName`` and/or ``EventBusName``, or none: every rule
in its Region) watches the rule's and its targets' stores; an account-level metric (PutEvents*,
InvocationsCreated) watches its Region's store; an SQS alarm on a DLQ watches the queue's depth or
age. Every such alarm is evaluated, data or not: a metric nothing publishes is missing data.
Alarms on anything else are kept, marked not simulated.
"""

from __future__ import annotations

from typing import Any

from bridgetwin.graph import Alarm, Graph
from bridgetwin.simulator.aws.metrics import AlarmModel, QueueGauge
from bridgetwin.simulator.engine.stores import MetricStores
from bridgetwin.simulator.engine.wiring import RuleRoutes

REGION_METRICS = frozenset({
    "PutEventsApproximateCallCount", "PutEventsApproximateThrottledCount",
    "PutEventsApproximateFailedCount", "PutEventsApproximateSuccessCount",
    "PutEventsEntriesCount", "PutEventsFailedEntriesCount", "InvocationsCreated",
    "PutEventsLatency", "PutEventsRequestSize",
})  # fmt: skip
"""AWS/Events metrics published only per account and Region, without dimensions (facts §4)."""


def alarm_model(graph: Graph, stores: MetricStores, routes: RuleRoutes, alarm: Alarm) -> AlarmModel:
    """The model of one alarm of the graph, fed by the datapoints it watches."""
    linked_rules = [r for r in alarm.dimension_resources if r in stores.owners]
    linked_queues = {q for q in alarm.dimension_resources if q in {x.id for x in graph.queues}}
    if alarm.namespace == "AWS/SQS" and linked_queues:
        dlqs = [
            s.store.watch("InvocationsSentToDlq")  # what the DLQ receives
            for rule in graph.rules
            for t, s in routes.states_of(rule)
            if t.dead_letter_queue in linked_queues
        ]
        return AlarmModel(alarm, gauge=QueueGauge(dlqs, alarm.metric_name or ""))
    if alarm.namespace != "AWS/Events" or not alarm.metric_name:
        return AlarmModel(alarm, note="not simulated: only AWS/Events and DLQ metrics are")
    dims = dict(alarm.dimensions)
    if alarm.metric_name in REGION_METRICS and not dims:
        return AlarmModel(alarm, series=[stores.region(alarm.region).watch(alarm.metric_name)])
    rules = [r for r in graph.rules if r.enabled and r.region == alarm.region]
    if "RuleName" in dims:
        rules = [r for r in rules if r.id in linked_rules or r.name == dims["RuleName"]]
    elif "EventBusName" in dims:
        rules = [r for r in rules if graph.get(r.bus).name == dims["EventBusName"]]
    watched: list[Any] = []
    for rule in rules:
        watched.append(stores.owners[rule.id])
        watched.extend(state.store for _, state in routes.states_of(rule))
    series = [s.watch(alarm.metric_name) for s in watched]
    return AlarmModel(alarm, series=series)
