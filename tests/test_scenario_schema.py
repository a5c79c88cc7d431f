"""The published JSON Schema accepts exactly what the loader accepts: every scenario in examples/
validates against it with jsonschema, and so do durations as strings or numbers; what the loader
refuses for a value's shape, the schema refuses too."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from bridgetwin.simulator import ScenarioError, load_scenario, scenario_json_schema

ROOT = Path(__file__).parent.parent


def _is_scenario(path: Path) -> bool:
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError:  # a CloudFormation template with short forms (!GetAtt)
        return False
    return isinstance(document, dict) and "duration" in document


SCENARIOS = sorted(p for p in ROOT.glob("examples/**/*.yaml") if _is_scenario(p))


def validator() -> jsonschema.Draft202012Validator:
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_scenario_validates_and_loads(path):
    document = yaml.safe_load(path.read_text())
    assert list(validator().iter_errors(document)) == []
    load_scenario(path)


def test_there_are_examples_to_check():
    assert len(SCENARIOS) >= 5


@pytest.mark.parametrize("document", [
    {"duration": "90s"}, {"duration": 90}, {"duration": "1.5h", "seed": 3},
    {"duration": "1m", "endpoints": [{"latency": "80ms"}]},
    {"duration": "1m", "endpoints": [{"latency": {"distribution": "exponential", "mean": "1s"}}]},
])  # fmt: skip
def test_what_the_loader_accepts_the_schema_accepts(document):
    load_scenario(document)
    assert list(validator().iter_errors(document)) == []


@pytest.mark.parametrize("document", [
    {"duration": "ninety"}, {"duration": "1m", "unknown": 1}, {"duration": "1m", "seed": -1},
    {"duration": "1m", "endpoints": [{"latency": "fast"}]}, {},
])  # fmt: skip
def test_what_the_loader_refuses_the_schema_refuses(document):
    with pytest.raises(ScenarioError):
        load_scenario(document)
    assert list(validator().iter_errors(document)) != []


def test_fields_carry_their_docstrings():
    defs = scenario_json_schema()["$defs"]
    assert defs["Capacity"]["properties"]["concurrency"]["description"].startswith("Requests")
    assert "minimum" in str(defs) and "'ge'" not in str(defs)
