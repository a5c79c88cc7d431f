"""Acknowledge cdk-nag false positives with their reasons, through CDK's own Validations API.

cdk-nag 3 is a validation plugin that honours ``Validations.of(construct).acknowledge``; using the
CDK API directly keeps cdk-nag a test-time tool rather than a runtime dependency of the constructs.
Findings with a subject are acknowledged by their full id (``AwsSolutions-IAM5[Resource::...]``).
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(construct: IConstruct, finding_id: str, reason: str) -> None:
    """Acknowledge ``finding_id`` on ``construct`` (and its children), stating why."""
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=finding_id, reason=reason))
