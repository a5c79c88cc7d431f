"""``bridgetwin lint --format sarif``: a SARIF 2.1.0 log GitHub code scanning accepts.

Checked by two independent references: the official SARIF 2.1.0 JSON Schema, and Microsoft's
SARIF Multitool ``validate`` with its SARIF rules and GitHub's ingestion rules (``--rule-kind
Sarif;Gh``: what code scanning requires of an upload, such as every rule's ``fullDescription``).
Both come from the npm package ``@microsoft/sarif-multitool-linux`` (MIT), which ``scripts/test``
installs under ``.tools/sarif``; ``BRIDGETWIN_SARIF_MULTITOOL`` points at another copy.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app

ROOT = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "full.yaml"
MULTITOOL = Path(
    os.environ.get("BRIDGETWIN_SARIF_MULTITOOL")
    or ROOT / ".tools/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
)
ACCEPTED = {"SARIF2005": "the tool has no informationUri: bridgetwin has no published home page"}
"""Validator findings (warning level and above) these logs are allowed, with the reason."""


@pytest.fixture(scope="module")
def multitool() -> Path:
    assert MULTITOOL.is_file(), (
        f"{MULTITOOL} is missing: scripts/test installs Microsoft's SARIF Multitool "
        "(npm install --prefix .tools/sarif @microsoft/sarif-multitool-linux)"
    )
    return MULTITOOL


def _schema_errors(log: dict, multitool: Path) -> list[str]:
    schema = json.loads((multitool.parent / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def _validator_findings(log: dict, multitool: Path, tmp_path: Path) -> list[tuple[str, str]]:
    """(rule id, message) of every warning or error the Multitool reports on ``log``."""
    source, report = tmp_path / "log.sarif", tmp_path / "validation.sarif"
    source.write_text(json.dumps(log, indent=2), encoding="utf-8")
    run = subprocess.run(
        [str(multitool), "validate", str(source), "--rule-kind", "Sarif;Gh",
         "--level", "Error;Warning", "--output", str(report)],
        check=False, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
    )  # fmt: skip
    assert report.is_file(), run.stdout + run.stderr
    (validation,) = json.loads(report.read_text(encoding="utf-8"))["runs"]
    return [(r["ruleId"], r["message"].get("text") or str(r["message"].get("arguments")))
            for r in validation.get("results", [])]  # fmt: skip


def _lint(source: Path) -> dict:
    result = CliRunner().invoke(app, ["lint", str(source), "--format", "sarif"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def _assert_valid(log: dict, multitool: Path, tmp_path: Path) -> None:
    assert _schema_errors(log, multitool) == []
    unexpected = [f for f in _validator_findings(log, multitool, tmp_path) if f[0] not in ACCEPTED]
    assert unexpected == []


def test_lint_sarif_is_valid_and_points_at_the_template_line(monkeypatch, multitool, tmp_path):
    monkeypatch.chdir(ROOT)
    log = _lint(FIXTURE)
    _assert_valid(log, multitool, tmp_path)
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
    descriptor = run["tool"]["driver"]["rules"][rules.index("event-loop-risk")]
    assert descriptor["name"] == "EventLoopRisk"
    assert descriptor["defaultConfiguration"] == {"level": "warning"}


def test_lint_sarif_error_levels_and_exit_code_outside_the_working_directory(
    monkeypatch, multitool, tmp_path
):
    template = {"Resources": {"Bad": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "Namespace": "AWS/Events", "MetricName": "Invocations", "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 1, "DatapointsToAlarm": 2, "Threshold": 1,
        "ComparisonOperator": "GreaterThanThreshold"}}}}  # fmt: skip
    (tmp_path / "t.json").write_text(json.dumps(template))
    monkeypatch.chdir(ROOT)  # the template lies outside it: an absolute file URI
    log = _lint(tmp_path / "t.json")
    _assert_valid(log, multitool, tmp_path)
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels == {"inert-alarm": "warning"}
    physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == (tmp_path / "t.json").resolve().as_uri()
    assert physical["region"] == {"startLine": 1}  # minified JSON: the key's line
    bad_format = CliRunner().invoke(app, ["lint", str(tmp_path / "t.json"), "--format", "xml"])
    assert (
        bad_format.exit_code == 2 and "must be text, json or sarif, got 'xml'" in bad_format.output
    )


def test_the_validators_reject_what_code_scanning_would(multitool, tmp_path):
    """The two references catch the mistakes this test file guards against: a log without
    ``fullDescription`` (GitHub's GH2012), a rule named as its id (SARIF1001), a wrong version."""
    log = _lint(FIXTURE)
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        del rule["fullDescription"]
        rule["name"] = rule["id"]
    found = {rule for rule, _ in _validator_findings(log, multitool, tmp_path)}
    assert {"GH2012", "SARIF1001"} <= found
    log["version"] = "2.0.0"
    assert any("2.0.0" in error for error in _schema_errors(log, multitool))


def test_violated_slos_and_migration_findings_are_valid_sarif_too(monkeypatch, multitool, tmp_path):
    """``simulate --sarif``: one error per violated objective, at the rule's line in the
    template; ``migrate --format sarif`` passes the same validators."""
    from tests._templates import EVENT, webhook_template

    template = webhook_template(rate=100, retries=0)
    (tmp_path / "t.yaml").write_text(yaml_text(template))
    spec = {"duration": "5m", "traffic": [{"bus": "orders", "rate": 5, "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0, "outages": [{"start": "1m", "end": "2m", "status": 503}]}],
            "slo": [{"target": "Rule/*", "metric": "counts.dlq", "max": 0},
                    {"target": "Rule/*", "metric": "counts.delivered", "min": 1}]}  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(spec))
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["simulate", "t.yaml", "--scenario", "s.json", "--check",
                                   "--sarif", "slo.sarif"])  # fmt: skip
    assert out.exit_code == 1, out.output
    log = json.loads((tmp_path / "slo.sarif").read_text())
    _assert_valid(log, multitool, tmp_path)
    (result,) = log["runs"][0]["results"]  # the delivered objective held
    assert (result["ruleId"], result["level"]) == ("slo/counts.dlq", "error")
    assert "Rule/Api: counts.dlq should be <= 0; the twin predicts" in result["message"]["text"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "t.yaml"
    lines = (tmp_path / "t.yaml").read_text().splitlines()
    assert lines[physical["region"]["startLine"] - 1].strip() == "Rule:"
    migrated = CliRunner().invoke(app, ["migrate", "t.yaml", "--format", "sarif"])
    assert migrated.exit_code == 0, migrated.output
    _assert_valid(json.loads(migrated.stdout), multitool, tmp_path)


def yaml_text(template: dict) -> str:
    import yaml

    return yaml.safe_dump(template, sort_keys=False)


@pytest.mark.cdk
def test_a_cdk_apps_findings_sit_on_the_line_that_declares_the_construct(
    monkeypatch, multitool, tmp_path
):
    """examples/ci's shop, synthesized by running the app (no path metadata: the paths come
    from tree.json): lint's finding on the webhook's rule and a violated SLO on its target sit
    on the line of shop.py that declares ``ApiDelivery(self, "OrderWebhook", ...)``, where a
    pull request would change it, with the template as a related location."""
    import aws_cdk as cdk

    from examples.ci.shop import ShopStack

    for name in ("shop.py", "cdk.json"):
        (tmp_path / name).write_text((ROOT / "examples/ci" / name).read_text())
    app_ = cdk.App(outdir=str(tmp_path / "cdk.out"))
    ShopStack(app_, "Shop")
    app_.synth()
    source = (tmp_path / "shop.py").read_text().splitlines()
    declared = 1 + next(n for n, text in enumerate(source) if '"OrderWebhook"' in text)
    spec = {"duration": "10m", "traffic": [{"bus": "orders", "rate": 20, "events": [
        {"event": {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {}}}]}],
        "slo": [{"target": "OrderWebhook", "metric": "latency.start.p99", "max": "1s"}]}  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(spec))
    monkeypatch.chdir(tmp_path)
    logs = [_lint(tmp_path / "cdk.out")]
    out = CliRunner().invoke(app, ["simulate", "cdk.out", "--scenario", "s.json", "--sarif",
                                   "slo.sarif"])  # fmt: skip
    assert out.exit_code == 0, out.output
    logs.append(json.loads((tmp_path / "slo.sarif").read_text()))
    for log in logs:
        _assert_valid(log, multitool, tmp_path)
        (result, *_) = [r for r in log["runs"][0]["results"]
                        if "OrderWebhookRule" in json.dumps(r["locations"])]  # fmt: skip
        physical = result["locations"][0]["physicalLocation"]
        assert physical == {"artifactLocation": {"uri": "shop.py"},
                            "region": {"startLine": declared}}  # fmt: skip
        (related,) = result["relatedLocations"]
        assert (
            related["physicalLocation"]["artifactLocation"]["uri"] == "cdk.out/Shop.template.json"
        )


def test_a_declaration_is_the_one_line_holding_an_id_deepest_first(tmp_path):
    """An id on several lines is ambiguous, so its parent's declaration is used; vendored and
    generated folders are not read; no id on exactly one line: no declaration."""
    from bridgetwin.graph.lint.source_lines import app_root, declaration

    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    (tmp_path / "app.py").write_text(
        'Delivery(self, "Orders")\nRule(self, "Rule")\nRule(other, "Rule")\nQueue(self, \'Dlq\')\n'
    )
    vendored = tmp_path / "node_modules" / "lib"
    vendored.mkdir(parents=True)
    (vendored / "x.js").write_text('new Queue(this, "Dlq");\nnew Thing(this, "Orders");\n')
    (tmp_path / "cdk.out").mkdir()
    root = app_root(str(tmp_path / "cdk.out" / "Stack.template.json"))
    assert root == tmp_path.resolve()
    assert declaration("Stack/Orders/Rule/Resource", root) == (root / "app.py", 1)
    assert declaration("Stack/Orders/Dlq/Resource", root) == (root / "app.py", 4)
    assert declaration("Stack/Elsewhere/Resource", root) is None


def test_a_terraform_configurations_findings_sit_on_the_tf_block(monkeypatch, multitool, tmp_path):
    """Lint of examples/terraform read without a plan: the DLQ-policy finding sits on the line of
    ``resource "aws_cloudwatch_event_rule" "to_webhook"`` in main.tf (found here by reading the
    file), and the log is valid for code scanning."""
    monkeypatch.chdir(ROOT)
    log = _lint(ROOT / "examples/terraform")
    _assert_valid(log, multitool, tmp_path)
    (run,) = log["runs"]
    finding = next(r for r in run["results"] if r["ruleId"] == "dlq-policy")
    physical = finding["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "examples/terraform/main.tf"
    lines = (ROOT / "examples/terraform/main.tf").read_text().splitlines()
    declared = 1 + next(n for n, text in enumerate(lines)
                        if text.startswith('resource "aws_cloudwatch_event_rule" "to_webhook"'))  # fmt: skip
    assert physical["region"] == {"startLine": declared}
