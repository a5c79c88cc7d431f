"""``bridgetwin lint --format sarif``: a SARIF 2.1.0 log GitHub code scanning accepts.

The official schema file cannot be fetched on this machine (no route to its host), so the test
validates against the SARIF 2.1.0 definitions of every object we emit, transcribed from the
specification (OASIS SARIF 2.1.0, §3.13-3.33): their required properties, types and enums, with
no property the specification does not define for them.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from bridgetwin.cli import app

FIXTURE = Path(__file__).parent / "fixtures" / "full.yaml"


def _object(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}  # fmt: skip


MESSAGE = _object({"text": {"type": "string"}}, ("text",))
REGION = _object({"startLine": {"type": "integer", "minimum": 1}})
PHYSICAL = _object({"artifactLocation": _object({"uri": {"type": "string", "format": "uri-reference"}}),
                    "region": REGION})  # fmt: skip
LOGICAL = _object({"name": {"type": "string"}, "kind": {"type": "string"},
                   "fullyQualifiedName": {"type": "string"}})  # fmt: skip
LOCATION = _object(
    {"physicalLocation": PHYSICAL, "logicalLocations": {"type": "array", "items": LOGICAL}}
)
RESULT = _object(
    {"ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
     "level": {"enum": ["none", "note", "warning", "error"]}, "message": MESSAGE,
     "locations": {"type": "array", "items": LOCATION}},
    ("message",),
)  # fmt: skip
DESCRIPTOR = _object(
    {"id": {"type": "string"}, "name": {"type": "string"},
     "shortDescription": MESSAGE, "help": MESSAGE},
    ("id",),
)  # fmt: skip
DRIVER = _object({"name": {"type": "string"}, "version": {"type": "string"},
                  "rules": {"type": "array", "items": DESCRIPTOR}}, ("name",))  # fmt: skip
RUN = _object({"tool": _object({"driver": DRIVER}, ("driver",)),
               "results": {"type": "array", "items": RESULT}}, ("tool",))  # fmt: skip
SARIF = _object({"$schema": {"type": "string"}, "version": {"const": "2.1.0"},
                 "runs": {"type": "array", "items": RUN}}, ("version", "runs"))  # fmt: skip


def test_lint_sarif_is_valid_and_points_at_the_template_line(monkeypatch):
    monkeypatch.chdir(FIXTURE.parent.parent.parent)
    result = CliRunner().invoke(app, ["lint", str(FIXTURE), "--format", "sarif"])
    assert result.exit_code == 0, result.output  # warnings only
    log = json.loads(result.output)
    jsonschema.validate(log, SARIF)
    (run,) = log["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == sorted({r["ruleId"] for r in run["results"]})
    for finding in run["results"]:
        assert rules[finding["ruleIndex"]] == finding["ruleId"]
    loop = next(r for r in run["results"] if r["ruleId"] == "event-loop-risk")
    physical = loop["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "tests/fixtures/full.yaml"
    lines = FIXTURE.read_text().splitlines()
    assert lines[physical["region"]["startLine"] - 1].strip() == "OrderRule:"


def test_lint_sarif_error_levels_and_exit_code(tmp_path):
    template = {"Resources": {"Bad": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "Namespace": "AWS/Events", "MetricName": "Invocations", "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 1, "DatapointsToAlarm": 2, "Threshold": 1,
        "ComparisonOperator": "GreaterThanThreshold"}}}}  # fmt: skip
    (tmp_path / "t.json").write_text(json.dumps(template))
    result = CliRunner().invoke(app, ["lint", str(tmp_path / "t.json"), "--format", "sarif"])
    log = json.loads(result.output)
    jsonschema.validate(log, SARIF)
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels == {"inert-alarm": "warning"}
    bad_format = CliRunner().invoke(app, ["lint", str(tmp_path / "t.json"), "--format", "xml"])
    assert (
        bad_format.exit_code == 2 and "must be text, json or sarif, got 'xml'" in bad_format.output
    )
