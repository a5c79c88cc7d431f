"""Verdicts that cannot pass on an unfinished run, one answer from every SLO surface, and no
vacuous checks.

The case from the issue: 50 events/s into a 10/s API destination for 10 minutes. When the run
ends, four in five events are still queued; counts over them are not final and a percentile of
the fifth that started flatters the target. By the fluid-queue arithmetic the event arriving at
t starts when the 50 t events before it have gone at 10/s, at 5 t: it waits 4 t. Drained, the
start p99 is about 4 x 594 s = 2,376 s; over the events that started by the end (each served at
s <= 600 s waited 0.8 s) it would read about 475 s."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.simulator import ScenarioError, load_scenario
from bridgetwin.testing import SloAssertionError, assert_slo, expect, twin
from tests._templates import scenario, webhook_template

SLO = [{"metric": "counts.dlq", "max": 0}, {"metric": "latency.start.p99", "max": "45m"}]


def overload(**extra) -> dict:
    return scenario("10m", rate=50, seed=4, **{
        "api_destinations": [{"match": "*", "burst": 1}], "slo": SLO, **extra})  # fmt: skip


@pytest.fixture(scope="module")
def runs():
    deployment = twin(webhook_template(rate=10))
    return deployment.simulate(overload()), deployment.simulate(overload(drain="1h"))


def test_counts_over_an_unfinished_run_fail_saying_how_many_did_not_finish(runs):
    cut, _ = runs
    counts = cut.result.target("Rule").counts
    assert counts["in_flight"] > 0.75 * counts["ingested"]
    survivors_p99 = cut.result.target("Rule").latency_ms["start"]["p99"] / 1e3
    assert survivors_p99 == pytest.approx(0.8 * 0.99 * 600, rel=0.03)  # what used to pass
    with pytest.raises(SloAssertionError) as info:
        expect(cut).target("Rule").dlq(0)
    message = str(info.value)
    assert f"{counts['in_flight']:,} of {counts['ingested']:,} events had not finished" in message
    assert "the oldest had waited" in message and "drain:" in message
    with pytest.raises(SloAssertionError, match="never started when the run ended"):
        expect(cut).target("Rule").start_latency(p99="45m")  # the survivors' 475 s would pass
    expect(cut).target("Rule", allow_unfinished=True).dlq(0).lost(0)  # what did finish


def test_the_scenarios_own_verdicts_and_check_agree(runs, tmp_path):
    cut, _ = runs
    dlq, latency = cut.result.slo
    assert (dlq.passed, latency.passed) == (False, False)
    assert "events had not finished when the run ended" in dlq.note
    assert "events never started when the run ended" in latency.note
    with pytest.raises(SloAssertionError, match="had not finished"):
        assert_slo(cut)
    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=10)))
    (tmp_path / "s.json").write_text(json.dumps(overload()))
    out = CliRunner().invoke(app, ["simulate", str(tmp_path / "t.json"), "--scenario",
                                   str(tmp_path / "s.json"), "--check", "--format", "json"])  # fmt: skip
    assert out.exit_code == 1


def test_a_drained_run_is_judged_on_every_event(runs):
    _, drained = runs
    target = drained.result.target("Rule")
    assert target.counts["in_flight"] == 0
    assert target.counts["delivered"] == target.counts["ingested"]
    assert drained.result.duration_s == 600 + 3600
    p99 = target.latency_ms["start"]["p99"] / 1e3
    assert p99 == pytest.approx(4 * 0.99 * 600, rel=0.03)
    expect(drained).target("Rule").dlq(0).lost(0).start_latency(p99="45m")
    assert_slo(drained)
    assert any(a.startswith("drain: traffic, schedules and queue traffic stop at 600 s")
               for a in drained.result.assumptions)  # fmt: skip


def test_vacuous_checks_are_errors_in_the_test(runs):
    _, drained = runs
    target = expect(drained).target("Rule")
    with pytest.raises(TypeError, match="give min= or max="):
        target.delivered()
    with pytest.raises(ValueError, match="must be a number >= 0, got -1"):
        target.dlq(-1)
    with pytest.raises(TypeError, match="needs a bound"):
        target.start_latency()
    with pytest.raises(ScenarioError, match="an objective needs max or min"):
        load_scenario(scenario("1m", slo=[{"metric": "counts.dlq"}]))


def test_slo_entries_take_the_names_expect_takes(runs):
    """Logical id, RULE/TARGET and globs, in slo: as in expect()."""
    _, drained = runs
    for name in ("Rule", "Rule/Api", "Ru*"):
        spec = overload(drain="1h", slo=[{"target": name, "metric": "counts.dlq", "max": 0}])
        (verdict,) = drained.twin.simulate(spec).result.slo
        assert (verdict.target, verdict.passed) == ("Rule/Api", True)
