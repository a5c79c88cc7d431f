"""Calibration from CloudWatch: parameter recovery through moto's CloudWatch (the real boto3
``ListMetrics``/``GetMetricData`` path, pages and query chunks included), the export formats, the
name matching, and the errors. The metrics are made by an independent model written here (numpy,
event by event), not by the twin."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bridgetwin.calibration import (
    CalibrationError,
    MetricKey,
    Recording,
    calibrate,
    metric_data_output,
    read_metrics,
    rule_metrics,
)
from bridgetwin.calibration.cloudwatch_fetch import fetch, shortest_period
from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "calibration"
RATE, BURST, FAILURE = 12.0, 40.0, 0.03
OUTAGE = (25 * 60 + 10, 38 * 60 + 40)
"""The truth the independent model runs: 12 orders/s with a 40/s burst in minutes 20-29, 3 % of
requests failing, and the webhook down from 25:10 to 38:40."""


def production_hour(seed: int = 7) -> dict[str, np.ndarray]:
    """Per-minute AWS/Events counts of the to-partner rule: each event's attempts, retried 20 s
    after a failure (at most 6 times), failing inside the outage and with probability FAILURE
    outside it; attempts and successes counted in the minute the attempt starts."""
    rng = np.random.default_rng(seed)
    rate = np.full(60, RATE)
    rate[20:30] = BURST
    matched = rng.poisson(rate * 60)
    times = np.concatenate([m * 60 + rng.random(n) * 60 for m, n in enumerate(matched)])
    attempts, successes = np.zeros(60), np.zeros(60)
    pending = times
    for _ in range(7):
        pending = pending[pending < 3600]
        down = (pending >= OUTAGE[0]) & (pending < OUTAGE[1])
        failed = down | (rng.random(len(pending)) < FAILURE)
        minutes = (pending // 60).astype(int)
        np.add.at(attempts, minutes, 1)
        np.add.at(successes, minutes[~failed], 1)
        pending = pending[failed] + 20.0
    return {"MatchedEvents": matched.astype(float), "InvocationAttempts": attempts,
            "SuccessfulInvocationAttempts": successes}  # fmt: skip


def put_hour(client, start: datetime, counts: dict[str, np.ndarray], others: int) -> None:
    data = []
    for name, values in counts.items():
        for minute, value in enumerate(values):
            if value:  # AWS emits counts only when non-zero
                data.append({"MetricName": name, "Value": float(value), "Unit": "Count",
                             "Timestamp": start + timedelta(minutes=minute),
                             "Dimensions": [{"Name": "EventBusName", "Value": "orders"},
                                            {"Name": "RuleName", "Value": "to-partner"}]})  # fmt: skip
    data += [{"MetricName": "MatchedEvents", "Value": 1.0, "Timestamp": start,
              "Dimensions": [{"Name": "RuleName", "Value": f"someone-else-{n}"}]}
             for n in range(others)]  # fmt: skip
    for first in range(0, len(data), 500):
        client.put_metric_data(Namespace="AWS/Events", MetricData=data[first : first + 500])


@pytest.fixture(scope="module")
def recovered(moto_port):
    import boto3

    client = boto3.client("cloudwatch", region_name="us-east-1",
                          endpoint_url=f"http://127.0.0.1:{moto_port}")  # fmt: skip
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    counts = production_hour()
    put_hour(client, start, counts, others=520)  # > 500 metrics: ListMetrics pages
    graph = load_graph(EXAMPLE / "template.yaml")
    recording = fetch(client, graph, start, start + timedelta(hours=1), max_queries=7)
    base = {"duration": 60, "traffic": [{"bus": "orders", "rate": 1, "events": [
        {"event": {"source": "acme.orders", "detail-type": "OrderCreated"}}]}]}  # fmt: skip
    return counts, recording, calibrate(graph, recording, base), start


def test_rates_are_recovered_within_two_percent(recovered):
    counts, recording, calibration, start = recovered
    assert recording.start == start and recording.periods == 60 and recording.period == 60
    (traffic,) = calibration.scenario["traffic"]
    rates = np.array(traffic["profile"]["rates"])
    np.testing.assert_allclose(rates, counts["MatchedEvents"] / 60, atol=1e-6)  # every minute
    steady = np.r_[rates[:20], rates[30:]].mean()
    assert steady == pytest.approx(RATE, rel=0.02) and rates[20:30].mean() == pytest.approx(
        BURST, rel=0.02)  # fmt: skip


def test_the_outage_and_failure_rate_are_recovered(recovered):
    _, _, calibration, _ = recovered
    (endpoint,) = [e for e in calibration.scenario["endpoints"] if e["match"] == "PartnerWebhook"]
    (outage,) = endpoint["outages"]
    assert abs(outage["start"] - OUTAGE[0]) <= 60 and abs(outage["end"] - OUTAGE[1]) <= 60
    assert endpoint["responses"][503] == pytest.approx(FAILURE, rel=0.15)
    assert any("InvocationAttempts" in line for line in calibration.scenario["provenance"])
    load_scenario(calibration.scenario)  # the scenario written loads


def test_calibrated_provenance_reaches_the_runs_assumptions(recovered):
    from bridgetwin.simulator import simulate

    _, _, calibration, _ = recovered
    short = {**calibration.scenario, "duration": 120}
    result = simulate(load_graph(EXAMPLE / "template.yaml"), load_scenario(short))
    assert set(calibration.provenance) <= set(result.assumptions)


def test_fetch_refuses_a_period_cloudwatch_no_longer_holds():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert shortest_period(now - timedelta(days=3), now) == 60
    assert shortest_period(now - timedelta(days=30), now) == 300
    assert shortest_period(now - timedelta(days=100), now) == 3600
    graph = load_graph(EXAMPLE / "template.yaml")
    with pytest.raises(CalibrationError, match="use --period 300"):
        fetch(None, graph, now - timedelta(days=30), now, now=now)
    with pytest.raises(CalibrationError, match="455 days"):
        shortest_period(now - timedelta(days=500), now)


def test_labels_round_trip_and_other_text_is_not_a_label():
    key = MetricKey.of("AWS/Events", "MatchedEvents", "Sum", RuleName="r", EventBusName="b")
    assert MetricKey.parse(key.label()) == key
    assert key.label() == "AWS/Events MatchedEvents Sum EventBusName=b RuleName=r"
    for text in ("MatchedEvents", "AWS/Events MatchedEvents Median", "AWS/Events X Sum RuleName"):
        assert MetricKey.parse(text) is None


def _export(tmp_path: Path) -> tuple[Path, dict]:
    counts = production_hour()
    start = datetime(2026, 11, 27, 8, tzinfo=UTC)
    key = MetricKey.of("AWS/Events", "MatchedEvents", "Sum", EventBusName="orders",
                       RuleName="to-partner")  # fmt: skip
    stamps = [(start + timedelta(minutes=m)).isoformat().replace("+00:00", "Z") for m in range(60)]
    output = {"MetricDataResults": [{"Id": "q1", "Label": "MatchedEvents",
                                     "Timestamps": stamps[::-1],  # the CLI's default order
                                     "Values": list(counts["MatchedEvents"][::-1])}]}  # fmt: skip
    queries = [{"Id": "q1", "MetricStat": {"Metric": {
        "Namespace": "AWS/Events", "MetricName": "MatchedEvents",
        "Dimensions": [{"Name": "EventBusName", "Value": "orders"},
                       {"Name": "RuleName", "Value": "to-partner"}]},
        "Period": 60, "Stat": "Sum"}}]  # fmt: skip
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(output))
    return path, {"key": key, "queries": queries, "counts": counts, "stamps": stamps}


def test_an_export_is_read_with_its_queries_or_its_labels(tmp_path):
    path, made = _export(tmp_path)
    with pytest.raises(CalibrationError, match=r"MetricDataResults\[0\].*--queries"):
        read_metrics([path])
    recording = read_metrics([path], made["queries"])
    np.testing.assert_array_equal(recording.series[made["key"]], made["counts"]["MatchedEvents"])
    labelled = tmp_path / "labelled.json"  # what --write-queries' labels give
    labelled.write_text(json.dumps(metric_data_output(recording)))
    again = read_metrics([labelled])
    assert again.start == recording.start and again.period == 60
    np.testing.assert_array_equal(again.series[made["key"]], recording.series[made["key"]])


def test_a_csv_export_reads_as_the_json_one(tmp_path):
    path, made = _export(tmp_path)
    from_json = read_metrics([path], made["queries"])
    rows = ["Time," + made["key"].label()]
    rows += [f"{t},{v:g}" for t, v in zip(made["stamps"], made["counts"]["MatchedEvents"],
                                          strict=True)]  # fmt: skip
    csv_path = tmp_path / "metrics.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    from_csv = read_metrics([csv_path])
    assert from_csv.start == from_json.start and from_csv.period == 60
    np.testing.assert_array_equal(from_csv.series[made["key"]], from_json.series[made["key"]])


@pytest.mark.parametrize(("content", "message"), [
    ("Time,AWS/Events MatchedEvents Sum RuleName=r\nnot-a-time,3\n", "row 2.*not a time"),
    ("Time,AWS/Events MatchedEvents Sum RuleName=r\n2026-11-27T08:00:00Z,three\n", "not a number"),
    ("Time,Matched\n2026-11-27T08:00:00Z,3\n", "column 1.*cannot tell which metric"),
    ("only-a-header\n", "header row"),
])  # fmt: skip
def test_bad_csv_names_the_row_or_column(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CalibrationError, match=message):
        read_metrics([path])


def test_generated_rule_names_are_matched_to_their_logical_ids(tmp_path):
    text = (EXAMPLE / "template.yaml").read_text()
    (tmp_path / "t.yaml").write_text(text.replace("      Name: to-partner\n", ""))
    graph = load_graph(tmp_path / "t.yaml")
    found = {r.rule.id: r.name for r in rule_metrics(graph, {}, ["Shop-ToPartner-1A2B3C4D5E6F"])}
    assert found["ToPartner"] == "Shop-ToPartner-1A2B3C4D5E6F"
    with pytest.raises(CalibrationError, match="several names"):
        rule_metrics(graph, {}, ["Shop-ToPartner-1A2B3C4D5E6F", "Prod-ToPartner-ZZZZZZZZZZZZ"])
    named = rule_metrics(graph, {"ToPartner": "custom"}, [])
    assert {r.rule.id: r.name for r in named}["ToPartner"] == "custom"
    with pytest.raises(CalibrationError, match="--name Nope"):
        rule_metrics(graph, {"Nope": "x"}, [])


def test_metrics_of_other_rules_only_are_refused(tmp_path):
    key = MetricKey.of("AWS/Events", "MatchedEvents", "Sum", RuleName="unrelated")
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"MetricDataResults": [{"Id": "a", "Label": key.label(),
        "Timestamps": ["2026-11-27T08:00:00Z"], "Values": [3]}]}))  # fmt: skip
    with pytest.raises(CalibrationError, match=r"name none of the deployment.s rules.*unrelated"):
        calibrate(load_graph(EXAMPLE / "template.yaml"), read_metrics([path]))


def test_an_endpoints_latency_is_recovered_from_complete_minus_start(tmp_path):
    """An independent hour: 600 first attempts a minute, each waiting 20 ms then taking a
    lognormal time (median 80 ms, p99 300 ms); CloudWatch's per-minute p50 and p99 of the start
    and complete latencies come back as a lognormal near the truth."""
    rng = np.random.default_rng(3)
    sigma = np.log(300 / 80) / 2.3263
    start = datetime(2026, 11, 27, 8, tzinfo=UTC)
    dims = {"EventBusName": "orders", "RuleName": "to-partner"}
    series: dict[MetricKey, list[float]] = {}
    for _ in range(60):
        took = 20 + 80 * np.exp(sigma * rng.standard_normal(600))
        for stat, q in (("p50", 50), ("p99", 99)):
            for name, values in (("IngestionToInvocationStartLatency", np.full(600, 20.0)),
                                 ("IngestionToInvocationCompleteLatency", took)):  # fmt: skip
                key = MetricKey.of("AWS/Events", name, stat, **dims)
                series.setdefault(key, []).append(float(np.percentile(values, q)))
        for name in ("MatchedEvents", "InvocationAttempts", "SuccessfulInvocationAttempts"):
            series.setdefault(MetricKey.of("AWS/Events", name, "Sum", **dims), []).append(600.0)
    recording = Recording(start, 60, {k: np.array(v) for k, v in series.items()})
    path = tmp_path / "m.json"
    path.write_text(json.dumps(metric_data_output(recording)))
    calibration = calibrate(load_graph(EXAMPLE / "template.yaml"), read_metrics([path]))
    (endpoint,) = calibration.scenario["endpoints"]
    latency = endpoint["latency"]
    assert latency["distribution"] == "lognormal"
    assert latency["median"] == pytest.approx(0.080, rel=0.03)
    assert latency["p99"] == pytest.approx(0.300, rel=0.06)
    assert calibration.scenario["eventbridge"]["processing_latency"] == pytest.approx(0.020)


def lambda_template(reserved: int | None = None) -> dict:
    function = {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.12", "Handler": "index.handler", "Role": "arn:aws:iam::1:role/r",
        "Code": {"ZipFile": "def handler(e, c): pass"}, "Timeout": 30}}  # fmt: skip
    if reserved is not None:
        function["Properties"]["ReservedConcurrentExecutions"] = reserved
    return {"Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Handler": function,
        "ToHandler": {"Type": "AWS::Events::Rule", "Properties": {
            "Name": "to-handler", "EventBusName": {"Ref": "Bus"},
            "EventPattern": {"source": ["acme.orders"]},
            "Targets": [{"Id": "Fn", "Arn": {"Fn::GetAtt": ["Handler", "Arn"]}}]}}}}  # fmt: skip


def lambda_hour(rng: np.random.Generator) -> Recording:
    """An independent hour of AWS/Lambda metrics: 300 runs a minute, 4 % failing, lognormal
    run times (median 250 ms, p99 2 s), held to 40 at once in minutes 20-29 (throttled)."""
    sigma = np.log(2000 / 250) / 2.3263
    function = {"FunctionName": "Shop-Handler-9XK2M4PQ1ZRT"}
    series: dict[MetricKey, list[float]] = {}

    def put(metric: str, stat: str, value: float, **dims: str) -> None:
        key = MetricKey.of("AWS/Lambda" if "FunctionName" in dims else "AWS/Events", metric,
                           stat, **dims)  # fmt: skip
        series.setdefault(key, []).append(value)

    for minute in range(60):
        took = 250 * np.exp(sigma * rng.standard_normal(300))
        put("Invocations", "Sum", 300.0, **function)
        put("Errors", "Sum", float(rng.binomial(300, 0.04)), **function)
        put("Duration", "p50", float(np.percentile(took, 50)), **function)
        put("Duration", "p99", float(np.percentile(took, 99)), **function)
        throttled = 20 <= minute < 30
        put("Throttles", "Sum", 55.0 if throttled else 0.0, **function)
        put("ConcurrentExecutions", "Maximum", 40.0 if throttled else 9.0, **function)
        put("MatchedEvents", "Sum", 300.0, EventBusName="orders", RuleName="to-handler")
    return Recording(datetime(2026, 11, 27, 8, tzinfo=UTC), 60,
                     {k: np.array(v) for k, v in series.items()})  # fmt: skip


def test_a_lambda_functions_run_time_errors_and_limit_are_recovered():
    recording = lambda_hour(np.random.default_rng(5))
    calibration = calibrate(load_graph(lambda_template()), recording,
                            {"duration": 60, "functions": [{"match": "*", "concurrency": 7}]})  # fmt: skip
    (entry, user) = calibration.scenario["functions"]
    assert entry["match"] == "Handler" and user == {"match": "*", "concurrency": 7}
    assert entry["error_rate"] == pytest.approx(0.04, rel=0.1)
    assert entry["duration"]["median"] == pytest.approx(0.250, rel=0.03)
    assert entry["duration"]["p99"] == pytest.approx(2.0, rel=0.08)
    assert entry["concurrency"] == 40  # the most it ran while throttled
    assert any("AWS/Lambda Duration" in line for line in calibration.provenance)
    reserved = calibrate(load_graph(lambda_template(reserved=25)), recording)
    (only,) = reserved.scenario["functions"]
    assert "concurrency" not in only  # the template states it; the metrics never override it
