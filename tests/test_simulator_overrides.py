"""What-if overrides change the deployment the twin simulates, say what they changed, and refuse
globs that match nothing."""

from __future__ import annotations

import pytest

from bridgetwin.simulator import ScenarioError, load_scenario, simulate
from tests._templates import scenario, start_latency_alarm, webhook_graph, webhook_template


def test_a_rate_limit_override_is_what_the_run_uses_and_is_listed():
    spec = scenario("2m", rate=20)
    before = simulate(webhook_graph(rate=10), load_scenario(spec)).target("Rule")
    spec["overrides"] = {"api_destinations": {"Dest": {"rate_limit": 50}}}
    result = simulate(webhook_graph(rate=10), load_scenario(spec))
    assert result.overrides == ("API destination Dest: rate_limit_per_second 10 -> 50",)
    assert before.counts["rate_limited"] > 0 and result.target("Rule").counts["rate_limited"] < 50
    direct = simulate(webhook_graph(rate=50), load_scenario({**spec, "overrides": {}}))
    assert direct.target("Rule").counts == result.target("Rule").counts  # same as editing the app


def test_target_overrides_change_retries_and_the_dlq():
    spec = scenario("2m", endpoints=[{"match": "*", "latency": 0, "responses": {500: 1}}])
    spec["overrides"] = {"targets": {"Rule/*": {"retry_attempts": 1, "dlq": False}}}
    result = simulate(webhook_graph(retries=5), load_scenario(spec))
    target = result.target("Rule")
    assert target.counts["dlq"] == 0 and target.counts["dropped"] > 0
    assert target.counts["retries"] <= target.counts["ingested"]
    assert result.overrides == (
        "target Rule/Api: retries 5 -> 1, maximum event age 86400 s -> 86400 s, DLQ Dlq -> none",
    )


def test_an_alarm_override_changes_when_it_fires():
    template = webhook_template(rate=1)
    template["Resources"]["Slow"] = start_latency_alarm(threshold_ms=10_000, periods=1)
    from bridgetwin.graph import load_graph

    spec = scenario("10m", rate=5)
    fired = simulate(load_graph(template), load_scenario(spec)).alarm_states
    spec["overrides"] = {"alarms": {"Slow": {"threshold": 1e12}}}
    calm = simulate(load_graph(template), load_scenario(spec)).alarm_states
    assert [a["state"] for a in fired] == ["ALARM"] and [a["state"] for a in calm] == ["OK"]


def test_an_override_that_matches_nothing_names_what_exists():
    spec = scenario("1m")
    spec["overrides"] = {"api_destinations": {"Nope*": {"rate_limit": 5}}}
    with pytest.raises(
        ScenarioError, match=r"overrides\.api_destinations\.Nope\*: matches nothing; known: Dest"
    ):
        simulate(webhook_graph(), load_scenario(spec))
