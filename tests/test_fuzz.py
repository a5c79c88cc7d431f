"""The fuzz layer: generated templates, scenarios, patterns and events, valid and corrupted.

Every case must end in a result or one of the package's documented exceptions (PatternError,
TemplateError, ScenarioError), never another exception, a hang or a crash; each case runs under a
harness time limit (SIGALRM, ``CASE_SECONDS``), which catches a hang, not slowness. CI runs a
couple of hundred examples per strategy; for a longer hunt:

    BRIDGETWIN_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import os
import signal
from contextlib import contextmanager, suppress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgetwin.graph import Graph, TemplateError, load_graph
from bridgetwin.patterns import PatternError, compile_pattern
from bridgetwin.simulator import Result, ScenarioError, load_scenario, simulate
from tests._custom_bus import custom_bus_template
from tests._templates import EVENT, scenario, webhook_template

EXAMPLES = int(os.environ.get("BRIDGETWIN_FUZZ_EXAMPLES", "200"))
CASE_SECONDS = 20
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the harness limit below bounds a case; speed is not asserted
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class CaseHungError(Exception):
    """A generated case ran past the harness time limit."""


@contextmanager
def time_limit(seconds: int = CASE_SECONDS):
    def expire(*_):
        raise CaseHungError(f"a generated case ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Select", "Fn::If", "*", "${x}",
                     "arn:aws:sqs:us-east-1:1:q", "ENABLED", "rate(1 minute)", "1h", "-5"]),
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(
                ["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Select", "Fn::Join", "Fn::If", "numeric",
                 "prefix", "wildcard", "anything-but", "exists", "cidr", "$or", "source"])),
            inner, max_size=4),
    ),
    max_leaves=20,
)  # fmt: skip


def _paths(value, prefix=()):
    """Every (path) to a node of a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@st.composite
def corrupted(draw, valid):
    """``valid`` with a few nodes replaced by arbitrary JSON."""
    value = copy.deepcopy(valid)
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(value) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        node = value
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = draw(JSON)
    return value


@given(corrupted(webhook_template()))
@FUZZ
def test_templates_load_or_raise_template_error(template):
    with time_limit(), suppress(TemplateError):
        assert isinstance(load_graph(template), Graph)


def _simulates_or_says_why(graph: Graph, spec) -> None:
    with time_limit():
        try:
            loaded = load_scenario(spec)
        except ScenarioError:
            return
        if loaded.duration > 600 or sum(t.rate for t in loaded.traffic) * loaded.duration > 1e5:
            return  # valid but long: the budget check has its own tests
        with suppress(ScenarioError):
            assert isinstance(simulate(graph, loaded), Result)


@given(corrupted(scenario("1m", rate=5)))
@FUZZ
def test_scenarios_simulate_or_raise_scenario_error(spec):
    _simulates_or_says_why(load_graph(webhook_template()), spec)


CUSTOM_BUS_SCENARIO = {
    "duration": "2m", "seed": 1,
    "traffic": [
        {"bus": "orders", "rate": 3, "event_groups": 4, "duplicates": 0.1,
         "events": [{"event": EVENT}, {"raw": {"content_type": "application/protobuf",
                                                "size": 400, "metadata": {"schema": "v1"}}}]},
        {"bus": "orders", "rate": 1, "batch": 3,
         "events": [{"raw": {"content_type": "application/json", "data": {"kind": "paid"}}}]},
    ],
    "subscribers": [{"match": "Webhook", "created": 30, "pauses": [{"start": 50, "end": 70}]}],
}  # fmt: skip


@given(corrupted(CUSTOM_BUS_SCENARIO))
@FUZZ
def test_custom_bus_scenarios_simulate_or_raise_scenario_error(spec):
    _simulates_or_says_why(load_graph(custom_bus_template()), spec)


@given(
    st.one_of(
        JSON,
        corrupted(
            {"source": ["a"], "detail": {"n": [{"numeric": [">", 1]}], "s": [{"wildcard": "a*b"}]}}
        ),
    )
)
@FUZZ
def test_patterns_compile_or_raise_pattern_error(pattern):
    with time_limit():
        try:
            compiled = compile_pattern(pattern)
        except PatternError:
            return
        assert compiled.matches(EVENT) in (True, False)


@given(st.one_of(JSON, corrupted({**EVENT, "detail": {"n": 5, "s": "aXb", "l": [{"n": 2}]}})))
@FUZZ
def test_matching_any_event_never_raises(event):
    patterns = [
        compile_pattern({"source": ["acme.orders"]}),
        compile_pattern({"detail": {"n": [{"numeric": [">", 1, "<=", 9]}], "s": [{"wildcard": "a*b"}]}}),
        compile_pattern({"$or": [{"detail": {"l": {"n": [2]}}}, {"detail": {"x": [{"exists": False}]}}]}),
        compile_pattern({"detail": {"s": [{"anything-but": {"prefix": "z"}}, {"cidr": "10.0.0.0/8"}]}}),
    ]  # fmt: skip
    with time_limit():
        for pattern in patterns:
            assert pattern.matches(event) in (True, False)


@given(corrupted(__import__("tests._terraform", fromlist=["webhook_plan"]).webhook_plan()))
@FUZZ
def test_terraform_plans_load_or_raise_template_error(document):
    with time_limit(), suppress(TemplateError):
        assert isinstance(load_graph(document), Graph)


_HCL_PIECES = ("${", "}", "{", "[", "]", '"', "var.", "local.x", "each.key", "count.index", "=",
               "jsonencode(", ")", "\n", "?", ":", "for x in y :", "[*]", "null", "1/0", "-", "!",
               "module.m.o", "<<EOT\nx\nEOT\n", "%{if true}", "try(", "data.a.b.c", '"a"',
               'dynamic "d" {', "9" * 30)  # fmt: skip


@st.composite
def _edited_configuration(draw) -> str:
    """The shop configuration of tests/test_terraform_hcl.py with a few cuts and insertions."""
    from tests.test_terraform_hcl import SHOP

    text = SHOP
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text) - 1))
        if draw(st.booleans()):
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        else:
            text = text[:at] + draw(st.sampled_from(_HCL_PIECES) | st.text(max_size=6)) + text[at:]
    return text


@given(text=_edited_configuration())
@FUZZ
def test_terraform_configurations_load_or_raise_template_error(text, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tf")
    (folder / "main.tf").write_text(text, encoding="utf-8")
    with time_limit(), suppress(TemplateError):
        assert isinstance(load_graph(str(folder)), Graph)


@given(corrupted(__import__("tests._migration", fromlist=["fan_out_template"]).fan_out_template()))
@FUZZ
def test_what_loads_migrates_and_the_migration_loads_or_says_why(template):
    from bridgetwin.graph import read_sources
    from bridgetwin.migration import as_sarif, migrate

    with time_limit():
        try:
            sources = read_sources(template)
            graph = load_graph(sources)
        except TemplateError:
            return
        migration = migrate(sources, graph)  # never raises on a deployment that loads
        as_sarif(migration.findings, graph)
        with suppress(TemplateError):
            load_graph(migration.faithful)


_EXPORT = {"MetricDataResults": [
    {"Id": "m0", "Label": "AWS/Events MatchedEvents Sum EventBusName=orders RuleName=to-webhook",
     "Timestamps": ["2026-11-27T08:00:00Z", "2026-11-27T08:01:00Z"], "Values": [120, 60]},
    {"Id": "m1", "Label": "AWS/Events InvocationAttempts Sum EventBusName=orders "
                          "RuleName=to-webhook",
     "Timestamps": ["2026-11-27T08:00:00Z", "2026-11-27T08:01:00Z"], "Values": [120, 70]},
]}  # fmt: skip


@FUZZ
@given(export=corrupted(_EXPORT), base=st.none() | corrupted(scenario("1m")))
def test_metrics_calibrate_or_raise_a_documented_error(export, base, tmp_path_factory):
    """A corrupted get-metric-data export (and base scenario) ends in a scenario that loads, or
    CalibrationError / ScenarioError naming the problem; never another exception."""
    import json

    from bridgetwin.calibration import CalibrationError, calibrate, read_metrics

    path = tmp_path_factory.mktemp("fuzz") / "metrics.json"
    path.write_text(json.dumps(export, default=str))
    graph = load_graph(webhook_template())
    with time_limit(), suppress(CalibrationError, ScenarioError):
        calibration = calibrate(graph, read_metrics([path]), base)
        load_scenario(calibration.scenario)


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(st.text(max_size=10), st.sampled_from(
    ["2026-11-27T08:00:00Z", "1764230400", "12", "nan", "-3", "AWS/Events MatchedEvents Sum "
     "RuleName=to-webhook", "Time"])), max_size=4), max_size=6))  # fmt: skip
def test_csv_metrics_read_or_raise_calibration_error(rows, tmp_path_factory):
    import csv
    import io

    from bridgetwin.calibration import CalibrationError, read_metrics

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path = tmp_path_factory.mktemp("fuzz") / "metrics.csv"
    path.write_text(buffer.getvalue())
    with time_limit(), suppress(CalibrationError):
        read_metrics([path])


@FUZZ
@given(document=st.dictionaries(st.sampled_from(
    ["type", "properties", "components", "$ref", "allOf", "oneOf", "items", "enum", "minimum",
     "maximum", "minLength", "maxLength", "format", "x-amazon-events-source", "detail"]),
    JSON, max_size=6))  # fmt: skip
def test_any_schema_gives_an_event_or_a_calibration_error(document):
    from bridgetwin.calibration import CalibrationError
    from bridgetwin.calibration.schema_events import event_from_schema

    with time_limit(), suppress(CalibrationError):
        event = event_from_schema(document, "fuzz")
        assert isinstance(event, dict)
