"""Every command ``bridgetwin`` registers is run here through the real command line (typer's
runner on the same ``app`` the console script calls), and its output is checked.

The list of commands is read from the app, not written here: a command registered wrongly (a
decorator on the wrong function, as ``sensitivity`` once was: it took ``PATH SEEDS``, did nothing
and exited 0) or added without a run below fails ``test_every_registered_command_is_run_here``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bridgetwin.cli import app
from tests._templates import EVENT, webhook_template

RATE_LIMIT = "overrides.api_destinations.Dest.rate_limit"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A webhook deployment (one rule, an API destination at 20/s, a DLQ without a queue policy)
    and a 5-minute scenario at 10 events/s with no latency: below the limit nothing queues."""
    here = tmp_path_factory.mktemp("cli")
    spec = {"duration": "5m", "seed": 3, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 10, "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0}],
            "api_destinations": [{"match": "*", "burst": 1}],
            "slo": [{"metric": "counts.dlq", "max": 0}]}  # fmt: skip
    paths = {
        "template": here / "template.json",
        "scenario": here / "scenario.json",
        "pattern": here / "pattern.json",
        "events": here / "events.jsonl",
    }
    paths["template"].write_text(json.dumps(webhook_template(rate=20)))
    paths["slower"] = here / "slower.json"
    paths["slower"].write_text(json.dumps(webhook_template(rate=5)))
    paths["scenario"].write_text(json.dumps(spec))
    paths["pattern"].write_text(json.dumps({"source": ["acme.orders"]}))
    paths["events"].write_text('{"source": "acme.orders"}\n')
    return {name: str(path) for name, path in paths.items()}


def _json(output: str):
    return json.loads(output)


def _test_pattern(f):
    event = {**EVENT, "id": "1", "account": "111122223333", "time": "2026-01-01T00:00:00Z",
             "region": "us-east-1", "resources": []}  # fmt: skip
    args = ["test-pattern", "--pattern", f["pattern"], "--event", json.dumps(event)]
    return args, 0, lambda out: _json(out) == {"Result": True}


def _graph(f):
    def check(out: str) -> bool:
        graph = _json(out)
        return [(r["name"], r["bus"]) for r in graph["rules"]] == [("to-webhook", "Bus")]

    return ["graph", f["template"], "--format", "json"], 0, check


def _lint(f):
    # The test template's DLQ has no queue policy: an error, so lint exits 1.
    def check(out: str) -> bool:
        return [(row["code"], row["severity"]) for row in _json(out)] == [("dlq-policy", "error")]

    return ["lint", f["template"], "--format", "json"], 1, check


def _simulate(f):
    def check(out: str) -> bool:
        (target,) = _json(out)["targets"]
        return target["counts"]["ingested"] == target["counts"]["delivered"] > 2_500

    return ["simulate", f["template"], "--scenario", f["scenario"], "--format", "json",
            "--check"], 0, check  # fmt: skip


def _scenario_schema(f):
    return ["scenario-schema"], 0, lambda out: "traffic" in _json(out)["properties"]


def _sweep(f):
    def check(out: str) -> bool:
        rows = _json(out)
        return [r[RATE_LIMIT] for r in rows] == [5, 20] and rows[0]["mean"] > rows[1]["mean"]

    return ["sweep", f["template"], "--scenario", f["scenario"], "--vary", f"{RATE_LIMIT}=5,20",
            "--seeds", "2", "--scheduler", "inline", "--metric", "latency.start.mean",
            "--format", "json"], 0, check  # fmt: skip


def _sensitivity(f):
    def check(out: str) -> bool:  # processing latency is stated (0): not an assumption here
        return ("Sensitivity to unconfirmed defaults" in out
                and "eventbridge.retry_backoff" in out
                and "eventbridge.processing_latency" not in out)  # fmt: skip

    return ["sensitivity", f["template"], "--scenario", f["scenario"], "--seeds", "2",
            "--metric", "latency.start.mean"], 0, check  # fmt: skip


def _plan(f):
    def check(out: str) -> bool:  # 10 events/s: anything from 10/s keeps the mean start at 0
        return (
            f"Feasible: {RATE_LIMIT} in 1" in out
            and "..40 (latency.start.mean <= 1 s)" in (out)
            and "Evidence on *" in out
        )

    return ["plan", f["template"], "--scenario", f["scenario"], "--vary", f"{RATE_LIMIT}=5:40",
            "--goal", "latency.start.mean <= 1s", "--seeds", "2"], 0, check  # fmt: skip


def _diff(f):
    def check(out: str) -> bool:
        return "structural: API destination Dest: rate limit 20/s -> 5/s" in out and (
            "Behaviour diff: head - base over 2 paired seeds" in out
        )

    return (
        ["diff", f["template"], f["slower"], "--scenario", f["scenario"], "--seeds", "2"],
        0,
        check,
    )


def _migrate(f):
    # The webhook's rule relied on Classic's retry defaults: the migrated subscriber writes them
    # out, so the faithful migration changes nothing under the scenario.
    def check(out: str) -> bool:
        return "info: migrate-bus: template/Bus: now the Custom Event Bus BusV2" in out and (
            "Classic -> migrated (Classic values written out)" in out
        )

    return ["migrate", f["template"], "--scenario", f["scenario"], "--seeds", "2"], 0, check


def _publish(f):
    # The run against a real (moto) bus is tests/test_producer.py; here: the command parses
    # its input and names the bad line before anything is sent.
    def check(out: str) -> bool:
        return "events.jsonl:1: needs a string DetailType" in out

    return ["publish", f["events"], "--bus", "orders"], 2, check, "stderr"


CALIBRATION = Path(__file__).parent.parent / "examples" / "calibration"


def _calibrate(f):
    # Parameter recovery and the export formats are tests/test_calibration.py; here: the
    # command writes a scenario that loads, with the recorded hour and its provenance.
    def check(out: str) -> bool:
        return "duration: 3600.0" in out and "provenance:" in out and "outages:" in out

    return ["calibrate", str(CALIBRATION / "template.yaml"), "--metrics",
            str(CALIBRATION / "recorded.json")], 0, check  # fmt: skip


def _backtest(f):
    def check(out: str) -> bool:
        return "to-partner MatchedEvents Sum" in out and "metrics fit (seeds 0, 1;" in out

    return ["backtest", str(CALIBRATION / "template.yaml"), "--scenario",
            str(CALIBRATION / "calibrated.yaml"), "--metrics", str(CALIBRATION / "recorded.json"),
            "--seeds", "2"], 0, check  # fmt: skip


RUNS: dict[str, Callable[[dict[str, str]], tuple]] = {
    "test-pattern": _test_pattern,
    "graph": _graph,
    "lint": _lint,
    "simulate": _simulate,
    "scenario-schema": _scenario_schema,
    "sweep": _sweep,
    "sensitivity": _sensitivity,
    "plan": _plan,
    "diff": _diff,
    "migrate": _migrate,
    "publish": _publish,
    "calibrate": _calibrate,
    "backtest": _backtest,
}


def test_every_registered_command_is_run_here():
    registered = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert registered == set(RUNS)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_command_runs_and_says_what_it_should(name, files):
    args, code, check, *stream = RUNS[name](files)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output
    assert check(result.stderr if stream == ["stderr"] else result.stdout), result.output


def test_the_console_script_runs_the_same_app(tmp_path: Path):
    """``python -m bridgetwin.cli`` (and so the ``bridgetwin`` script) reaches the same commands."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "bridgetwin.cli", "--help"], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).parent.parent)  # fmt: skip
    assert all(name in out.stdout for name in RUNS)
