"""What the reports say, against references computed here: the run's summary and counts, the
scenario's disturbances marked on the time plots, a two-field sweep as heatmaps whose outlined
cells are exactly the points where the goal holds, the plan's evidence table with every probe,
and, in a real browser, a first screen (1280 x 800) that holds the summary."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import load_graph
from bridgetwin.planning.goal import Goal
from bridgetwin.planning.html_report import report_html
from bridgetwin.planning.run_report import run_figures, run_text, scenario_marks
from bridgetwin.planning.sweep_report import point_table, sweep_figures
from bridgetwin.simulator import load_scenario, simulate
from tests._templates import scenario, webhook_template
from tests.test_planning_report import browse

RATE_LIMIT = "overrides.api_destinations.Dest.rate_limit"


@pytest.fixture(scope="module")
def disturbed():
    spec = scenario("30m", rate=3, endpoints=[{"match": "*", "latency": "50ms",
                                               "outages": [{"start": "5m", "end": "8m"}]}],
                    slo=[{"metric": "counts.dlq", "max": 0}], drain="30m")  # fmt: skip
    spec["traffic"][0].update(arrival="bursty", bursts={"length": "1m", "every": "10m",
                                                        "factor": 3})  # fmt: skip
    loaded = load_scenario(spec)
    return loaded, simulate(load_graph(webhook_template(rate=10, retries=3)), loaded)


def test_the_time_plots_mark_the_outage_and_every_burst(disturbed):
    loaded, result = disturbed
    marks = scenario_marks(loaded)
    expected = [(5.0, 8.0)] + [(m, m + 1.0) for m in (0.0, 10.0, 20.0)]  # minutes
    assert sorted((m.start_s / 60, m.end_s / 60) for m in marks) == sorted(expected)
    figures = dict(run_figures(result, marks))
    for title in ("Events in flight at the end of each minute", "Per minute: Rule/Api",
                  "Latency per minute: Rule/Api"):  # fmt: skip
        spans = [p for p in figures[title].axes[0].patches]
        drawn = sorted((round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6)) for p in spans)
        assert drawn == sorted(expected), title
    per_minute = figures["Per minute: Rule/Api"].axes[0]
    labels = [line.get_label() for line in per_minute.get_lines()]
    assert "failed for good (DLQ or dropped)" in labels


def test_the_summary_and_the_counts_table_add_up(disturbed):
    _, result = disturbed
    text = run_text(result, "cost: $1.00 per month")
    (target,) = result.targets
    c = target.counts
    assert text.summary[0].endswith(
        f"{c['ingested']:,} events matched, {c['delivered']:,} delivered, {c['dlq']:,} to DLQs, "
        f"{c['dropped']:,} dropped, {c['in_flight']:,} still in flight at the end"
    )
    (slo,) = result.slo
    assert c["in_flight"] == 0 and c["dlq"] > 0  # drained; the outage outlasts 3 retries
    verdict = "FAIL"
    assert (
        text.summary[1] == f"SLO {verdict}: {slo.target} counts.dlq = {c['dlq']:,} (objective <= 0)"
    )
    assert "cost: $1.00 per month" in text.summary
    ((row,),) = [t.rows for t in text.tables]
    assert row[:7] == ["Rule/Api", *(f"{c[k]:,}" for k in ("ingested", "delivered", "dlq",
                                                             "dropped", "in_flight", "retries"))]  # fmt: skip
    assert len(text.notes) == len(result.assumptions) + len(result.warnings)


def _grid_rows() -> list[dict]:
    """A 4 x 3 grid of (rate, retries) with means that fall with the rate and rise with retries."""
    rows = []
    for rate in (10, 20, 40, 80):
        for retries in (1, 5, 9):
            mean = 400 / rate + retries
            rows.append({"rate": rate, "retries": retries, "target": "Rule/Api",
                         "metric": "latency.start.p99", "unit": "s", "mean": mean,
                         "ci_low": mean * 0.9, "ci_high": mean * 1.1, "n": 5,
                         "pareto": rate == 80})  # fmt: skip
    return rows


def test_a_two_field_sweep_is_a_heatmap_with_the_feasible_cells_outlined():
    from matplotlib.patches import Rectangle

    rows, goal = _grid_rows(), Goal.parse("latency.start.p99 <= 15s")
    ((title, figure),) = list(sweep_figures(rows, ["rate", "retries"], [goal]))
    axes = figure.axes[0]
    assert title == "latency.start.p99: Rule/Api"
    texts = sorted(t.get_text() for t in axes.texts)
    assert texts == sorted(f"{r['mean']:,.3g} s" + (" *" if r["pareto"] else "") for r in rows)
    outlined = {(round(p.get_x() + 0.5), round(p.get_y() + 0.5))
                for p in axes.patches if isinstance(p, Rectangle)}  # fmt: skip
    xs, ys = [10, 20, 40, 80], [1, 5, 9]
    feasible = {(xs.index(r["rate"]), ys.index(r["retries"])) for r in rows if r["ci_high"] <= 15}
    assert outlined == feasible and 0 < len(feasible) < len(rows)
    table = point_table(rows, ["rate", "retries"])
    assert len(table.rows) == 12 and table.header[:2] == ["rate", "retries"]


def test_a_third_field_gives_one_heatmap_per_value():
    rows = [{**r, "seeds": s} for r in _grid_rows() for s in (1, 2, 3)]
    titles = [t for t, _ in sweep_figures(rows, ["rate", "retries", "seeds"])]
    assert titles == [f"latency.start.p99: Rule/Api (seeds = {s})" for s in (1, 2, 3)]


def test_the_sweep_and_plan_commands_write_their_tables(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=100)))
    spec = scenario("5m", rate=8, endpoints=[{"match": "*", "latency": 0,
                                              "outages": [{"start": "1m", "end": "2m"}]}])  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(spec))
    common = [str(tmp_path / "t.json"), "--scenario", str(tmp_path / "s.json"), "--seeds", "2"]
    out = CliRunner().invoke(app, ["sweep", *common, "--scheduler", "inline", "--vary", f"{RATE_LIMIT}=5,20",
                                   "--vary", "traffic.0.rate=4,8", "--metric", "counts.dlq",
                                   "--target", "Rule/*", "--report", str(tmp_path / "s.html")])  # fmt: skip
    assert out.exit_code == 0, out.output
    page = (tmp_path / "s.html").read_text()
    assert page.count("<svg") == 1 and "Every point" in page
    assert page.count("<tr>") == 1 + 4  # the header and the four points
    out = CliRunner().invoke(app, ["plan", *common, "--vary", f"{RATE_LIMIT}=2:20", "--points",
                                   "3", "--goal", "counts.dlq <= 0", "--goal",
                                   "latency.start.p99 <= 120s", "--target", "Rule/*",
                                   "--report", str(tmp_path / "p.html")])  # fmt: skip
    assert out.exit_code in (0, 1), out.output
    page = (tmp_path / "p.html").read_text()
    probes = len(re.findall(r"<tr><td>[\d.]+</td><td>counts\.dlq", page))
    assert probes >= 3 and probes == len(re.findall(r"<td>latency\.start\.p99 &lt;= 120 s", page))
    assert page.count("<svg") == 2  # one figure per goal's metric


def test_the_first_screen_holds_the_summary(tmp_path, disturbed):
    """The summary is laid out within 1280 x 800 by chromium (measured with a copy of the page
    that writes the summary's box into the DOM), and the screenshot of that screen shows it."""
    _, result = disturbed
    page = report_html("run", run_figures(result), run_text(result, "cost: $1.00 per month"))
    probe = ("<script>const b=document.getElementById('summary').getBoundingClientRect();"
             "document.body.dataset.top=b.top;document.body.dataset.bottom=b.bottom;</script>")  # fmt: skip
    (tmp_path / "probe.html").write_text(page.replace("</body>", probe + "</body>"))
    dom = browse(tmp_path / "probe.html", "--dump-dom", "--window-size=1280,800").stdout
    top, bottom = (float(v) for v in re.search(r'data-top="([\d.]+)" data-bottom="([\d.]+)"',
                                                dom).groups())  # fmt: skip
    assert 0 < top < bottom <= 800
    (tmp_path / "report.html").write_text(page)
    shot = tmp_path / "first-screen.png"
    browse(tmp_path / "report.html", f"--screenshot={shot}", "--window-size=1280,800")
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (800, 1280)
    band = pixels[int(top) : int(bottom)]
    assert (band.min(axis=2) < 0.5).mean() > 0.01  # the summary's text is on the first screen
