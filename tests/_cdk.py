"""Helpers for construct tests: every app they build runs cdk-nag's AwsSolutions pack when it
synthesizes (a violation fails the synthesis, and so the test), and every template is held to
cfn-lint on the way."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

LINT_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


def cfn_lint_errors(template: dict[str, Any]) -> list[str]:
    """cfn-lint errors (not warnings) for a template, in explicit Regions."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=LINT_REGIONS))
    return [f"{m.rule.id}: {m.message}" for m in matches if m.rule.id.startswith("E")]


def synth(stack: cdk.Stack) -> Template:
    """The stack's template; fails the test if cfn-lint finds an error in it."""
    template = Template.from_stack(stack)
    errors = cfn_lint_errors(template.to_json())
    assert errors == [], errors
    return template


def new_app(outdir: str | None = None) -> cdk.App:
    """An app that runs cdk-nag's AwsSolutions checks whenever it (or a stack of it, through
    ``Template.from_stack``) is synthesized."""
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=outdir)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def new_stack(region: str | None = "us-east-1", account: str = "123456789012") -> cdk.Stack:
    env = cdk.Environment(account=account, region=region) if region else None
    return cdk.Stack(new_app(), "TestStack", env=env)


def fixture_secret(scope, construct_id: str):
    """A secret for a test fixture; rotation (cdk-nag SMG4) is the owner's business, not the
    constructs'."""
    from aws_cdk import aws_secretsmanager as secretsmanager

    from bridgetwin.constructs import acknowledge

    secret = secretsmanager.Secret(scope, construct_id)
    acknowledge(secret, "AwsSolutions-SMG4", "a test fixture; the partner rotates real ones")
    return secret
