"""Which simulated datapoints each alarm of the graph watches.

An alarm on a rule's AWS/Events metric (``RuleName`` and/or ``EventBusName``, or none: every rule
in its Region) watches the rule's and its targets' stores; an account-level metric (PutEvents*,
InvocationsCreated) watches its Region's store; an SQS alarm on a DLQ watches the queue's depth or
age. Every such alarm is evaluated, data or not: a metric nothing publishes is missing data.
Alarms on anything else are kept, marked not simulated.
"""

from __future__ import annotations

from typing import Any

from bridgetwin.graph import Alarm, Graph, Subscriber
from bridgetwin.simulator.aws.backlog_age import BacklogAgeGauge
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

CUSTOM_BUS_METRICS = {
    "EventsDelivered": "SuccessfulInvocationAttempts",
    "EventDeliveryAttempts": "InvocationAttempts",
    "TargetInvocations": "InvocationAttempts",
    "RetryInvocationAttempts": "RetryInvocationAttempts",
    "OnFailureDestinationDelivered": "InvocationsSentToDlq",
    "OnFailureDestinationFailed": "OnFailureDestinationFailed",
    "EventsDropped": "EventsDropped",
    "IngestionToInvocationStartTime": "IngestionToInvocationStartLatency",
    "IngestionToInvocationEndTime": "IngestionToInvocationCompleteLatency",
    "FilterMatched": "MatchedEvents",
}
"""AWS/EventsV2 subscriber metrics (custom-bus facts §4), by the series the twin records them
in. ``TargetInvocations`` counts requests: a subscriber that batches records its batches apart,
one that does not makes one request per event; the twin's DLQ writes never fail
(``OnFailureDestinationFailed`` stays missing: a role that cannot write is lint's finding);
``RetryInvocationAttempts`` counts retries (AWS's value is the retry depth: its SampleCount
matches, its Sum does not). ``ApproximateBacklogAge`` is a gauge (:mod:`..aws.backlog_age`)."""


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
    if alarm.namespace == "AWS/EventsV2" and (
        alarm.metric_name in CUSTOM_BUS_METRICS or alarm.metric_name == "ApproximateBacklogAge"
    ):
        return _custom_bus_alarm(graph, stores, routes, alarm)
    if alarm.namespace != "AWS/Events" or not alarm.metric_name:
        return AlarmModel(alarm, note="not simulated: only AWS/Events, the Custom Event Bus's "
                                      "subscriber metrics and DLQ metrics are")  # fmt: skip
    dims = dict(alarm.dimensions)
    if alarm.metric_name in REGION_METRICS and not dims:
        return AlarmModel(alarm, series=[stores.region(alarm.region).watch(alarm.metric_name)])
    rules = [r for r in graph.rules if r.enabled and r.region == alarm.region]
    if "RuleName" in dims:
        rules = [r for r in rules if r.id in linked_rules or r.name == dims["RuleName"]]
    elif "EventBusName" in dims:
        rules = [r for r in rules if graph.get(r.bus).name == dims["EventBusName"]]
    return AlarmModel(alarm, series=_series(rules, stores, routes, alarm.metric_name))


def _series(owners: list[Any], stores: MetricStores, routes: RuleRoutes, metric: str) -> list:
    """``metric`` as each owner (rule or subscriber) and each of its targets record it."""
    watched: list[Any] = []
    for owner in owners:
        watched.append(stores.owner(owner.id))
        watched.extend(state.store for _, state in routes.states_of(owner))
    return [s.watch(metric) for s in watched]


def _names(value: str, subscriber: Subscriber) -> bool:
    """Whether a ``Subscriber`` dimension value denotes the subscriber: its name, or its ARN or
    ``name/id`` (AWS's docs disagree on which, custom-bus facts §4)."""
    return (
        value == subscriber.name
        or value.startswith(f"{subscriber.name}/")
        or (f":subscriber/{subscriber.name}/" in value)
    )


def _custom_bus_alarm(
    graph: Graph, stores: MetricStores, routes: RuleRoutes, alarm: Alarm
) -> AlarmModel:
    """An AWS/EventsV2 alarm on the subscribers its dimensions name (all of its Region's when it
    names none, stopped ones included: AWS keeps their metrics), fed by each subscriber's and
    its target's series."""
    dims = dict(alarm.dimensions)
    chosen = [s for s in graph.subscribers if s.region == alarm.region]  # STOPPED ones too
    if "Subscriber" in dims:
        named = dims["Subscriber"]
        chosen = [s for s in chosen if s.id in alarm.dimension_resources or _names(named, s)]
    elif "EventBus" in dims:
        bus_ids = {s.bus for s in chosen if s.bus in alarm.dimension_resources} or {
            b.id for b in graph.custom_buses if dims["EventBus"].split("/")[0] == b.name
            or f":event-busv2/{b.name}/" in dims["EventBus"]}  # fmt: skip
        chosen = [s for s in chosen if s.bus in bus_ids]
    if alarm.metric_name == "ApproximateBacklogAge":  # a gauge of the oldest waiting event
        states = [state for s in chosen for _, state in routes.states_of(s)]
        return AlarmModel(alarm, gauge=BacklogAgeGauge([t.backlog for t in states if t.backlog]))
    metric = CUSTOM_BUS_METRICS[alarm.metric_name or ""]
    if alarm.metric_name == "TargetInvocations":  # batches, where a subscriber batches
        batching = [s for s in chosen if s.batch_size > 1]
        one_by_one = [s for s in chosen if s.batch_size <= 1]
        series = _series(batching, stores, routes, "TargetInvocations")
        return AlarmModel(alarm, series=series + _series(one_by_one, stores, routes, metric))
    return AlarmModel(alarm, series=_series(chosen, stores, routes, metric))
