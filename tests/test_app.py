"""The bundled example app synthesizes into a deployment that passes cfn-lint and cdk-nag."""

from __future__ import annotations

import json

import pytest

from tests._cdk import cfn_lint_errors

pytestmark = pytest.mark.cdk


def _resources(template: dict, resource_type: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == resource_type]


def test_app_has_the_three_stacks(example_assembly):
    assert sorted(s.stack_name for s in example_assembly.stacks) == [
        "BridgetwinGlobalPrimary",
        "BridgetwinGlobalSecondary",
        "BridgetwinWebhook",
    ]


def test_app_webhook_delivery(webhook_template):
    destinations = {
        d["Properties"]["InvocationEndpoint"]: d["Properties"]
        for d in _resources(webhook_template, "AWS::Events::ApiDestination")
    }
    webhook = destinations["https://webhook.example.com/orders"]
    assert (webhook["InvocationRateLimitPerSecond"], webhook["HttpMethod"]) == (1, "POST")
    fulfilment = destinations["https://fulfilment.example.com/v1/orders"]
    assert (fulfilment["InvocationRateLimitPerSecond"], fulfilment["HttpMethod"]) == (20, "PUT")
    auth_types = sorted(
        c["Properties"]["AuthorizationType"]
        for c in _resources(webhook_template, "AWS::Events::Connection")
    )
    assert auth_types == ["API_KEY", "OAUTH_CLIENT_CREDENTIALS"]
    policies = sorted(
        (t["RetryPolicy"]["MaximumRetryAttempts"], t["RetryPolicy"]["MaximumEventAgeInSeconds"])
        for r in _resources(webhook_template, "AWS::Events::Rule")
        for t in r["Properties"]["Targets"]
    )
    assert policies == [(10, 7200), (50, 21600)]
    assert len(_resources(webhook_template, "AWS::CloudWatch::Dashboard")) == 1


def test_app_templates_contain_no_plaintext_secret(example_assembly):
    for stack in example_assembly.stacks:
        for auth_key in ("ApiKeyValue", "Password", "ClientSecret"):
            for value in _values_of(stack.template, auth_key):
                where = (stack.stack_name, auth_key)
                assert "{{resolve:secretsmanager:" in json.dumps(value), where
        # A literal SecretString would put the value in the template; generation keeps it out.
        assert list(_values_of(stack.template, "SecretString")) == []


def test_app_templates_pass_cfn_lint(example_assembly):
    for stack in example_assembly.stacks:
        assert cfn_lint_errors(stack.template) == [], stack.stack_name


def test_app_passes_cdk_nag_aws_solutions(tmp_path):
    """AwsSolutions reports nothing: the only acknowledgements are the reasoned false positives
    (a DLQ without a DLQ, EventBridge's managed-rule wildcard, partner-rotated secrets)."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    import app as example_app

    app = example_app.build_app(str(tmp_path))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [v["ruleName"] for p in report["pluginReports"] for v in p["violations"]]
    assert violations == []


def test_cdk_nag_harness_reports_violations(tmp_path):
    """The harness above, and the construct tests' ``synth`` helper, would notice a violation:
    an unacknowledged queue without a DLQ fails synthesis with AwsSolutions-SQS3's message."""
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs

    from tests._cdk import new_app, synth

    app = new_app(str(tmp_path))
    stack = cdk.Stack(app, "Plain")
    sqs.Queue(stack, "Queue", enforce_ssl=True)
    with pytest.raises(Exception, match="ValidationFailed"):
        synth(stack)
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [v["ruleName"] for p in report["pluginReports"] for v in p["violations"]]
    assert violations == ["AwsSolutions-SQS3"]


def _values_of(node: object, key: str):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values_of(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values_of(item, key)
