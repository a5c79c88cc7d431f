"""Event-bus targets are buses: the event is put there and that bus's rules fire.

The reference is the arithmetic of the timeline. An event put at t on bus A (us-east-1) is
ingested at t, its rule's bus target starts after the processing latency P and ends after the
target latency L; it is ingested on bus B (same Region) then; B's rule sends it on to bus C in
us-west-2, where it arrives a cross-Region latency X later; C's rule starts its API destination
call P after that. So C ingests at t + 2(P + L) + X and starts at t + 3P + 2L + X, exactly.
"""

from __future__ import annotations

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario
from tests._templates import write_assembly

P, L, X = 0.02, 0.03, 0.1
ACCOUNT = "111111111111"
CREATED = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"id": 1}}
CANCELLED = {"source": "acme.orders", "detail-type": "OrderCancelled", "detail": {"id": 2}}
CREATED_AT = [0.5 + k for k in range(100)]
CANCELLED_AT = [0.75 + k for k in range(50)]


def _rule(bus: str, pattern: dict, *targets: dict) -> dict:
    return {"Type": "AWS::Events::Rule", "Properties": {
        "EventBusName": {"Ref": bus}, "EventPattern": pattern, "Targets": list(targets)}}  # fmt: skip


def chain_graph(tmp_path, *, cycle: bool = False):
    """A -> B (us-east-1) -> C (us-west-2) -> API destination; A also fans out to a queue."""
    east = {
        "A": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "B": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "fulfil"}},
        "Audit": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "ToB": _rule("A", {"source": ["acme.orders"]},
                     {"Id": "B", "Arn": {"Fn::GetAtt": ["B", "Arn"]}},
                     {"Id": "Audit", "Arn": {"Fn::GetAtt": ["Audit", "Arn"]}}),
        "ToC": _rule("B", {"detail-type": ["OrderCreated"]},
                     {"Id": "C", "Arn": f"arn:aws:events:us-west-2:{ACCOUNT}:event-bus/partner"}),
    }  # fmt: skip
    if cycle:
        east["BackToA"] = _rule("B", {"source": ["acme.orders"]},
                                {"Id": "A", "Arn": {"Fn::GetAtt": ["A", "Arn"]}})  # fmt: skip
    west = {
        "C": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "partner"}},
        "Conn": {"Type": "AWS::Events::Connection", "Properties": {"AuthorizationType": "API_KEY"}},
        "Dest": {"Type": "AWS::Events::ApiDestination", "Properties": {
            "ConnectionArn": {"Fn::GetAtt": ["Conn", "Arn"]}, "HttpMethod": "POST",
            "InvocationEndpoint": "https://partner.example.com/hook",
            "InvocationRateLimitPerSecond": 100}},
        "ToApi": _rule("C", {"detail-type": ["OrderCreated"]},
                       {"Id": "Api", "Arn": {"Fn::GetAtt": ["Dest", "Arn"]}}),
    }  # fmt: skip
    return load_graph(write_assembly(tmp_path, {"East": ("us-east-1", {"Resources": east}),
                                                "West": ("us-west-2", {"Resources": west})}))  # fmt: skip


def run(graph, **eventbridge):
    spec = {
        "duration": "2m", "seed": 11,
        "eventbridge": {"processing_latency": P, "cross_region_latency": X, **eventbridge},
        "traffic": [
            {"bus": "orders", "rate": 1, "arrival": "trace", "trace": CREATED_AT,
             "events": [{"event": CREATED}]},
            {"bus": "orders", "rate": 1, "arrival": "trace", "trace": CANCELLED_AT,
             "events": [{"event": CANCELLED}]},
        ],
        "endpoints": [{"match": "*", "latency": 0}],
        "targets": [{"match": "*", "latency": L}],
    }  # fmt: skip
    sim = Simulation(graph, load_scenario(spec))
    for lane in sim.model.lanes:
        lane.trace = []
    return sim, sim.run()


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return run(chain_graph(tmp_path_factory.mktemp("chain")))


def test_every_hop_counts_its_events_and_routes_by_content(chain):
    """A's rule forwards both event types; B's and C's rules only OrderCreated."""
    _, result = chain
    counts = {(t.rule, t.target): (t.counts["ingested"], t.counts["delivered"])
              for t in result.targets}  # fmt: skip
    both, created = len(CREATED_AT) + len(CANCELLED_AT), len(CREATED_AT)
    assert counts == {
        ("East/ToB", "B"): (both, both),
        ("East/ToB", "Audit"): (both, both),
        ("East/ToC", "C"): (created, created),
        ("West/ToApi", "Api"): (created, created),
    }
    assert not [w for w in result.warnings if w["code"] == "bus-target-not-followed"]
    assert any(a.startswith("bus-to-bus hops: a hop's PutEvents") for a in result.assumptions)


def test_each_hop_happens_when_the_timeline_says(chain):
    sim, _ = chain

    def trace_of(rule: str) -> list[tuple[float, float, float]]:
        (lane,) = [lane for lane in sim.model.lanes if lane.targets[0].rule_id == rule]
        return sorted(lane.trace)

    to_c = trace_of("East/ToC")
    assert [i for _, _, i in to_c] == pytest.approx([t + P + L for t in CREATED_AT])
    api = trace_of("West/ToApi")
    assert [i for _, _, i in api] == pytest.approx([t + 2 * (P + L) + X for t in CREATED_AT])
    assert [s for _, s, _ in api] == pytest.approx([t + 3 * P + 2 * L + X for t in CREATED_AT])


def test_each_bus_measures_its_own_latency_and_the_chain_its_end_to_end(chain):
    """IngestionToInvocationStartLatency is per bus, as AWS measures it: P at every hop. End to
    end, from the PutEvents on bus A, the webhook call starts 3P + 2L + X later, and succeeds
    then too (the endpoint answers at once); on bus A itself both measures agree."""
    _, result = chain
    for target in result.targets:
        assert target.latency_ms["start"]["max"] == pytest.approx(P * 1e3)
    by_rule = {t.rule: t.latency_ms for t in result.targets}
    for measure in ("end_to_end_start", "end_to_end_success"):
        for stat in ("p50", "max"):
            assert by_rule["West/ToApi"][measure][stat] == pytest.approx((3 * P + 2 * L + X) * 1e3)
    assert by_rule["East/ToC"]["end_to_end_start"]["max"] == pytest.approx((2 * P + L) * 1e3)
    first_bus = by_rule["East/ToB"]
    assert first_bus["end_to_end_start"] == {
        k: first_bus["start"][k] for k in first_bus["end_to_end_start"]
    }


def test_the_receiving_regions_ingest_the_hops(chain):
    _, result = chain
    hops = {(r["region"], f["name"]): f["accepted_entries"]
            for r in result.regions for f in r["feeds"] if f["kind"] == "hop"}  # fmt: skip
    assert hops == {
        ("us-east-1", "hops into East/B"): len(CREATED_AT) + len(CANCELLED_AT),
        ("us-west-2", "hops into West/C"): len(CREATED_AT),
    }


def test_the_same_seed_gives_the_same_result(tmp_path):
    first = run(chain_graph(tmp_path))[1].to_json()
    assert run(chain_graph(tmp_path))[1].to_json() == first


def test_a_cycle_of_buses_is_followed_up_to_the_hop_limit(tmp_path):
    """B sends events back to A: each event goes round A -> B -> A ... until max_hops; the
    result says how many were not followed further."""
    _, result = run(chain_graph(tmp_path, cycle=True), max_hops=4)
    by_target = {(t.rule, t.target): t.counts["delivered"] for t in result.targets}
    both = len(CREATED_AT) + len(CANCELLED_AT)
    # ToB delivers each event to B as hops 1, 3 and 5 (B->A being hops 2 and 4); the 5th is
    # past the limit of 4: delivered and counted, but not followed
    assert by_target[("East/ToB", "B")] == 3 * both
    assert by_target[("East/BackToA", "A")] == 2 * both
    (warning,) = [w for w in result.warnings if w["code"] == "hop-limit"]
    assert warning["message"].startswith(f"East/ToB/B: {both} events would have gone past")


def test_an_input_transformer_on_a_bus_target_is_named_as_not_applied(tmp_path):
    graph_dir = tmp_path / "g"
    graph_dir.mkdir()
    graph = chain_graph(graph_dir)
    plain = run(graph)[1]
    assert not [w for w in plain.warnings if w["code"] == "bus-target-input-ignored"]
    template = {"Resources": {
        "A": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "B": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "fulfil"}},
        "ToB": _rule("A", {"source": ["acme.orders"]},
                     {"Id": "B", "Arn": {"Fn::GetAtt": ["B", "Arn"]},
                      "InputPath": "$.detail"}),
    }}  # fmt: skip
    spec = {
        "duration": "1m",
        "traffic": [{"bus": "orders", "rate": 1, "events": [{"event": CREATED}]}],
    }
    result = Simulation(load_graph(template), load_scenario(spec)).run()
    (warning,) = [w for w in result.warnings if w["code"] == "bus-target-input-ignored"]
    assert warning["message"] == (
        "ToB/B: the input transformation is not applied to the event routed on the next bus; its "
        "rules match the original event"
    )


def test_a_hop_with_retries_waiting_at_the_end_still_conserves_every_event(tmp_path):
    """Half the hops to B fail and wait to be retried; both event kinds use the hop, each
    through a key of its own, so retries of both kinds wait at the end, and every event is
    counted once (the conservation check would raise otherwise)."""
    spec = {
        "duration": "1m", "seed": 2, "eventbridge": {"processing_latency": P},
        "traffic": [
            {"bus": "orders", "rate": 20, "events": [{"event": CREATED}, {"event": CANCELLED}]}],
        "endpoints": [{"match": "*", "latency": 0}],
        "targets": [{"match": "*", "latency": L, "failure_rate": 0.5}],
    }  # fmt: skip
    sim = Simulation(chain_graph(tmp_path), load_scenario(spec))
    result = sim.run()
    (lane,) = [lane for lane in sim.model.lanes
               if (lane.targets[0].rule_id, lane.targets[0].target_id) == ("East/ToB", "B")]  # fmt: skip
    assert len([k for k, n in lane.waiting_by_key().items() if n]) == 2  # both kinds wait
    (hop,) = [t for t in result.targets if (t.rule, t.target) == ("East/ToB", "B")]
    counts = hop.counts
    assert counts["ingested"] == counts["delivered"] + counts["in_flight"] + counts["dropped"]
    assert counts["in_flight"] > 0
