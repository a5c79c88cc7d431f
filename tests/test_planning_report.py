"""The HTML report in a real headless browser (Debian's chromium): it loads with no console
errors, every figure is an SVG with drawn paths, and the page is not blank."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from typer.testing import CliRunner

from bridgetwin.graph import load_graph
from bridgetwin.planning.goal import Goal
from bridgetwin.planning.html_report import ReportText, write_report
from bridgetwin.planning.run_report import run_figures, run_text
from bridgetwin.planning.sweep_report import sweep_figures
from bridgetwin.simulator import load_scenario, simulate
from tests._templates import scenario, start_latency_alarm, webhook_template

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def browse(path, *extra: str) -> subprocess.CompletedProcess:
    assert CHROMIUM, "chromium is missing: scripts/test installs it (apt-get install chromium)"
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", *extra, f"file://{path}"],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def run_result():
    template = webhook_template(rate=2)
    template["Resources"]["Slow"] = start_latency_alarm(threshold_ms=5_000, periods=1)
    spec = scenario("20m", rate=4, endpoints=[{"match": "*", "latency": "50ms",
                                               "outages": [{"start": "5m", "end": "8m"}]}])  # fmt: skip
    return simulate(load_graph(template), load_scenario(spec))


def check_in_browser(tmp_path, report, figures: int) -> None:
    dom = browse(report, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    svgs = re.findall(r"<svg.*?</svg>", dom.stdout, flags=re.S)
    assert len(svgs) == figures
    assert all(svg.count("<path") >= 5 for svg in svgs)  # axes, ticks and the data drawn
    assert not re.search(r"CONSOLE|Uncaught|ERR_FILE", dom.stderr)
    shot = tmp_path / "shot.png"
    browse(report, f"--screenshot={shot}", f"--window-size=1000,{300 + 450 * figures}")
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    assert (pixels.min(axis=2) < 0.9).mean() > 0.005  # ink on the page, not a blank render


def test_a_runs_report_renders_every_plot(tmp_path, run_result):
    report = tmp_path / "run.html"
    figures = list(run_figures(run_result))
    assert [title for title, _ in figures] == [
        "Events in flight at the end of each minute", "Events matched per minute",
        "Per minute: Rule/Api", "Latency per minute: Rule/Api", "Latency distribution",
        "Latency percentiles", "Outcomes", "Alarm states"]  # fmt: skip
    write_report(report, "run", iter(figures), run_text(run_result))
    text = report.read_text()
    assert not re.search(r"(src|href)=[\"']https?:", text) and "<script" not in text  # offline
    check_in_browser(tmp_path, report, 8)


def test_per_minute_series_add_up_to_the_counts(run_result):
    """The series the report plots are the counts, minute by minute (both lane paths)."""
    (target,) = run_result.targets
    for series, count in (("attempts", "attempts"), ("retries", "retries"),
                          ("rate_limited", "rate_limited"), ("dlq", "dlq"),
                          ("delivered", "delivered")):  # fmt: skip
        assert sum(target.per_minute[series]) == target.counts[count]
    assert sum(target.per_minute["failed"]) == target.counts["dlq"] + target.counts["dropped"]
    assert target.counts["retries"] > 0 and target.counts["rate_limited"] > 0


def test_a_sweeps_report_shows_the_band_and_the_goal(tmp_path):
    rows = [{"rate": r, "target": "Rule/Api", "metric": "latency.start.p99", "mean": m,
             "ci_low": m * 0.9, "ci_high": m * 1.1, "n": 5}
            for r, m in ((10, 50.0), (20, 20.0), (40, 5.0))]  # fmt: skip
    report = tmp_path / "sweep.html"
    goal = Goal.parse("latency.start.p99 <= 30s")
    write_report(report, "sweep", sweep_figures(rows, ["rate"], [goal]), ReportText(["three"]))
    check_in_browser(tmp_path, report, 1)
    assert "goal: latency.start.p99 &lt;= 30 s" in report.read_text()


def test_simulate_writes_the_report_and_pngs(tmp_path):
    from bridgetwin.cli import app

    (tmp_path / "t.json").write_text(json.dumps(webhook_template()))
    (tmp_path / "s.json").write_text(json.dumps(scenario("5m")))
    out = CliRunner().invoke(app, ["simulate", str(tmp_path / "t.json"), "--scenario",
                                   str(tmp_path / "s.json"), "--report", str(tmp_path / "r.html"),
                                   "--plots", str(tmp_path / "plots")])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert (tmp_path / "r.html").read_text().count("<svg") == 7  # no alarms: no alarm plot
    pngs = sorted((tmp_path / "plots").glob("*.png"))
    assert len(pngs) == 7
    import matplotlib.image

    assert np.asarray(matplotlib.image.imread(pngs[0])).shape[0] > 100


def test_per_minute_series_add_up_in_block_runs_too():
    """A steady run whose requests start in blocks, with retries and a binding rate limit."""
    spec = scenario("10m", rate=120, endpoints=[{"match": "*", "latency": "20ms",
                                                 "responses": {200: 0.95, 500: 0.05}}])  # fmt: skip
    (target,) = simulate(load_graph(webhook_template(rate=100, retries=2)),
                         load_scenario(spec)).targets  # fmt: skip
    for series in ("attempts", "retries", "rate_limited", "dlq", "delivered"):
        assert sum(target.per_minute[series]) == target.counts[series]
    assert sum(target.per_minute["failed"]) == target.counts["dlq"] + target.counts["dropped"]
    assert min(target.counts[s] for s in ("retries", "rate_limited", "dlq")) > 0


def test_a_failover_timeline_shows_the_disruption_and_the_time_away(tmp_path):
    from types import SimpleNamespace

    from bridgetwin.planning.run_report import failover_figures

    timeline = [{"at_s": 600.0, "event": "us-east-1 disrupted"},
                {"at_s": 960.0, "event": "producers resolve to us-west-2 (failover)"},
                {"at_s": 2400.0, "event": "us-east-1 recovers"},
                {"at_s": 2520.0, "event": "producers reach us-east-1 again (failback)"}]  # fmt: skip
    result = SimpleNamespace(duration_s=3600.0, failover=[{
        "endpoint": "Payments", "timeline": timeline, "primary_region": "us-east-1",
        "secondary_region": "us-west-2", "switched_at_s": 960.0, "failback_at_s": 2520.0,
        "rto_s": 360.0}])  # fmt: skip
    ((title, figure),) = list(failover_figures(result))
    assert title == "Failover timeline: Payments"
    spans = [(p.get_x(), p.get_width()) for p in figure.axes[0].patches]
    assert [(round(x, 3), round(w, 3)) for x, w in spans] == [(10.0, 30.0), (16.0, 26.0)]
    report = tmp_path / "failover.html"
    write_report(report, "failover", iter([(title, figure)]), ReportText([]))
    check_in_browser(tmp_path, report, 1)
