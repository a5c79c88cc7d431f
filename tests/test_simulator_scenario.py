"""Scenarios: durations, defaults, and errors that name the field and the allowed values."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.simulator import (
    ScenarioError,
    Simulation,
    load_scenario,
    parse_duration,
    scenario_json_schema,
)
from tests._templates import scenario, webhook_graph, webhook_template


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("90s", 90),
        ("5m", 300),
        ("2h", 7200),
        ("1d", 86400),
        (12, 12),
        ("1.5m", 90),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


BAD = [
    ({"duration": "soon"}, "duration: 'soon' is not a duration; use a number with ms, s, m, h or d"),
    ({"duration": 0}, "duration: Input should be greater than 0"),
    ({"typo": 1}, "typo: Extra inputs are not permitted"),
    ({"traffic": [{"bus": "orders", "rate": 0, "events": [{"event": {"source": "a", "detail-type": "b"}}]}]}, "traffic.0.rate: Input should be greater than 0"),
    ({"traffic": [{"bus": "orders", "rate": 1, "batch": 11, "events": [{"event": {"source": "a", "detail-type": "b"}}]}]}, "traffic.0.batch: Input should be less than or equal to 10"),
    ({"traffic": [{"bus": "orders", "rate": 1, "arrival": "wavy", "events": [{"event": {"source": "a", "detail-type": "b"}}]}]}, "traffic.0.arrival: Input should be 'poisson', 'constant', 'bursty', 'diurnal', 'trace' or 'profile'"),
    ({"traffic": [{"bus": "orders", "rate": 1, "events": [{"event": {"source": "a"}}]}]}, "traffic.0.events.0: the event needs a string 'detail-type'"),
    ({"endpoints": [{"latency": {"distribution": "lognormal", "median": "1s"}}]}, "endpoints.0.latency: a lognormal latency needs 'p99'"),
    ({"endpoints": [{"responses": {700: 1}}]}, "endpoints.0: responses: 700: 1.0 (status 100-599, weight >= 0)"),
    ({"endpoints": [{"outages": [{"start": "5m", "end": "1m"}]}]}, "endpoints.0.outages.0: 'end' must be after 'start'"),
    ({"eventbridge": {"step": 0}}, "eventbridge.step: Input should be greater than 0"),
    ({"duration": "365d", "traffic": [{"bus": "b", "rate": 1000, "events": [{"event": {"source": "s", "detail-type": "d"}}]}]},
     "max_events: the traffic puts about 31,536,000,000 events (traffic.0: 1000/s for 3.1536e+07 s), more than max_events (2,000,000,000); at about a million simulated events per second that is 8.8 h. Shorten 'duration', lower the rates, or raise max_events"),
    ({"traffic": [{"bus": "b", "rate": 1, "retry": {"attempts": 1000}, "events": [{"event": {"source": "s", "detail-type": "d"}}]}]},
     "traffic.0.retry.attempts: Input should be less than or equal to 100"),
    ({"traffic": [{"bus": "b", "rate": 1, "retry": {"base": 0}, "events": [{"event": {"source": "s", "detail-type": "d"}}]}]}, "traffic.0.retry.base: Input should be greater than 0"),
    ({"slo": [{"metric": "latency.start.p95", "max": 1}]}, "slo.0.metric: Input should be 'latency.start.p50'"),
]  # fmt: skip


@pytest.mark.parametrize(("patch", "message"), BAD, ids=[b[1][:30] for b in BAD])
def test_bad_scenarios_name_the_field(patch, message):
    with pytest.raises(ScenarioError) as info:
        load_scenario({"duration": "1h", **patch})
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("patch", "message"),
    [({"traffic": [{"bus": "payments", "rate": 1, "events": [{"event": {"source": "a", "detail-type": "b"}}]}]},
      "traffic.0.bus: unknown bus 'payments'; known: Bus, orders (us-east-1)"),
     ({"endpoints": [{"match": "https://other.example.com/*"}]},
      "endpoints.0.match: 'https://other.example.com/*' matches nothing; known: Dest, https://api.example.com/hook"),
     ({"targets": [{"match": "lambda"}]}, "targets.0.match: 'lambda' matches nothing; known: none")],
)  # fmt: skip
def test_scenario_references_must_exist_in_the_graph(patch, message):
    with pytest.raises(ScenarioError) as info:
        Simulation(webhook_graph(), load_scenario(scenario(**patch)))
    assert message in str(info.value)


def test_scenario_file_yaml_and_schema(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("duration: 90s\nseed: 3\n")
    assert load_scenario(path).duration == 90
    (tmp_path / "bad.yaml").write_text("duration: [\n")
    with pytest.raises(ScenarioError, match="malformed"):
        load_scenario(tmp_path / "bad.yaml")
    schema = scenario_json_schema()
    assert {"duration", "traffic", "endpoints", "slo"} <= set(schema["properties"])


def test_cli_simulate_json_check_and_out(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=5)))
    spec = scenario("5m", rate=2, slo=[{"metric": "counts.dlq", "max": 0}])
    (tmp_path / "s.json").write_text(json.dumps(spec))
    args = ["simulate", str(tmp_path / "t.json"), "--scenario", str(tmp_path / "s.json")]
    result = CliRunner().invoke(
        app, [*args, "--format", "json", "--out", str(tmp_path / "out"), "--check"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"seed", "duration_s", "targets", "alarms", "slo"} <= set(data)
    (target,) = data["targets"]
    assert set(target["counts"]) == {
        "ingested",
        "delivered",
        "dlq",
        "dropped",
        "in_flight",
        "attempts",
        "retries",
        "rate_limited",
    }
    assert set(target["latency_ms"]) == {
        "start", "complete", "success", "end_to_end_start", "end_to_end_success"}  # fmt: skip
    assert set(target["latency_ms"]["start"]) == {
        "p50", "p90", "p99", "mean", "max", "not_started", "oldest_not_started_age_ms"}  # fmt: skip
    assert json.loads((tmp_path / "out" / "result.json").read_text()) == data
    seeded = CliRunner().invoke(app, [*args, "--format", "json", "--seed", "9"])
    assert json.loads(seeded.stdout)["seed"] == 9


def test_cli_simulate_check_fails_on_slo_and_reports_scenario_errors(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(webhook_template()))
    failing = scenario("2m", rate=2, endpoints=[{"match": "*", "responses": {404: 1}}],
                       slo=[{"metric": "counts.dlq", "max": 0}])  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(failing))
    args = ["simulate", str(tmp_path / "t.json"), "--scenario", str(tmp_path / "s.json")]
    text = CliRunner().invoke(app, [*args, "--check"])
    assert text.exit_code == 1
    assert "SLO FAIL" in text.stdout
    (tmp_path / "bad.json").write_text(json.dumps({"duration": "1h", "nope": 1}))
    bad = CliRunner().invoke(
        app, ["simulate", str(tmp_path / "t.json"), "--scenario", str(tmp_path / "bad.json")]
    )
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "scenario: nope: Extra inputs are not permitted"


def test_published_json_schema_is_current():
    """examples/scenario.schema.json is what editors validate against; regenerate it with
    `bridgetwin scenario-schema > examples/scenario.schema.json` when the scenario changes."""
    from pathlib import Path

    published = Path(__file__).parent.parent / "examples" / "scenario.schema.json"
    assert json.loads(published.read_text()) == scenario_json_schema()


def test_slo_on_a_target_without_events_fails_unless_allowed(tmp_path):
    """A latency objective on a target that received no events judges nothing: it fails, as
    expect() fails it (one answer to one question), unless the entry says allow_empty."""
    other = {"source": "acme.payments", "detail-type": "PaymentAccepted"}
    spec = scenario("2m", traffic=[{"bus": "orders", "rate": 1, "events": [{"event": other}]}],
                    slo=[{"metric": "latency.start.p99", "max": 1},
                         {"metric": "latency.start.p99", "max": 1, "allow_empty": True}])  # fmt: skip
    from bridgetwin.simulator import simulate

    strict, lenient = simulate(webhook_graph(), load_scenario(spec)).slo
    assert (strict.value, strict.passed, strict.note) == (
        None,
        False,
        "received no events (allow_empty accepts it)",
    )
    assert (lenient.value, lenient.passed) == (None, True)


_ENVELOPE = {"source": "a", "detail-type": "b"}
NONSENSE = [
    ({"traffic": [{"bus": "b", "rate": float("inf"), "events": [{"event": _ENVELOPE}]}]},
     "traffic.0.rate: Input should be a finite number"),
    ({"duration": float("inf")}, "duration: Input should be a finite number"),
    ({"seed": -1}, "seed: Input should be greater than or equal to 0"),
    ({"endpoints": [{"responses": {200: float("nan")}}]}, "endpoints.0.responses.200: Input should be a finite number"),
    ({"endpoints": [{"latency": float("inf")}]}, "endpoints.0.latency.value: Input should be a finite number"),
    ({"traffic": [{"bus": "b", "rate": 1, "arrival": "diurnal", "diurnal": {"period": 0},
                   "events": [{"event": _ENVELOPE}]}]}, "traffic.0.diurnal.period: Input should be greater than 0"),
    ({"traffic": [{"bus": "b", "rate": 1, "arrival": "trace", "events": [{"event": _ENVELOPE}]}]},
     "traffic.0: 'arrival: trace' needs at least one call time in 'trace'"),
]  # fmt: skip


@pytest.mark.parametrize(("patch", "message"), NONSENSE, ids=[m for _, m in NONSENSE])
def test_scenario_refuses_silent_nonsense(patch, message):
    """Non-finite numbers, a negative seed, a zero diurnal period and an empty trace would each
    run and mean nothing; they are errors naming the field."""
    with pytest.raises(ScenarioError) as info:
        load_scenario({"duration": "1h", **patch})
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("s.yaml", b"duration: 1h\nx: \xff\n", "not UTF-8 text (byte 16)"),
     ("s.json", b"[" * 100_000, "malformed: nested too deeply"),
     ("s.yaml", b"a: " + b"[" * 100_000, "malformed: nested too deeply"),
     ("s.yaml", b"- 1\n", "a scenario must be a mapping of fields")],
)  # fmt: skip
def test_unreadable_scenario_files_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: {message}"
