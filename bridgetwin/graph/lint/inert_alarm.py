"""An alarm that can never change state: it watches nothing AWS publishes, or a condition that
cannot be true (or cannot be false) for the metric it watches."""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.nodes import Alarm

# AWS/Events metrics and dimensions (eventbridge-facts §4), with AWS's casing.
EVENTS_METRICS = frozenset(
    [
        "DeadLetterInvocations",
        "Events",
        "FailedInvocations",
        "Invocations",
        "InvocationAttempts",
        "InvocationsCreated",
        "InvocationsFailedToBeSentToDlq",
        "InvocationsSentToDlq",
        "IngestionToInvocationCompleteLatency",
        "IngestionToInvocationSuccessLatency",
        "IngestionToInvocationStartLatency",
        "MatchedEvents",
        "RetryInvocationAttempts",
        "SuccessfulInvocationAttempts",
        "ThrottledRules",
        "TriggeredRules",
        "EventBusEncryptionStarted",
        "EventBusEncryptionCompleted",
        "EventBusEncryptionFailed",
        "PutEventsApproximateCallCount",
        "PutEventsApproximateFailedCount",
        "PutEventsApproximateSuccessCount",
        "PutEventsApproximateThrottledCount",
        "PutEventsEntriesCount",
        "PutEventsFailedEntriesCount",
        "PutEventsLatency",
        "PutEventsRequestSize",
    ]
)
EVENTS_DIMENSIONS = frozenset({"EventBusName", "RuleName", "EventSourceName"})
_NON_NEGATIVE_STATISTICS = frozenset({"Sum", "SampleCount", "Average", "Minimum", "Maximum"})


_UNDER_MISSING_DATA = {
    "missing": "stays INSUFFICIENT_DATA (TreatMissingData missing)",
    "ignore": "keeps its first state, INSUFFICIENT_DATA (TreatMissingData ignore)",
    "notBreaching": "stays OK whatever happens (TreatMissingData notBreaching)",
    "breaching": "goes to ALARM and stays there (TreatMissingData breaching)",
}


def never_gets_data(alarm: Alarm, graph: Graph) -> str | None:
    """Why an AWS/Events alarm's metric never gets a datapoint, or None."""
    if alarm.namespace != "AWS/Events" or alarm.metric_name is None:
        return None
    if alarm.metric_name not in EVENTS_METRICS:
        close = [m for m in EVENTS_METRICS if m.lower() == alarm.metric_name.lower()]
        hint = f" (AWS spells it {close[0]})" if close else ""
        return f"AWS/Events publishes no metric '{alarm.metric_name}'{hint}"
    unknown = [name for name, _ in alarm.dimensions if name not in EVENTS_DIMENSIONS]
    if unknown:
        return f"AWS/Events has no dimension {', '.join(unknown)}"
    rule_names = {r.name for r in graph.rules}
    for name, value in alarm.dimensions:
        if name == "RuleName" and not alarm.dimension_resources and value not in rule_names:
            return f"RuleName '{value}' is not a rule in this deployment"
    return None


def _problem(alarm: Alarm, graph: Graph) -> str | None:
    if alarm.datapoints_to_alarm > alarm.evaluation_periods:
        return (
            f"DatapointsToAlarm {alarm.datapoints_to_alarm} exceeds EvaluationPeriods "
            f"{alarm.evaluation_periods}"
        )
    silent = never_gets_data(alarm, graph)
    if silent is not None:
        fate = _UNDER_MISSING_DATA.get(alarm.treat_missing_data, _UNDER_MISSING_DATA["missing"])
        return f"{silent}; the alarm {fate}"
    if alarm.namespace != "AWS/Events" or alarm.metric_name is None:
        return None
    threshold, operator = alarm.threshold, alarm.comparison_operator
    if threshold is not None and alarm.statistic in _NON_NEGATIVE_STATISTICS:
        if operator == "LessThanThreshold" and threshold <= 0:
            return f"{alarm.metric_name} is never negative, so '< {threshold}' never alarms"
        if operator == "GreaterThanOrEqualToThreshold" and threshold <= 0:
            return f"{alarm.metric_name} is never negative, so '>= {threshold}' is always true"
    return None


def inert_alarm(alarm: Alarm, graph: Graph) -> Verdict:
    problem = _problem(alarm, graph)
    return NonCompliant(problem) if problem else Compliance.COMPLIANT
