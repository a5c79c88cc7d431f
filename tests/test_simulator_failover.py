"""Global-endpoint failover of app.py's GlobalEventBus: alarm, health check, DNS, replication."""

from __future__ import annotations

import copy

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import ScenarioError, Simulation, load_scenario, simulate
from tests._results import assert_same

pytestmark = pytest.mark.cdk

PAYMENT = {"source": "acme.payments", "detail-type": "PaymentAccepted", "detail": {"amount": 42}}
BASE = {
    "duration": "1h",
    "seed": 3,
    "traffic": [{"bus": "payments", "via_endpoint": True, "rate": 10, "events": [{"event": PAYMENT}]}],
}  # fmt: skip


@pytest.fixture(scope="module")
def graph(example_assembly):
    return load_graph(example_assembly.directory)


def failover(graph, disruptions=(), **changes):
    spec = copy.deepcopy(BASE)
    spec["traffic"][0].update(changes.pop("traffic", {}))
    if disruptions:
        spec["regions"] = {"us-east-1": {"disruptions": list(disruptions)}}
    spec.update(changes)
    (summary,) = simulate(graph, load_scenario(spec)).failover
    return summary


def test_thirty_minute_disruption_fails_over_within_aws_rto(graph):
    summary = failover(graph, [{"start": "10m", "end": "40m", "ingestion_latency": "45s"}])
    assert 300 <= summary["rto_s"] <= 420  # AWS: about 360 s, at most 420 s
    assert summary["rto_s"] == pytest.approx(360, abs=60)
    parts = summary["parts"]
    assert parts["alarm_window_s"] == pytest.approx(300, abs=60)  # 5 x 60 s periods
    assert parts["health_check_propagation_s"] == 30
    assert 0 <= parts["dns_ttl_wait_s"] <= 60
    assert summary["rto_s"] == pytest.approx(
        parts["alarm_window_s"] + parts["health_check_propagation_s"] + parts["dns_ttl_wait_s"]
    )
    assert summary["failback_at_s"] > 40 * 60  # replication on: traffic returns after recovery
    assert summary["events_lost"] == 0
    assert summary["events_duplicated"] > 0  # replication copies every event to the other Region
    assert set(summary["delivered_by_region"]) == {"us-east-1", "us-west-2"}


def test_failover_does_not_depend_on_the_engines_steps(graph):
    """The chain (alarm, health check, DNS, replication, spooled retries) on constant traffic
    gives the same timeline and counts whatever the engine's steps: a step never crosses the
    time an alarm evaluation could change routing, and rejected calls retry at their time."""
    disruptions = [{"start": "10m", "end": "25m", "ingestion_latency": "45s"},
                   {"start": "50m", "end": "51m", "outage": True}]  # fmt: skip
    traffic = {"arrival": "constant", "spool": True, "retry": {"attempts": 2, "base": "300ms"}}
    results = []
    for step in (None, 0.5, 7, 600):
        spec = copy.deepcopy(BASE)
        spec["traffic"][0].update(traffic)
        spec["regions"] = {"us-east-1": {"disruptions": disruptions}}
        spec["eventbridge"] = {"processing_latency": "20ms", "step": step}
        results.append(simulate(graph, load_scenario(spec)).to_dict())
    summary = results[0]["failover"][0]
    assert summary["switched_at_s"] is not None and summary["failback_at_s"] is not None
    assert summary["events_at_risk"] > 0
    (east,) = [r["feeds"] for r in results[0]["regions"] if r["region"] == "us-east-1"]
    assert east[0]["error_calls"] > 0  # the outage rejected calls, which the SDK retried
    for other in results[1:]:
        assert_same(other, results[0])


def test_disruption_shorter_than_alarm_window_does_not_fail_over(graph):
    summary = failover(graph, [{"start": "10m", "end": "13m", "ingestion_latency": "45s"}])
    assert summary["alarm_at_s"] is None
    assert summary["switched_at_s"] is None
    assert summary["failovers"] == 0


def test_flapping_region_fails_over_and_back_twice(graph):
    summary = failover(
        graph,
        [{"start": "5m", "end": "15m", "ingestion_latency": "45s"},
         {"start": "30m", "end": "40m", "ingestion_latency": "45s"}],
    )  # fmt: skip
    assert summary["failovers"] == 2
    events = [e["event"] for e in summary["timeline"]]
    assert events.count("health check unhealthy") == 2
    assert events.count("health check healthy") == 2


def test_sparse_traffic_with_missing_data_breaching_fails_over_falsely(graph):
    """AWS's warning: with TreatMissingData=breaching, minutes without events look unhealthy."""
    summary = failover(graph, traffic={"rate": 0.002})  # one payment every ~8 minutes
    assert summary["disruption_start_s"] is None
    assert summary["switched_at_s"] is not None
    assert summary["switched_at_s"] <= 20 * 60


def test_without_replication_there_is_no_failback(graph):
    no_replication = copy.deepcopy(graph)
    (endpoint,) = no_replication.endpoints
    object.__setattr__(endpoint, "replication_enabled", False)
    summary = failover(no_replication, [{"start": "10m", "end": "20m", "ingestion_latency": "45s"}])
    assert summary["switched_at_s"] is not None
    assert summary["failback_at_s"] is None
    assert summary["manual_reset_required"] is True
    assert summary["events_duplicated"] == 0
    events = [e["event"] for e in summary["timeline"]]
    assert events[-1] == (
        "no automatic failback: the primary's metric is silent, so its alarm cannot recover; "
        "reset the health check by hand"
    )


def test_spool_keeps_events_a_producer_without_it_loses(graph):
    outage = [{"start": "10m", "end": "25m", "outage": True}]
    retry = {"attempts": 3, "base": "100ms", "cap": "5s"}
    lossy = failover(graph, outage, traffic={"retry": retry, "spool": False})
    durable = failover(graph, outage, traffic={"retry": retry, "spool": True})
    assert lossy["events_lost"] > 0
    assert durable["events_lost"] == 0
    assert sum(durable["delivered_by_region"].values()) > sum(lossy["delivered_by_region"].values())


def test_via_endpoint_needs_an_endpoint(graph):
    spec = copy.deepcopy(BASE)
    spec["traffic"][0]["bus"] = "orders"
    with pytest.raises(
        ScenarioError, match=r"traffic\.0\.via_endpoint: bus .* is behind no global endpoint"
    ):
        Simulation(graph, load_scenario(spec))


def test_unknown_region_lists_the_known_ones(graph):
    spec = copy.deepcopy(BASE)
    spec["regions"] = {"eu-west-9": {}}
    with pytest.raises(ScenarioError, match="regions: eu-west-9 receive no traffic"):
        Simulation(graph, load_scenario(spec))


def _naive_at_risk(calls, start, end):
    """Every call the primary accepted, kept: those from ``start`` before ``end`` whose copy
    was due after ``end``, and the earliest of them."""
    risky = [t for t, due in calls if start <= t < end < due]
    return len(risky), min(risky, default=None)


@pytest.mark.parametrize(
    "disruptions, replication",
    [
        ([{"start": "10m", "end": "40m", "ingestion_latency": "45s"}], True),  # switch
        ([{"start": "10m", "end": "13m", "ingestion_latency": "45s"}], True),  # no switch
        ([{"start": "10m", "end": "20m", "ingestion_latency": "45s"}], False),  # never copied
        ([{"start": "5m", "end": "15m", "ingestion_latency": "45s"},  # flapping, and calls
          {"start": "30m", "end": "40m", "ingestion_latency": "45s", "put_events_errors": 0.3}],  # retried
         True),
    ],
)  # fmt: skip
def test_events_at_risk_equal_a_count_over_every_accepted_call(
    graph, monkeypatch, disruptions, replication
):
    """The ledger forgets calls as the run goes; a reference that keeps every call the primary
    accepted gives the same events at risk and RPO at the switch (or the disruption's end)."""
    from bridgetwin.simulator.aws.replication_risk import RiskLedger

    calls = []
    accept = RiskLedger.accept

    def keep(self, times, due):
        calls.extend(zip(times.tolist(), due.tolist(), strict=True))
        accept(self, times, due)

    monkeypatch.setattr(RiskLedger, "accept", keep)
    deployment = copy.deepcopy(graph)
    (endpoint,) = deployment.endpoints
    object.__setattr__(endpoint, "replication_enabled", replication)
    traffic = {"rate": 40, "spool": True, "retry": {"attempts": 3, "base": "200ms"}}
    summary = failover(deployment, disruptions, traffic=traffic)
    start = summary["disruption_start_s"]
    end = summary["switched_at_s"] or max(load_scenario({"duration": "1h", "regions": {
        "us-east-1": {"disruptions": disruptions}}}).regions["us-east-1"].disruptions,
        key=lambda d: d.end).end  # fmt: skip
    count, earliest = _naive_at_risk(calls, start, end)
    assert count > 0
    assert summary["events_at_risk"] == count
    assert summary["rpo_s"] == pytest.approx(end - earliest)


def test_events_at_risk_on_constant_traffic_are_the_replication_delay_times_the_rate(graph):
    """10 events/s, one a call, every 0.1 s: at the switch the primary has accepted but not yet
    copied the calls of the last lag + ingestion latency (1 s + 45 s), so 460 events, spanning
    46 s (the RPO)."""
    summary = failover(
        graph,
        [{"start": "10m", "end": "40m", "ingestion_latency": "45s"}],
        traffic={"arrival": "constant"},
    )
    assert summary["switched_at_s"] is not None
    assert summary["events_at_risk"] == pytest.approx(10 * 46, abs=1)
    assert 46 - 0.1 - 1e-9 <= summary["rpo_s"] <= 46  # the earliest call is within 0.1 s
