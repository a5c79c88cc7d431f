"""Which simulated datapoints each alarm of the graph watches.

An alarm on a rule's AWS/Events metric (``RuleName`` and/or ``EventBusName``, or none: every rule
in its Region) watches the rule's and its targets' stores; an account-level metric (PutEvents*,
InvocationsCreated) watches its Region's store; an SQS alarm on a DLQ watches the queue's depth or
age. Every such alarm is evaluated, data or not: a metric nothing publishes is missing data.
Alarms on anything else are kept, marked not simulated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridgetwin.graph import Alarm
from bridgetwin.simulator.aws.metrics import AlarmModel, QueueGauge

if TYPE_CHECKING:
    from bridgetwin.simulator.engine.assembly import ModelBuilder

REGION_METRICS = frozenset({
    "PutEventsApproximateCallCount", "PutEventsApproximateThrottledCount",
    "PutEventsApproximateFailedCount", "PutEventsApproximateSuccessCount",
    "PutEventsEntriesCount", "PutEventsFailedEntriesCount", "InvocationsCreated",
    "PutEventsLatency", "PutEventsRequestSize",
})  # fmt: skip
"""AWS/Events metrics published only per account and Region, without dimensions (facts §4)."""


def alarm_model(builder: ModelBuilder, alarm: Alarm) -> AlarmModel:
    """The model of one alarm of the graph, fed by the datapoints it watches."""
    linked_rules = [r for r in alarm.dimension_resources if r in builder.rule_stores]
    linked_queues = {
        q for q in alarm.dimension_resources if q in {x.id for x in builder.graph.queues}
    }
    if alarm.namespace == "AWS/SQS" and linked_queues:
        dlqs = [
            s.store.watch("InvocationsSentToDlq")  # what the DLQ receives
            for rule in builder.graph.rules
            for t, s in builder.states_of(rule)
            if t.dead_letter_queue in linked_queues
        ]
        return AlarmModel(alarm, gauge=QueueGauge(dlqs, alarm.metric_name or ""))
    if alarm.namespace != "AWS/Events" or not alarm.metric_name:
        return AlarmModel(alarm, note="not simulated: only AWS/Events and DLQ metrics are")
    dims = dict(alarm.dimensions)
    if alarm.metric_name in REGION_METRICS and not dims:
        return AlarmModel(
            alarm, series=[builder.region_store(alarm.region).watch(alarm.metric_name)]
        )
    rules = [r for r in builder.graph.rules if r.enabled and r.region == alarm.region]
    if "RuleName" in dims:
        rules = [r for r in rules if r.id in linked_rules or r.name == dims["RuleName"]]
    elif "EventBusName" in dims:
        rules = [r for r in rules if builder.graph.get(r.bus).name == dims["EventBusName"]]
    stores: list[Any] = []
    for rule in rules:
        stores.append(builder.rule_stores[rule.id])
        stores.extend(state.store for _, state in builder.states_of(rule))
    series = [s.watch(alarm.metric_name) for s in stores]
    return AlarmModel(alarm, series=series)
