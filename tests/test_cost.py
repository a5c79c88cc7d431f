"""The month's cost of a run equals hand arithmetic from the pricing table: events published and
attempts made (worked out here from the scenario, not read from the result), priced per million
and scaled to 30 days; retries cost more, a user's prices override, a Custom Event Bus is said
to be unpriced."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bridgetwin.graph import load_graph
from bridgetwin.planning.cost import MONTH_S, PRICES, monthly_cost
from bridgetwin.simulator import load_scenario, simulate
from tests._custom_bus import custom_bus_template
from tests._templates import EVENT, webhook_template

RATE, DURATION = 5, 600


def _spec(**endpoint) -> dict:
    return {"duration": f"{DURATION}s", "seed": 1, "drain": "30m",
            "eventbridge": {"processing_latency": 0, "retry_backoff": {"jitter": "none"}},
            "traffic": [{"bus": "orders", "rate": RATE, "arrival": "constant", "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0, **endpoint}]}  # fmt: skip


def _price(item: str) -> float:
    return PRICES[item].usd_per_million / 1e6


def test_a_clean_run_costs_its_events_and_one_call_each():
    graph = load_graph(webhook_template(rate=100))
    scenario = load_scenario(_spec())
    result = simulate(graph, scenario)
    events = RATE * DURATION  # constant arrivals: exactly this many
    scale = MONTH_S / DURATION
    expected = events * (_price("custom_events") + _price("api_destination_invocations")) * scale
    assert monthly_cost(result, graph, scenario).monthly_usd == pytest.approx(expected, rel=1e-12)


def test_retries_and_dead_letters_cost_what_they_add():
    """A 2-minute outage from minute 2, 3 retries (no jitter: attempts at +0, 1, 3, 7 s): each
    event published in the outage makes 4 attempts and ends in the DLQ (one SQS request)."""
    graph = load_graph(webhook_template(rate=100, retries=3))
    scenario = load_scenario(_spec(outages=[{"start": "2m", "end": "4m", "status": 503}]))
    result = simulate(graph, scenario)
    times = [k / RATE for k in range(RATE * DURATION)]
    lost = [t for t in times if all(120 <= t + d < 240 for d in (0, 1, 3, 7))]
    attempts = sum(1 + sum(120 <= t + d < 240 for d in (0, 1, 3)) if 120 <= t < 240 else 1
                   for t in times)  # fmt: skip
    scale = MONTH_S / DURATION
    expected = (len(times) * _price("custom_events") + attempts * _price("api_destination_invocations")
                + len(lost) * _price("sqs_requests")) * scale  # fmt: skip
    cost = monthly_cost(result, graph, scenario)
    assert cost.monthly_usd == pytest.approx(expected, rel=1e-12)
    clean = monthly_cost(simulate(graph, load_scenario(_spec())), graph, scenario)
    assert cost.monthly_usd > clean.monthly_usd
    cheaper = monthly_cost(result, graph, scenario, {"custom_events": 0.5})
    assert cheaper.monthly_usd == pytest.approx(expected - len(times) * 0.5e-6 * scale, rel=1e-12)
    with pytest.raises(ValueError, match="unknown items \\['putevents'\\]"):
        monthly_cost(result, graph, scenario, {"putevents": 1})


def test_the_custom_event_bus_is_said_to_be_unpriced_and_the_command_prints_the_cost(tmp_path):
    template = custom_bus_template()
    graph = load_graph(template)
    scenario = load_scenario(_spec())
    cost = monthly_cost(simulate(graph, scenario), graph, scenario)
    assert any("not priced: the Custom Event Bus" in n and "bus orders" in n for n in cost.notes)
    assert not any(item == "custom_events" for item, *_ in cost.lines)
    from bridgetwin.cli import app

    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=100)))
    (tmp_path / "s.json").write_text(json.dumps(_spec()))
    (tmp_path / "p.yaml").write_text("custom_events: 2.0\n")
    out = CliRunner().invoke(app, ["simulate", str(tmp_path / "t.json"), "--scenario",
                                   str(tmp_path / "s.json"), "--pricing", str(tmp_path / "p.yaml")])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "cost: $" in out.output and "per month at this run's rates" in out.output


def test_cost_is_a_metric_of_diffs_and_goals():
    """At constant arrivals and no failures the month costs rate x 30 days x (1.00 + 0.20) USD per
    million (an event and one API destination call each): a cost goal holds up to the rate
    that arithmetic gives, and a diff that adds retries says the cost rose."""
    from bridgetwin.planning.behaviour_diff import behaviour_diff
    from bridgetwin.planning.feasible_search import plan
    from bridgetwin.planning.goal import Goal

    graph = load_graph(webhook_template(rate=300))
    per_rate = MONTH_S * (_price("custom_events") + _price("api_destination_invocations"))
    budget = 30.0
    found = plan(graph, _spec(), vary="traffic.0.rate", low=1, high=20,
                 goals=[Goal.parse(f"cost.monthly_usd <= {budget}")], runs=2)  # fmt: skip
    assert found.intervals == [(1.0, float(int(budget / per_rate)))]
    outage = _spec(outages=[{"start": "2m", "end": "4m", "status": 503}])
    retried = load_graph(webhook_template(rate=300, retries=3))
    report = behaviour_diff(retried, load_graph(webhook_template(rate=300, retries=20)), outage,
                            runs=2)  # fmt: skip
    (cost,) = [c for c in report.changes
               if c.metric == "cost.monthly_usd" and c.target == "(deployment)"]  # fmt: skip
    assert cost.verdict == "changed" and cost.head > cost.base
