"""Alarms evaluated with CloudWatch semantics, asserted on (time, state) transition logs."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.graph import Alarm
from bridgetwin.simulator.aws.metrics import (
    AlarmModel,
    QueueGauge,
    Series,
    SeriesReader,
    evaluation_times,
)


def alarm(**overrides) -> Alarm:
    fields = {
        "id": "A", "name": "A", "namespace": "AWS/Events",
        "metric_name": "IngestionToInvocationStartLatency", "dimensions": (),
        "statistic": "Average", "extended_statistic": None, "period": 60,
        "evaluation_periods": 5, "datapoints_to_alarm": 5, "threshold": 30_000.0,
        "comparison_operator": "GreaterThanThreshold", "treat_missing_data": "breaching",
        "region": "us-east-1",
    }  # fmt: skip
    fields.update(overrides)
    return Alarm(**fields)


def run(model: AlarmModel, minutes: int) -> list[tuple[float, str]]:
    for at in evaluation_times(model.period, minutes * 60):
        model.evaluate(at)
    return [(t.at_s, t.state) for t in model.transitions]


def recorded(times: list[float], values: list[float]) -> SeriesReader:
    """A series holding these datapoints, and a reader of it."""
    data = Series()
    reader = data.reader()
    data.add_many(np.asarray(times, dtype=float), np.asarray(values, dtype=float))
    return reader


def series(points: dict[int, float]) -> SeriesReader:
    """One datapoint in the middle of each given minute."""
    return recorded([m * 60 + 30.0 for m in points], list(points.values()))


def test_alarm_needs_five_breaching_minutes():
    high = series({m: 45_000 for m in range(10, 20)} | {m: 100 for m in range(0, 10)})
    # minutes 10..14 breach -> ALARM at 15 min; from minute 20 data is missing, which breaches
    assert run(AlarmModel(alarm(), series=[high]), 25) == [(60.0, "OK"), (900.0, "ALARM")]


def test_alarm_shorter_breach_than_window_stays_ok():
    points = {m: 100.0 for m in range(30)} | {m: 45_000.0 for m in range(10, 14)}
    assert run(AlarmModel(alarm(), series=[series(points)]), 30) == [(60.0, "OK")]


def test_missing_data_breaching_alarms_on_silence():
    # Traffic stops after minute 10: missing data counts as breaching -> ALARM 5 minutes later.
    quiet = series({m: 100.0 for m in range(10)})
    assert run(AlarmModel(alarm(), series=[quiet]), 20) == [(60.0, "OK"), (900.0, "ALARM")]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("notBreaching", [(60.0, "OK")]),
     ("ignore", [(60.0, "OK")]),
     ("missing", [(60.0, "OK"), (900.0, "INSUFFICIENT_DATA")])],
)  # fmt: skip
def test_missing_data_policies(policy, expected):
    quiet = series({m: 100.0 for m in range(10)})
    model = AlarmModel(alarm(treat_missing_data=policy), series=[quiet])
    assert run(model, 20) == expected


def test_m_of_n_datapoints_to_alarm():
    points = {m: (45_000.0 if m % 2 else 100.0) for m in range(20)}  # every other minute breaches
    two_of_five = AlarmModel(alarm(datapoints_to_alarm=2), series=[series(points)])
    assert run(two_of_five, 20)[-1][1] == "ALARM"
    five_of_five = AlarmModel(alarm(), series=[series(points)])
    assert run(five_of_five, 20) == [(60.0, "OK")]


@pytest.mark.parametrize(
    ("statistic", "value"),
    [("Sum", 6.0), ("SampleCount", 3.0), ("Average", 2.0), ("Minimum", 1.0), ("Maximum", 3.0),
     ("p50", 2.0)],
)  # fmt: skip
def test_statistics(statistic, value):
    data = recorded([10.0, 20.0, 30.0], [1.0, 2.0, 3.0])
    model = AlarmModel(
        alarm(statistic=statistic if statistic[0] != "p" else None,
              extended_statistic=statistic if statistic[0] == "p" else None,
              evaluation_periods=1, datapoints_to_alarm=1, threshold=value,
              comparison_operator="GreaterThanOrEqualToThreshold"),
        series=[data],
    )  # fmt: skip
    assert run(model, 1) == [(60.0, "ALARM")]


def test_datapoints_recorded_out_of_order_land_in_their_minute():
    data = recorded([130.0, 10.0, 70.0], [3.0, 1.0, 2.0])  # minutes 2, 0, 1
    model = AlarmModel(alarm(statistic="Sum", evaluation_periods=1, datapoints_to_alarm=1,
                             threshold=2.5), series=[data])  # fmt: skip
    assert run(model, 3) == [(60.0, "OK"), (180.0, "ALARM")]


def test_queue_gauge_counts_messages_and_oldest_age():
    arrivals = Series()
    visible = QueueGauge([arrivals.reader()], "ApproximateNumberOfMessagesVisible")
    age = QueueGauge([arrivals.reader()], "ApproximateAgeOfOldestMessage")
    arrivals.add_many(np.array([100.0, 50.0, 400.0]), np.ones(3))
    assert [visible(t) for t in (60.0, 120.0, 420.0)] == [1.0, 2.0, 3.0]
    assert [age(t) for t in (30.0, 120.0, 420.0)] == [0.0, 70.0, 370.0]


def test_a_series_keeps_only_what_some_reader_has_not_read():
    """Every reader sees every datapoint once; a part every reader has read is dropped, so a
    series holds what lies between evaluations, not the run."""
    data = Series()
    first, second = data.reader(), data.reader()
    data.add_many(np.array([1.0, 2.0]), np.array([10.0, 20.0]))
    data.add(3.0, 30.0)
    assert [t.tolist() for t, _ in first.read()] == [[1.0, 2.0], [3.0]]
    data.add(4.0, 40.0)
    assert [v.tolist() for _, v in second.read()] == [[10.0, 20.0], [30.0], [40.0]]
    assert len(data._parts) == 1  # only [4.0] remains: the first reader has not read it
    assert [t.tolist() for t, _ in first.read()] == [[4.0]]
    assert data._parts == [] and first.read() == [] and second.read() == []


def test_latency_alarm_fed_by_simulated_pipeline():
    """A start-latency alarm on a rule sees the queueing the rate limit causes: 150 events/s
    into 100/s builds a backlog whose average wait passes 30 s within minutes."""
    from bridgetwin.graph import load_graph
    from bridgetwin.simulator import load_scenario, simulate
    from tests._templates import scenario, start_latency_alarm, webhook_template

    template = webhook_template(rate=100)
    template["Resources"]["Latency"] = start_latency_alarm(threshold_ms=30000, periods=1)
    result = simulate(load_graph(template), load_scenario(scenario("10m", rate=150)))
    transitions = [(a["at_s"], a["state"]) for a in result.alarms if a["alarm"] == "Latency"]
    # An event ingested at t waits t/2 and its datapoint lands at its start, 1.5 t: the minute
    # [60, 120) holds waits of 20-40 s (average 30, not above), [120, 180) averages 50 s.
    assert transitions == [(60.0, "OK"), (180.0, "ALARM")]
