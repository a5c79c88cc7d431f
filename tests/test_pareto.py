"""The Pareto front of sweep points equals the brute-force non-dominated set (every pair
compared), for two and three metrics, ties and missing values included; ``sweep --pareto``
marks it."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bridgetwin.planning.pareto import pareto_front
from tests._templates import webhook_template

METRICS = ("counts.dlq", "latency.start.p99", "counts.delivered")


def brute_force(points, metrics) -> list[int]:
    def cost(p):
        return [-p[m] if m == "counts.delivered" else p[m] for m in metrics]

    usable = [i for i, p in enumerate(points) if all(p[m] is not None for m in metrics)]
    return [i for i in usable if not any(
        all(a <= b for a, b in zip(cost(points[j]), cost(points[i]), strict=True))
        and cost(points[j]) != cost(points[i]) for j in usable)]  # fmt: skip


values = st.one_of(st.none(), st.integers(0, 6).map(float))


@given(st.lists(st.fixed_dictionaries({m: values for m in METRICS}), max_size=40),
       st.sampled_from([METRICS[:2], METRICS[1:], METRICS]))  # fmt: skip
def test_the_front_is_the_brute_force_non_dominated_set(points, metrics):
    assert pareto_front(points, metrics) == brute_force(points, metrics)


def test_sweep_marks_the_front(tmp_path):
    from bridgetwin.cli import app

    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=100)))
    spec = {"duration": "10m", "traffic": [{"bus": "orders", "rate": 8, "events": [
        {"event": {"source": "acme.orders", "detail-type": "OrderCreated"}}]}],
        "endpoints": [{"match": "*", "latency": 0, "outages": [{"start": "2m", "end": "5m", "status": 503}]}],
        "overrides": {"targets": {"*": {"retry_attempts": 3}}}}  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(spec))
    out = CliRunner().invoke(app, [
        "sweep", str(tmp_path / "t.json"), "--scenario", str(tmp_path / "s.json"),
        "--vary", "overrides.api_destinations.Dest.rate_limit=2,4,8,16", "--seeds", "2",
        "--scheduler", "inline", "--pareto", "counts.dlq,latency.start.p99", "--format", "json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    means = {}
    for row in rows:
        means.setdefault(row["overrides.api_destinations.Dest.rate_limit"], {})[row["metric"]] = (
            row["mean"]
        )
    limits = sorted(means)
    expected = {
        limits[i]
        for i in brute_force([means[v] for v in limits], ("counts.dlq", "latency.start.p99"))
    }
    marked = {r["overrides.api_destinations.Dest.rate_limit"] for r in rows if r.get("pareto")}
    assert marked == expected and marked
