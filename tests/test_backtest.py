"""Backtests: the comparison's arithmetic against a hand computation, the twin against its own
recording (near-zero error) and against a recording with a change it does not model (flagged
where it happened), the example's files against the commands that made them, and the CLI of
``calibrate`` and ``backtest`` end to end (moto's CloudWatch for ``--from-cloudwatch``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import t
from typer.testing import CliRunner

from bridgetwin.calibration import MetricKey, backtest, read_metrics, rule_metrics
from bridgetwin.calibration.backtest import compare
from bridgetwin.cli import app
from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "calibration"
COUNT = MetricKey.of("AWS/Events", "Invocations", "Sum", RuleName="r")


def test_the_band_bias_and_flagged_periods_follow_the_arithmetic():
    """Three seeds of 100 +/- 10; the recording leaves the band in periods 4-5 only."""
    runs = np.array([[90.0] * 8, [100.0] * 8, [110.0] * 8])
    recorded = np.array([100, 95, 105, 100, 400, 400, 100, 100], dtype=float)
    fit = compare(COUNT, recorded, runs, 0.95, 0.10)
    half = t.ppf(0.995, 2) * np.sqrt(1 + 1 / 3) * 10.0 + 0.5  # sd 10 > Poisson's 10: equal
    np.testing.assert_allclose(fit.high - fit.mean, half)
    assert fit.diverging == ((4, 5),) and fit.coverage == pytest.approx(6 / 8)
    assert fit.bias == pytest.approx(800 / 1400 - 1) and fit.verdict == "diverges"
    assert fit.mape == pytest.approx(np.mean(np.abs(100 - recorded) / recorded))
    calm = compare(COUNT, np.full(8, 100.0), runs, 0.95, 0.10)
    assert calm.verdict == "fits" and calm.bias == 0 and calm.diverging == ()


def test_a_count_band_is_never_narrower_than_poisson():
    runs = np.full((5, 4), 400.0)  # identical seeds: no spread of their own
    fit = compare(COUNT, np.array([400, 440, 360, 520.0]), runs, 0.95, 0.10)
    assert fit.high[0] - 400 == pytest.approx(t.ppf(0.995, 4) * np.sqrt(1.2) * 20 + 0.5)
    assert fit.diverging == ((3, 3),)


@pytest.fixture(scope="module")
def example():
    graph = load_graph(EXAMPLE / "template.yaml")
    scenario = load_scenario(EXAMPLE / "calibrated.yaml")

    def run(name: str):
        recording = read_metrics([EXAMPLE / name])
        rules = rule_metrics(graph, {}, recording.dimension_values("AWS/Events", "RuleName"))
        return backtest(graph, scenario, recording, rules, seeds=5)

    return run


def test_the_twin_against_its_own_recording_reports_near_zero_error(example):
    result = example("recorded.json")
    assert len(result.metrics) >= 30
    assert [f.key.label() for f in result.metrics if f.verdict != "fits"] == []
    for fit in result.metrics:
        if not fit.is_latency:
            assert abs(fit.bias) < 0.02, fit.key.label()
        if fit.mape is not None and fit.noise:
            assert fit.mape <= 1.25 * fit.noise + 0.02, fit.key.label()  # no error of its own


def test_an_unmodelled_slowdown_is_flagged_where_it_happened(example):
    """From 08:30 the partner answered twice as slowly: the latencies of its requests diverge from
    then on (a run starting at the 30th minute), and nothing else does."""
    result = example("changed.json")
    diverging = {f.key.label() for f in result.diverging}
    assert {m for m in diverging if "Complete" not in m and "Success" not in m} == set()
    central = [f for f in result.diverging if f.key.stat in ("p50", "p90")]
    assert len(central) == 4  # complete and success latency, p50 and p90
    for fit in central:
        assert fit.diverging[0][0] == 30 and fit.diverging[-1][1] == 59, fit.key.label()
        assert fit.bias < -0.2  # predicted well below what was recorded
    assert result.period_start(30) == datetime(2026, 11, 27, 8, 30, tzinfo=UTC)


def test_the_examples_files_are_what_their_commands_make(tmp_path):
    """recorded.json is ``simulate --metrics-out`` of truth.yaml; calibrated.yaml is
    ``calibrate`` of it: regenerated here, byte for byte."""
    out = CliRunner().invoke(app, ["simulate", str(EXAMPLE / "template.yaml"), "--scenario",
                                   str(EXAMPLE / "truth.yaml"), "--format", "json",
                                   "--metrics-out", str(tmp_path / "r.json")])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert (tmp_path / "r.json").read_text() == (EXAMPLE / "recorded.json").read_text()
    calibrated = CliRunner().invoke(app, ["calibrate", str(EXAMPLE / "template.yaml"),
                                          "--metrics", str(EXAMPLE / "recorded.json"),
                                          "--scenario", str(EXAMPLE / "base.yaml")])  # fmt: skip
    assert calibrated.exit_code == 0, calibrated.output
    committed = (EXAMPLE / "calibrated.yaml").read_text()
    assert calibrated.stdout.replace(str(EXAMPLE / "recorded.json"), "x") == committed.replace(
        "examples/calibration/recorded.json", "x")  # fmt: skip


def test_generate_writes_the_changed_recording(tmp_path):
    copy = tmp_path / "calibration"
    copy.mkdir()
    for name in ("generate.py", "template.yaml", "truth.yaml"):
        (copy / name).write_text((EXAMPLE / name).read_text())
    subprocess.run([sys.executable, str(copy / "generate.py")], check=True, cwd=ROOT)
    assert (copy / "changed.json").read_text() == (EXAMPLE / "changed.json").read_text()


def test_write_queries_names_every_metric_in_its_label(tmp_path):
    out = CliRunner().invoke(app, ["calibrate", str(EXAMPLE / "template.yaml"), "--write-queries",
                                   str(tmp_path / "q.json"), "--period", "300"])  # fmt: skip
    assert out.exit_code == 0, out.output
    queries = json.loads((tmp_path / "q.json").read_text())
    assert len(queries) == 3 * 17 + 4  # per rule: 8 counts, 9 latency percentiles; 4 PutEvents
    for query in queries:
        assert re.fullmatch(r"[a-z][a-zA-Z0-9_]*", query["Id"]) and query["MetricStat"][
            "Period"] == 300  # fmt: skip
        key = MetricKey.parse(query["Label"])
        assert key is not None and key.name == query["MetricStat"]["Metric"]["MetricName"]


def test_calibrate_from_cloudwatch_through_the_cli(moto_port, tmp_path):
    import boto3

    client = boto3.client("cloudwatch", region_name="us-east-1",
                          endpoint_url=f"http://127.0.0.1:{moto_port}")  # fmt: skip
    start = (datetime.now(UTC) - timedelta(hours=8)).replace(second=0, microsecond=0)
    dims = [
        {"Name": "EventBusName", "Value": "orders"},
        {"Name": "RuleName", "Value": "big-orders"},
    ]
    client.put_metric_data(Namespace="AWS/Events", MetricData=[
        {"MetricName": name, "Dimensions": dims, "Value": value, "Unit": "Count",
         "Timestamp": start + timedelta(minutes=m)}
        for m in range(10) for name, value in (("MatchedEvents", 120.0 + m),
                                               ("InvocationAttempts", 120.0 + m),
                                               ("SuccessfulInvocationAttempts", 120.0 + m))])  # fmt: skip
    stamp = start.isoformat()
    out = CliRunner().invoke(app, ["calibrate", str(EXAMPLE / "template.yaml"),
                                   "--from-cloudwatch", "--region", "us-east-1",
                                   "--endpoint-url", f"http://127.0.0.1:{moto_port}",
                                   "--start", stamp, "--end",
                                   (start + timedelta(minutes=10)).isoformat(),
                                   "--out", str(tmp_path / "s.yaml")])  # fmt: skip
    assert out.exit_code == 0, out.output
    scenario = load_scenario(tmp_path / "s.yaml")
    (traffic,) = scenario.traffic
    np.testing.assert_allclose(
        traffic.profile.rates, [(120 + m) / 60 for m in range(10)], atol=1e-6
    )
    assert scenario.duration == 600 and scenario.start_time == start


@pytest.mark.parametrize(("args", "message"), [
    (["calibrate", "T"], "give --metrics FILE"),
    (["calibrate", "T", "--metrics", "M", "--from-cloudwatch"], "one of them"),
    (["calibrate", "T", "--from-cloudwatch"], "--start is needed"),
    (["calibrate", "T", "--from-cloudwatch", "--start", "yesterday"], "not an ISO 8601 time"),
    (["calibrate", "T", "--metrics", "M", "--name", "Nope=x"], "--name Nope: no rule"),
    (["calibrate", "T", "--metrics", "missing.json"], "missing.json: not readable JSON"),
    (["backtest", "T", "--metrics", "M"], "--scenario is needed"),
    (["backtest", "T", "--metrics", "M", "--scenario", "S", "--seeds", "1"], "--seeds"),
    (["backtest", "T", "--metrics", "M", "--scenario", "base.yaml"], "set start_time"),
])  # fmt: skip
def test_bad_input_exits_2_naming_it(args, message, monkeypatch):
    monkeypatch.chdir(EXAMPLE)
    names = {"T": "template.yaml", "M": "recorded.json", "S": "calibrated.yaml"}
    result = CliRunner().invoke(app, [names.get(a, a) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_backtest_check_fails_on_divergence_and_writes_its_report(tmp_path):
    args = ["backtest", str(EXAMPLE / "template.yaml"), "--scenario",
            str(EXAMPLE / "calibrated.yaml"), "--metrics", str(EXAMPLE / "changed.json"),
            "--seeds", "3", "--check", "--report", str(tmp_path / "b.html"), "--format", "json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    verdicts = {m["metric"]: m["verdict"] for m in data["metrics"]}
    assert verdicts["AWS/Events IngestionToInvocationSuccessLatency p50 EventBusName=orders "
                    "RuleName=to-partner"] == "diverges"  # fmt: skip
    from tests.test_planning_report import check_in_browser

    check_in_browser(tmp_path, tmp_path / "b.html", sum(v != "no data" for v in verdicts.values()))


def test_what_the_twin_does_not_predict_is_listed_not_passed():
    """A recorded metric no verdict covers is named with the reason, never counted as fitting."""
    from dataclasses import replace

    from bridgetwin.calibration import backtest_report

    graph = load_graph(EXAMPLE / "template.yaml")
    recording = read_metrics([EXAMPLE / "recorded.json"])
    extra = MetricKey.of("AWS/Events", "PutEventsEntriesCount", "Sum")
    recording = replace(recording, series={**recording.series,
                                           extra: np.full(recording.periods, 700.0)})  # fmt: skip
    rules = rule_metrics(graph, {}, recording.dimension_values("AWS/Events", "RuleName"))
    result = backtest(graph, load_scenario(EXAMPLE / "calibrated.yaml"), recording, rules,
                      seeds=2)  # fmt: skip
    assert result.not_compared == ((extra.label(), "the twin does not predict this metric"),)
    assert extra.label() not in {f.key.label() for f in result.metrics}
    assert f"  {extra.label()}: the twin does not predict this metric" in backtest_report.text(
        result)  # fmt: skip
