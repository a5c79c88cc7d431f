"""Best-practice findings for single patterns."""

from __future__ import annotations

from bridgetwin.patterns import Severity, compile_pattern, lint

GOOD = {"source": ["acme.payments"], "detail-type": ["Payment accepted"]}


def codes(pattern) -> list[str]:
    return [f.code for f in lint(pattern)]


def test_lint_precise_pattern_is_clean():
    assert lint(GOOD) == []
    assert lint(compile_pattern(GOOD)) == []


def test_lint_missing_source_and_detail_type():
    assert codes({"detail": {"x": [1]}}) == ["missing-source", "missing-detail-type"]
    assert codes({"source": ["acme.payments"]}) == ["missing-detail-type"]


def test_lint_missing_source_in_one_or_branch():
    pattern = {"detail-type": ["A"], "$or": [{"source": ["s"]}, {"detail": {"x": [1]}}]}
    assert codes(pattern) == ["missing-source"]


def test_lint_matches_all_events():
    assert "matches-all-events" in codes({})
    assert "matches-all-events" in codes({"source": [{"prefix": ""}]})
    assert "matches-all-events" in codes({"detail-type": [{"wildcard": "*"}]})
    assert "matches-all-events" in codes(
        {"source": [{"exists": True}], "account": [{"prefix": ""}]}
    )
    assert "matches-all-events" not in codes({"source": [{"prefix": "acme."}]})


def test_lint_value_lists_across_fields_suggest_or():
    pattern = {
        "source": ["aws.sqs", "aws.kms"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventName": ["CreateQueue", "CreateKey"]},
    }
    (finding,) = lint(pattern)
    assert finding.code == "values-cross-product"
    assert "source, detail.eventName" in finding.message
    # The $or form AWS recommends is clean.
    fixed = {
        "detail-type": ["AWS API Call via CloudTrail"],
        "$or": [
            {"source": ["aws.sqs"], "detail": {"eventName": ["CreateQueue"]}},
            {"source": ["aws.kms"], "detail": {"eventName": ["CreateKey"]}},
        ],
    }
    assert lint(fixed) == []


def test_lint_number_for_string_envelope_field_never_matches():
    findings = lint({**GOOD, "account": [123456789012]})
    assert [(f.code, f.path) for f in findings] == [("never-matches", "account")]
    assert findings[0].severity is Severity.WARNING


def test_lint_detail_as_value_never_matches():
    assert codes({**GOOD, "detail": ["x"]}) == ["never-matches"]


def test_lint_prefix_on_number_field():
    pattern = {
        **GOOD,
        "$or": [
            {"detail": {"amount": [{"numeric": [">", 100]}]}},
            {"detail": {"amount": [{"prefix": "1"}]}},
        ],
    }
    (finding,) = lint(pattern)
    assert finding.code == "string-filter-on-number"
    assert finding.path == "detail.amount"


def test_lint_invalid_pattern_is_an_error_with_its_path():
    (finding,) = lint({**GOOD, "detail": {"n": [{"numeric": [">", 5, "<", 1]}]}})
    assert finding.code == "invalid-pattern"
    assert finding.severity is Severity.ERROR
    assert finding.message == "Bottom must be less than top"
    assert finding.path == "detail.n[0].numeric"
    assert str(finding).startswith("error: invalid-pattern: Bottom must be less than top")
