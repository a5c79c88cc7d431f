"""``ApproximateBacklogAge`` of a subscriber that stops and resumes, against the arithmetic of
constant traffic: while it is stopped the oldest waiting event is the first published after the
stop, so its age at time t is t minus that event's time; once it resumes and catches up, 0. The
result's per-minute series and an alarm on the metric both follow it."""

from __future__ import annotations

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._custom_bus import custom_bus_template, subscriber

EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"total": 120}}
STOP, RESUME = 300.0, 890.0
TIMES = [0.5 + k for k in range(1_800)]  # 1/s for 30 minutes


def deployment(threshold_ms: float | None = None) -> dict:
    template = custom_bus_template(subscribers={"Reader": subscriber(
        {"Fn::GetAtt": ["Jobs", "Arn"]}, BatchConfiguration={"MaxBatchSize": 1})})  # fmt: skip
    template["Resources"]["Jobs"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    if threshold_ms is not None:
        template["Resources"]["Lagging"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "AWS/EventsV2", "MetricName": "ApproximateBacklogAge",
            "Statistic": "Maximum", "Period": 60, "EvaluationPeriods": 1,
            "Threshold": threshold_ms, "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "Dimensions": [{"Name": "Subscriber",
                            "Value": {"Fn::GetAtt": ["Reader", "SubscriberArn"]}}]}}  # fmt: skip
    return template


def run(template: dict):
    spec = {"duration": "30m", "seed": 1, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": TIMES,
                         "events": [{"event": EVENT}]}],
            "targets": [{"match": "*", "latency": 0}],
            "subscribers": [{"match": "Reader", "pauses": [{"start": STOP, "end": RESUME}]}]}  # fmt: skip
    return simulate(load_graph(template), load_scenario(spec))


def age_at(t: float) -> float:
    """Seconds the oldest unfinished event has waited at t."""
    if not STOP < t < RESUME:
        return 0.0
    return t - min(x for x in TIMES if x >= STOP)


def test_the_backlog_age_at_each_minute_follows_the_stop():
    ages = run(deployment()).target("Reader").per_minute["backlog_age_ms"]
    assert ages == [round(age_at((m + 1) * 60.0) * 1e3) for m in range(30)]
    assert max(ages) == 540_000 - 500  # at 840 s, waiting since 300.5 s


def test_an_alarm_on_the_backlog_age_goes_off_and_back():
    threshold = 120.0
    result = run(deployment(threshold * 1e3))
    transitions = [(a["at_s"], a["state"]) for a in result.alarms if a["alarm"] == "Lagging"]
    minutes = [60.0 * k for k in range(1, 31)]
    first = next(t for t in minutes if age_at(t) > threshold)
    back = next(t for t in minutes if t > first and age_at(t) <= threshold)
    assert transitions[-2:] == [(first, "ALARM"), (back, "OK")]
    assert (first, back) == (480.0, 900.0)
