"""A run's SLO verdicts as JUnit XML, the format every CI system shows as test results: one
``testcase`` per objective and target, a ``failure`` with the predicted value and the reason
when it fails (``simulate --junit FILE``)."""

from __future__ import annotations

from xml.etree import ElementTree

from bridgetwin.simulator.results.records import Result


def slo_junit(result: Result, name: str = "bridgetwin SLOs") -> str:
    """The XML document (UTF-8 text) of ``result``'s SLO verdicts."""
    failures = sum(not v.passed for v in result.slo)
    suites = ElementTree.Element("testsuites", tests=str(len(result.slo)),
                                 failures=str(failures))  # fmt: skip
    suite = ElementTree.SubElement(
        suites, "testsuite", name=name, tests=str(len(result.slo)), failures=str(failures),
        errors="0", skipped="0",
    )  # fmt: skip
    properties = ElementTree.SubElement(suite, "properties")
    for key, value in (("seed", result.seed), ("simulated_s", result.duration_s)):
        ElementTree.SubElement(properties, "property", name=key, value=f"{value:g}")
    for verdict in result.slo:
        name = f"{verdict.metric} {verdict.bounds}"
        case = ElementTree.SubElement(suite, "testcase", classname=verdict.target, name=name,
                                      time="0")  # fmt: skip
        if not verdict.passed:
            message = f"predicted {verdict.predicted}" + (
                f": {verdict.note}" if verdict.note else "")  # fmt: skip
            failure = ElementTree.SubElement(case, "failure", message=message, type="SloViolation")
            failure.text = (f"{verdict.target}: {verdict.metric} should be {verdict.bounds}; "
                            f"{message}")  # fmt: skip
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )
