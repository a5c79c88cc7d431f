"""SLO verdicts as JUnit XML (``simulate --junit FILE``), read back with the standard library as
a CI system reads it: one testcase per objective and target, a failure with the predicted value
and the reason exactly where the verdict failed."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from typer.testing import CliRunner

from bridgetwin.cli import app
from tests._templates import scenario, webhook_template


def test_the_junit_file_has_a_testcase_per_verdict_and_failures_where_they_failed(tmp_path):
    slo = [{"metric": "counts.dlq", "max": 0}, {"metric": "latency.start.p99", "max": "1s"}]
    spec = scenario("10m", rate=50, seed=4, api_destinations=[{"match": "*", "burst": 1}],
                    slo=slo, drain="1h")  # fmt: skip
    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=10)))
    (tmp_path / "s.json").write_text(json.dumps(spec))
    path = tmp_path / "reports" / "slo.xml"
    out = CliRunner().invoke(app, ["simulate", str(tmp_path / "t.json"), "--scenario",
                                   str(tmp_path / "s.json"), "--format", "json", "--check",
                                   "--junit", str(path)])  # fmt: skip
    assert out.exit_code == 1  # the latency objective fails
    verdicts = json.loads(out.stdout)["slo"]
    root = ElementTree.parse(path).getroot()
    suite = root.find("testsuite")
    assert (root.tag, suite.get("tests"), suite.get("failures")) == ("testsuites", "2", "1")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("Rule/Api", "counts.dlq <= 0"),
        ("Rule/Api", "latency.start.p99 <= 1 s"),
    ]
    assert [c.find("failure") is not None for c in cases] == [not v["passed"] for v in verdicts]
    failure = cases[1].find("failure")
    assert failure.get("message").startswith("predicted ") and " s" in failure.get("message")
    seed = {p.get("name"): p.get("value") for p in suite.find("properties")}["seed"]
    assert seed == "4"
