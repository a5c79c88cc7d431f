"""Invariants over generated scenarios (hypothesis): conservation and determinism."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgetwin.simulator import load_scenario, simulate
from tests._templates import EVENT, fanout_graph, webhook_graph

STATUSES = st.dictionaries(
    st.sampled_from([200, 400, 401, 429, 500, 503]), st.floats(0.05, 1), min_size=1
)


@st.composite
def scenarios(draw):
    return {
        "duration": draw(st.sampled_from(["2m", "5m", "10m"])),
        "seed": draw(st.integers(0, 2**16)),
        "eventbridge": {
            "processing_latency": draw(st.sampled_from([0, "20ms", {"distribution": "exponential", "mean": "50ms"}])),
            "retry_backoff": {"base": draw(st.sampled_from([0.1, 1, 5])),
                              "jitter": draw(st.sampled_from(["full", "equal", "none"]))},
            "step": draw(st.sampled_from([0.5, 1, 10, 60])),
        },
        "traffic": [{
            "bus": "orders",
            "rate": draw(st.floats(0.5, 40)),
            "arrival": draw(st.sampled_from(["poisson", "constant", "bursty", "diurnal"])),
            "batch": draw(st.integers(1, 10)),
            "events": [{"event": EVENT}],
        }],
        "api_destinations": [{"match": "*", "burst": draw(st.integers(1, 20))}],
        "endpoints": [{
            "match": "*",
            "latency": draw(st.sampled_from([0, "80ms", {"distribution": "lognormal", "median": "80ms", "p99": "7s"}])),
            "responses": draw(STATUSES),
            "retry_after": draw(st.sampled_from([None, "2s"])),
            "outages": draw(st.sampled_from([[], [{"start": "30s", "end": "90s", "status": "timeout"}]])),
        }],
    }  # fmt: skip


GRAPH_OPTIONS = st.fixed_dictionaries(
    {"rate": st.integers(1, 50), "retries": st.integers(0, 185), "age": st.integers(60, 86400),
     "dlq": st.booleans(), "auth": st.sampled_from(["API_KEY", "OAUTH_CLIENT_CREDENTIALS"])}
)  # fmt: skip


@given(scenarios(), GRAPH_OPTIONS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_conservation_always_holds_h(spec, options):
    """ingested = delivered + dlq + dropped + in_flight (the run itself raises if not)."""
    result = simulate(webhook_graph(**options), load_scenario(spec))
    counts = result.target("Rule").counts
    assert (
        counts["ingested"]
        == counts["delivered"] + counts["dlq"] + counts["dropped"] + counts["in_flight"]
    )
    if not options["dlq"]:
        assert counts["dlq"] == 0


@given(scenarios())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_same_seed_same_json_h(spec):
    graph = webhook_graph(retries=3)
    first = simulate(graph, load_scenario(spec)).to_json()
    assert simulate(graph, load_scenario(spec)).to_json() == first


@given(
    scenarios(),
    st.floats(0, 0.5),
    st.sampled_from([None, 1, 4]),
    st.integers(1, 60),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_conservation_holds_on_every_route_of_a_fan_out_h(spec, failure_rate, concurrency, rate):
    """Two rules sharing an API destination and a queue with failures and a concurrency limit:
    every (rule, target) pair conserves its events, whatever the scenario."""
    spec["targets"] = [{"match": "Queue", "failure_rate": failure_rate, "concurrency": concurrency}]
    result = simulate(fanout_graph(rate=rate), load_scenario(spec))
    assert len(result.targets) == 3
    for target in result.targets:
        counts = target.counts
        assert counts["ingested"] == sum(
            counts[k] for k in ("delivered", "dlq", "dropped", "in_flight")
        )
