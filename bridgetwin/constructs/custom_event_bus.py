"""``CustomEventBus``: EventBridge's new Custom Event Bus (``AWS::EventsV2::EventBus``), which
aws-cdk-lib offers only as the L1 ``aws_eventsv2.CfnEventBus``.

The bus keeps every event for its retention (1-365 days), and subscribers
(:class:`~bridgetwin.constructs.subscriber.Subscriber`) read it each at their own position.
Everything the template would leave to AWS is written out: the retention (AWS's 1 day unless
given), and a customer-managed key by its ARN (the service stores the ARN, so an alias or a key id
would drift). Publishers need ``events:PutEvents`` on the bus's ARN, and ``kms:Decrypt`` on its
key when it has one (custom-bus facts §1.2): :meth:`CustomEventBus.grant_put_events` grants both.

CloudFormation offers the type only in some Regions; a stack in another Region is refused when
the construct is created, naming those that have it (cfn-lint's Region data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from bridgetwin.constructs._regions import require_type
from bridgetwin.constructs._validation import (
    BUS_NAME_CHARSET,
    ValidationError,
    check_name,
    check_range,
    is_token,
)

BUS_TYPE = "AWS::EventsV2::EventBus"
DEFAULT_RETENTION_DAYS = 1
"""AWS's retention when none is given (custom-bus facts §1.2), written out by the construct."""


def check_region(scope: Construct, resource_type: str) -> None:
    """Refuse a stack whose Region CloudFormation does not offer ``resource_type`` in."""
    region = cdk.Stack.of(scope).region
    if not is_token(region):
        require_type(scope, region, resource_type, f"{scope.node.path}: the stack", "it is")


def eventsv2_module() -> Any:
    """``aws_cdk.aws_eventsv2`` (the L1 classes), or a clear error on an aws-cdk-lib without it."""
    try:
        from aws_cdk import aws_eventsv2
    except ImportError:
        raise ValidationError(
            f"aws-cdk-lib {cdk.__version__ if hasattr(cdk, '__version__') else ''} has no "
            "aws_cdk.aws_eventsv2 (the Custom Event Bus's L1 classes); 2.275 has them: upgrade "
            "aws-cdk-lib"
        ) from None
    return aws_eventsv2


@dataclass(frozen=True)
class ImportedCustomEventBus:
    """A Custom Event Bus defined elsewhere, known by its ARN (which carries a generated id, so
    it cannot be built from the name)."""

    event_bus_arn: str
    key: kms.IKey | None = None

    def grant_put_events(self, grantee: iam.IGrantable) -> iam.Grant:
        return _grant_put_events(self.event_bus_arn, self.key, grantee)


def _grant_put_events(arn: str, key: kms.IKey | None, grantee: iam.IGrantable) -> iam.Grant:
    grant = iam.Grant.add_to_principal(grantee=grantee, actions=["events:PutEvents"],
                                       resource_arns=[arn])  # fmt: skip
    if key is not None:
        key.grant_decrypt(grantee)
    return grant


class CustomEventBus(Construct):
    """A Custom Event Bus with its retention and encryption written out.

    Example::

        bus = CustomEventBus(self, "Orders", bus_name="orders", retention=cdk.Duration.days(7))
        bus.grant_put_events(producer_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bus_name: str,
        retention: cdk.Duration | None = None,
        kms_key: kms.IKey | None = None,
        description: str | None = None,
    ) -> None:
        """
        Args:
            bus_name: The bus's name (required by CloudFormation; 1-256 of ``[.\\-_A-Za-z0-9]``,
                starting with a letter or digit), unique among the account's Custom Event Buses
                in the Region. Changing it replaces the bus.
            retention: How long the bus keeps every event, whole days from 1 to 365.
                Default: 1 day (AWS's), written to the template.
            kms_key: A customer-managed key, written by its ARN. Default: - an AWS-owned key.
            description: At most 512 characters. Default: - none.
        """
        super().__init__(scope, construct_id)
        check_region(self, BUS_TYPE)
        check_name("bus_name", bus_name, 256, BUS_NAME_CHARSET)
        if isinstance(bus_name, str) and not is_token(bus_name) and not bus_name[0].isalnum():
            raise ValidationError(f"'bus_name' must start with a letter or a digit: {bus_name!r}")
        days = DEFAULT_RETENTION_DAYS if retention is None else _whole_days(retention)
        check_range("retention (days)", days, 1, 365, integer=True)
        if description is not None and not is_token(description) and len(description) > 512:
            raise ValidationError(f"'description' must be at most 512 characters, got "
                                  f"{len(description)}")  # fmt: skip
        eventsv2 = eventsv2_module()
        properties: dict[str, Any] = {
            "name": bus_name,
            "storage_configuration": {"retentionPeriodInDays": days},
        }
        if kms_key is not None:
            properties["encryption_configuration"] = {"kmsKeyIdentifier": kms_key.key_arn}
        if description is not None:
            properties["description"] = description
        self.resource = eventsv2.CfnEventBus(self, "Resource", **properties)
        self.bus_name = bus_name
        self.retention_days = days
        self.key = kms_key
        self.event_bus_arn: str = self.resource.attr_event_bus_arn

    @staticmethod
    def from_event_bus_arn(event_bus_arn: str, key: kms.IKey | None = None):
        """A bus defined elsewhere (another stack or account), by its ARN."""
        return ImportedCustomEventBus(event_bus_arn, key)

    def grant_put_events(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish (``events:PutEvents``; ``kms:Decrypt`` on a CMK bus)."""
        return _grant_put_events(self.event_bus_arn, self.key, grantee)


def _whole_days(retention: cdk.Duration) -> int:
    days = retention.to_seconds() / 86_400
    if not float(days).is_integer():
        raise ValidationError(f"'retention' must be whole days, got {retention.to_human_string()}")
    return int(days)
