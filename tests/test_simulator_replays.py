"""Archives keep what their pattern matches; a replay puts a window of it back on the bus, where it
competes with live traffic. References: exact counts from constant arrivals, and the token-bucket
arithmetic of a replayed burst through a rate limit."""

from __future__ import annotations

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import ScenarioError, load_scenario, simulate
from tests._templates import EVENT, webhook_template

OTHER = {"source": "acme.payments", "detail-type": "PaymentAccepted", "detail": {}}


def archived_template(pattern: dict | None = None) -> dict:
    template = webhook_template(rate=100)
    props = {"SourceArn": {"Fn::GetAtt": ["Bus", "Arn"]}, "ArchiveName": "orders-archive"}
    if pattern is not None:
        props["EventPattern"] = pattern
    template["Resources"]["Archive"] = {"Type": "AWS::Events::Archive", "Properties": props}
    replays = {"Type": "AWS::Events::Rule", "Properties": {
        "EventBusName": {"Ref": "Bus"}, "EventPattern": {"replay-name": [{"exists": True}]},
        "Targets": [{"Id": "Q", "Arn": "arn:aws:sqs:us-east-1:123456789012:replays"}]}}  # fmt: skip
    template["Resources"]["OnlyReplays"] = replays
    return template


def spec(**replay) -> dict:
    return {
        "duration": "30m", "seed": 2, "eventbridge": {"processing_latency": 0},
        "traffic": [{"bus": "orders", "rate": 5, "arrival": "constant", "end": "10m",
                     "events": [{"event": EVENT}]},
                    {"bus": "orders", "rate": 5, "arrival": "constant", "end": "10m",
                     "events": [{"event": OTHER}]}],
        "endpoints": [{"match": "*", "latency": 0}],
        "replays": [{"archive": "orders-archive", "start": "20m", "events_to": "10m", **replay}],
    }  # fmt: skip


def test_an_archive_keeps_what_its_pattern_matches_and_a_replay_puts_it_back():
    result = simulate(load_graph(archived_template({"source": ["acme.orders"]})),
                      load_scenario(spec()))  # fmt: skip
    (archive,) = result.archives
    orders = result.target("Rule").counts["ingested"]
    assert archive["archived"] == 3000  # every order (and no payment) is archived...
    assert archive["replays"] == [{"name": "replay", "replayed": archive["archived"]}]
    assert orders == 2 * archive["archived"]  # ...and the rule saw each twice: live, replayed
    assert result.target("OnlyReplays").counts["ingested"] == archive["archived"]
    assert ("replays.0 (replay): each archived minute is replayed over 1 s (AWS replays minute "
            "by minute and publishes no speed, UNCONFIRMED; replays.0.pace)") in result.assumptions  # fmt: skip


def test_a_replayed_burst_waits_for_the_rate_limit_like_live_traffic():
    """3,000 archived orders (10 minutes at 5/s) are put back
    over 10 s at 300/s. Through 100/s with a burst of 100, request n starts at
    max(ready, (n - 99) / 100 s after the first): the last, ready at 10 s, starts at 29.0 s,
    so it waited 19.0 s; live orders never waited."""
    result = simulate(load_graph(archived_template({"source": ["acme.orders"]})),
                      load_scenario(spec()))  # fmt: skip
    (archive,) = result.archives
    assert archive["archived"] == 3000
    start = result.target("Rule").latency_ms["start"]
    last_ready = (3000 - 1) / 300
    last_start = (3000 - 100) / 100
    assert start["max"] / 1e3 == pytest.approx(last_start - last_ready, abs=0.1)


def test_a_replay_can_be_limited_to_some_rules():
    result = simulate(load_graph(archived_template()), load_scenario(spec(rules=["OnlyReplays"])))
    (archive,) = result.archives
    assert archive["archived"] == 6000  # no pattern: every event
    assert result.target("OnlyReplays").counts["ingested"] == 6000
    assert result.target("Rule").counts["ingested"] == 3000  # live orders only


def test_replay_mistakes_are_named():
    with pytest.raises(
        ScenarioError, match=r"replays\.0\.archive: 'nope' is not an archive; known: Archive"
    ):
        simulate(load_graph(archived_template()), load_scenario({**spec(), "replays": [
            {"archive": "nope", "start": "20m"}]}))  # fmt: skip
    with pytest.raises(ScenarioError, match="events_from < events_to <= start"):
        load_scenario({**spec(), "replays": [{"archive": "Archive", "start": "5m",
                                              "events_to": "10m"}]})  # fmt: skip


@pytest.mark.parametrize("window", [{"events_from": "2m", "events_to": "4m"}, None])
def test_an_archive_holds_in_memory_only_what_its_replays_read(window):
    """An archive counts every event it keeps, but holds the times of only those a replay of
    the scenario will put back (none without a replay): a busy bus's archive over a day must
    not hold every event. The replay still puts back exactly its window: 2 minutes at 5/s."""
    from bridgetwin.simulator import Simulation

    scenario = spec(**(window or {}))
    if window is None:
        scenario["replays"] = []
    sim = Simulation(load_graph(archived_template({"source": ["acme.orders"]})),
                     load_scenario(scenario))  # fmt: skip
    result = sim.run()
    (recorder,) = sim.model.replays.recorders.values()
    held = sum(len(part) for parts in recorder.times for part in parts)
    assert recorder.kept == result.archives[0]["archived"] == 3000
    assert held == (600 if window else 0)
    if window:
        assert result.archives[0]["replays"][0]["replayed"] == 600
