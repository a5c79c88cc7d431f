"""A subscriber's position on its bus, against the arithmetic of constant traffic: created
during the run at ``LATEST`` it reads only what is published from then on; at a point in time
it replays the retained past first (after the startup delay), losing what the bus stopped
keeping before it could read it; an end point ends what it reads."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import ScenarioError, load_scenario, simulate
from tests._custom_bus import custom_bus_template, subscriber

EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"total": 120}}
QUEUE = {"Fn::GetAtt": ["Jobs", "Arn"]}
DAY = 86_400.0


def reader(**props) -> dict:
    template = custom_bus_template(retention=1, subscribers={"Reader": subscriber(
        QUEUE, BatchConfiguration={"MaxBatchSize": 1}, **props)})  # fmt: skip
    template["Resources"]["Jobs"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    return template


def run(template: dict, times: list[float], duration: float, *, delay: float = 60.0,
        **settings):  # fmt: skip
    spec = {
        "duration": duration, "seed": 2,
        "eventbridge": {"processing_latency": 0, "replay_startup_delay": delay},
        "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                     "events": [{"event": EVENT}]}],
        "targets": [{"match": "*", "latency": 0}],
        "subscribers": [{"match": "Reader", **settings}] if settings else [],
    }  # fmt: skip
    return simulate(load_graph(template), load_scenario(spec))


HORIZON = {"StartingPosition": "POINT_IN_TIME",
           "PointInTimeConfiguration": {"PointType": "HORIZON"}}  # fmt: skip


def test_created_at_latest_reads_only_what_is_published_afterwards():
    times = [0.5 + k for k in range(3_600)]  # 1/s for an hour
    result = run(reader(), times, 3_600, created=1_800)
    counts = result.target("Reader").counts
    assert counts["ingested"] == counts["delivered"] == sum(t >= 1_800 for t in times)
    assert result.target("Reader").latency_ms["start"]["p99"] == pytest.approx(0, abs=1e-3)


def test_from_the_horizon_the_retained_past_is_replayed_after_the_startup_delay():
    times = [0.5 + k for k in range(3_600)]
    result = run(reader(**HORIZON), times, 3_600, created=1_800, delay=60)
    target = result.target("Reader")
    waits = np.array([max(0.0, 1_860 - t) for t in times])  # read when the replay begins
    assert target.counts["ingested"] == target.counts["delivered"] == len(times)
    for p, q in (("p50", 0.5), ("p99", 0.99)):
        want = float(np.quantile(waits, q, method="inverted_cdf")) * 1e3
        assert target.latency_ms["start"][p] == pytest.approx(want, rel=0.01)
    assert not [w for w in result.warnings if w["code"] == "point-in-time-at-run-start"]
    assert any("replay_startup_delay" in a for a in result.assumptions)


def test_the_past_the_bus_no_longer_keeps_is_not_read_and_what_expires_first_is_lost():
    """Created after 25 h on a bus that keeps a day: the horizon is 1 h into the run; the
    events of its first 60 s expire during the startup delay; earlier ones are not its."""
    times = [30.0 + 60.0 * k for k in range(26 * 60)]  # one a minute for 26 hours
    created = 25 * 3_600.0
    result = run(reader(**HORIZON), times, 26 * 3_600, created=created, delay=60)
    target = result.target("Reader")
    horizon = created - DAY
    mine = [t for t in times if t >= horizon]
    expired = [t for t in mine if t + DAY <= created + 60]
    assert len(expired) == 1  # the one published at 3,630 s
    assert target.counts["ingested"] == len(mine)
    assert target.counts["dropped"] == len(expired)
    assert target.dropped_by_error_code == {"RETENTION_EXPIRED": len(expired)}
    assert target.counts["delivered"] == len(mine) - len(expired)


def test_a_timestamp_and_an_end_point_bound_what_is_read():
    times = [0.5 + k for k in range(3_600)]
    template = reader(StartingPosition="POINT_IN_TIME", PointInTimeConfiguration={
        "PointType": "TIMESTAMP", "StartingPoint": 1_790_000_000,
        "EndPoint": 1_790_003_600})  # fmt: skip
    result = run(template, times, 3_600, created=2_000, starting_point=600, end_point=1_200)
    counts = result.target("Reader").counts
    assert counts["ingested"] == counts["delivered"] == sum(600 <= t <= 1_200 for t in times)
    codes = {w["code"] for w in result.warnings}
    assert not codes & {"starting-point-not-placed", "end-point-not-placed"}
    unplaced = run(template, times, 3_600, created=2_000)
    codes = {w["code"] for w in unplaced.warnings}
    assert {"starting-point-not-placed", "end-point-not-placed"} <= codes
    assert unplaced.target("Reader").counts["ingested"] == len(times)  # from the horizon


def test_a_starting_point_in_the_future_is_refused():
    with pytest.raises(ScenarioError, match="starting_point must not be later than created"):
        load_scenario({"duration": 60, "subscribers": [
            {"match": "Reader", "created": 10, "starting_point": 20}]})  # fmt: skip


def test_expect_addresses_subscribers_by_name_id_or_glob():
    from bridgetwin.testing import SloAssertionError, expect, twin

    template = reader()
    template["Resources"]["Classic"] = {"Type": "AWS::Events::EventBus",
                                        "Properties": {"Name": "classic"}}  # fmt: skip
    times = [0.5 + k for k in range(600)]
    spec = {"duration": 600, "seed": 2, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                         "events": [{"event": EVENT}]}],
            "targets": [{"match": "*", "latency": 0,
                         "outages": [{"start": 100, "end": 400}]}]}  # fmt: skip
    run = twin(template).simulate(spec)
    lost = run.result.target("Reader").counts["dlq"]
    assert lost > 0
    for name in ("webhook", "Reader", "Rea*"):  # its name, its logical id, a glob
        expect(run).subscriber(name).delivered(min=len(times) - lost)
    with pytest.raises(
        SloAssertionError, match=rf"Reader/Target  DLQ messages  <= 0 +{lost} +FAIL"
    ):
        expect(run).subscriber("webhook").dlq(0)
    with pytest.raises(SloAssertionError, match=r"names no Custom Event Bus subscriber; known: "
                                                r"Reader \(webhook\)"):  # fmt: skip
        expect(run).subscriber("Classic")
