"""``GlobalEventBus``: one bus name in two Regions behind an EventBridge global endpoint.

Producers put events through the endpoint; Route 53 sends them to the primary Region while its
health check is healthy and to the secondary when it is not. The health check follows a CloudWatch
alarm on the primary's ``IngestionToInvocationStartLatency``, configured exactly as AWS's
global-endpoint health-check template (Average over 60 s, 5 periods, > 30,000 ms, missing data
breaching). With replication on (the default, and the only way back without a manual health-check
reset), managed rules copy every custom event to the other Region through a least-privilege role.

Create it in the primary stack and pass the secondary stack; both stacks need an explicit
``env`` (account and Region), in Regions where CloudFormation offers ``AWS::Events::Endpoint``
(checked against cfn-lint's Region data when the construct is created). The secondary bus and its
archive are created in the secondary stack, and the endpoint refers to it by ARN, so no
cross-region reference is needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from constructs import Construct

from bridgetwin.constructs._nag import acknowledge
from bridgetwin.constructs._regions import require_type
from bridgetwin.constructs._validation import (
    BUS_NAME_CHARSET,
    NAME_CHARSET,
    ValidationError,
    check_name,
    check_range,
    is_token,
)
from bridgetwin.constructs.alarms import AlarmSettings, notify

_ENDPOINT_TYPE = "AWS::Events::Endpoint"

HEALTH_CHECK_ALARM = AlarmSettings(
    threshold=30_000,
    period=cdk.Duration.seconds(60),
    evaluation_periods=5,
    statistic="Average",
    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treat_missing_data="breaching",
)
"""AWS's global-endpoint health-check template, field for field (eventbridge-facts §5)."""

_INSUFFICIENT_DATA_STATUS = {
    "breaching": "Unhealthy",
    "missing": "LastKnownStatus",
    "notBreaching": "Healthy",
    "ignore": "LastKnownStatus",
}
"""AWS's template maps breaching -> Unhealthy and missing -> LastKnownStatus; we extend the map to
the two values it leaves out, consistently: no data is healthy when it is not breaching."""


class GlobalEventBus(Construct):
    """A bus named ``bus_name`` in this stack's Region and in ``secondary_stack``'s Region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bus_name: str,
        secondary_stack: cdk.Stack,
        replication: bool = True,
        health_check_alarm: AlarmSettings = HEALTH_CHECK_ALARM,
        archive_retention: cdk.Duration | None = None,
        endpoint_name: str | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
    ) -> None:
        """
        Args:
            bus_name: The bus name in both Regions (1-256 of ``[/.\\-_A-Za-z0-9]``).
            secondary_stack: The stack in the failover Region (same account, other Region).
            replication: Replicate custom events to the secondary Region. Default: True (AWS's
                default; without it, recovery needs a manual health-check reset).
            health_check_alarm: The latency alarm. Default: AWS's template (Average, 60 s,
                5 periods, > 30,000 ms, missing data breaching).
            archive_retention: How long the secondary bus's archive keeps events, in whole days,
                at least 1 (AWS reads 0 as "forever"). Default: 7 days.
            endpoint_name: 1-64 of ``[.\\-_A-Za-z0-9]``. Default: - derived from ``bus_name``.
            alarm_topic: An SNS topic told when the health-check alarm fires (a failover) and
                when it recovers. Default: - none.
            alarm_actions: Actions the health-check alarm runs when it fires. Default: - none.
        """
        super().__init__(scope, construct_id)
        primary_stack = cdk.Stack.of(self)
        self._validate(bus_name, primary_stack, secondary_stack, health_check_alarm)
        self._check_regions(primary_stack, secondary_stack)
        _check_retention(archive_retention)
        endpoint_name = (
            endpoint_name or re.sub(r"[^.\-_A-Za-z0-9]", "-", bus_name)[:55] + "-endpoint"
        )
        check_name("endpoint_name", endpoint_name, 64, NAME_CHARSET)

        self.primary_bus = events.EventBus(self, "PrimaryBus", event_bus_name=bus_name)
        self.secondary_bus = events.EventBus(
            secondary_stack, f"{construct_id}SecondaryBus", event_bus_name=bus_name
        )
        self.archive = self.secondary_bus.archive(
            "Archive",
            description=f"Events of {bus_name} in the failover Region",
            event_pattern=events.EventPattern(account=[secondary_stack.account]),
            retention=archive_retention or cdk.Duration.days(7),
        )
        primary_stack.add_stack_dependency(secondary_stack, "the endpoint needs the secondary bus")

        metric = cloudwatch.Metric(
            namespace="AWS/Events", metric_name="IngestionToInvocationStartLatency"
        )
        self.latency_alarm = health_check_alarm.create(
            self, "LatencyAlarm", metric,
            "EventBridge ingestion-to-invocation latency in the primary Region "
            "(global-endpoint health check)",
        )  # fmt: skip
        notify([self.latency_alarm], topic=alarm_topic, actions=alarm_actions)
        self.health_check = route53.CfnHealthCheck(
            self,
            "HealthCheck",
            health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                type="CLOUDWATCH_METRIC",
                alarm_identifier=route53.CfnHealthCheck.AlarmIdentifierProperty(
                    name=self.latency_alarm.alarm_name, region=primary_stack.region
                ),
                insufficient_data_health_status=_INSUFFICIENT_DATA_STATUS[
                    health_check_alarm.treat_missing_data
                ],
            ),
        )
        self._stacks = (primary_stack, secondary_stack)
        bus_arns = [self._bus_arn(stack, bus_name) for stack in self._stacks]
        self.bus_arns: tuple[str, str] = (bus_arns[0], bus_arns[1])
        """The bus's ARN in the primary and in the secondary Region."""
        self.replication_role = self._replication_role(bus_name, bus_arns) if replication else None
        self.endpoint = events.CfnEndpoint(
            self,
            "Endpoint",
            name=endpoint_name,
            description=f"Global endpoint for {bus_name}",
            event_buses=[
                events.CfnEndpoint.EndpointEventBusProperty(event_bus_arn=a) for a in bus_arns
            ],
            routing_config=events.CfnEndpoint.RoutingConfigProperty(
                failover_config=events.CfnEndpoint.FailoverConfigProperty(
                    primary=events.CfnEndpoint.PrimaryProperty(
                        health_check=cdk.Fn.join(
                            "",
                            [
                                f"arn:{primary_stack.partition}:route53:::healthcheck/",
                                self.health_check.attr_health_check_id,
                            ],
                        )
                    ),
                    secondary=events.CfnEndpoint.SecondaryProperty(route=secondary_stack.region),
                )
            ),
            replication_config=events.CfnEndpoint.ReplicationConfigProperty(
                state="ENABLED" if replication else "DISABLED"
            ),
            role_arn=self.replication_role.role_arn if self.replication_role else None,
        )

    @property
    def endpoint_id(self) -> str:
        """The ``EndpointId`` producers pass to PutEvents (e.g. ``abcde.veo``)."""
        return self.endpoint.attr_endpoint_id

    def grant_put_events(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` put events through the endpoint: ``events:PutEvents`` on the bus in
        both Regions (the endpoint sends a call to either)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["events:PutEvents"], resource_arns=list(self.bus_arns)
        )

    @property
    def endpoint_url(self) -> str:
        return self.endpoint.attr_endpoint_url

    @property
    def endpoint_arn(self) -> str:
        return self.endpoint.attr_arn

    @staticmethod
    def _bus_arn(stack: cdk.Stack, bus_name: str) -> str:
        return f"arn:{stack.partition}:events:{stack.region}:{stack.account}:event-bus/{bus_name}"

    @staticmethod
    def _validate(
        bus_name: str, primary: cdk.Stack, secondary: cdk.Stack, alarm: AlarmSettings
    ) -> None:
        check_name("bus_name", bus_name, 256, BUS_NAME_CHARSET)
        if bus_name == "default":
            raise ValidationError("'bus_name' must name a custom bus, not 'default'")
        for label, stack in (("this stack", primary), ("'secondary_stack'", secondary)):
            if is_token(stack.region) or is_token(stack.account):
                raise ValidationError(
                    f"{label} ({stack.stack_name}) needs an explicit env with account and region: "
                    "a global endpoint names both Regions' buses"
                )
        if primary.region == secondary.region:
            raise ValidationError(
                f"'secondary_stack' must be in another Region than {primary.region}"
            )
        if primary.account != secondary.account:
            raise ValidationError(
                f"'secondary_stack' must be in the same account ({primary.account}), got "
                f"{secondary.account}: the secondary bus has the same name in the same account"
            )
        alarm.validate("health_check_alarm")
        check_range("health_check_alarm.threshold", alarm.threshold, 0, float("inf"))

    def _check_regions(self, primary: cdk.Stack, secondary: cdk.Stack) -> None:
        for label, stack in (("this stack", primary), ("'secondary_stack'", secondary)):
            require_type(self, stack.region, _ENDPOINT_TYPE, f"{label} ({stack.stack_name})",
                         "global endpoints are")  # fmt: skip

    def _replication_role(self, bus_name: str, bus_arns: list[str]) -> iam.Role:
        """PutEvents on the two buses; the managed-rule actions on the replication rules
        EventBridge creates on this bus, in these two Regions only."""
        role = iam.Role(
            self,
            "ReplicationRole",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description=f"Global-endpoint event replication for {bus_name}",
        )
        role.add_to_policy(iam.PolicyStatement(actions=["events:PutEvents"], resources=bus_arns))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "events:PutRule",
                    "events:PutTargets",
                    "events:DeleteRule",
                    "events:RemoveTargets",
                ],
                resources=[
                    f"arn:{stack.partition}:events:{stack.region}:{stack.account}:rule/"
                    f"{bus_name}/GlobalEndpointManagedRule-*"
                    for stack in self._stacks
                ],
            )
        )
        for stack in self._stacks:
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:{stack.region}:"
                f"{stack.account}:rule/{bus_name}/GlobalEndpointManagedRule-*]",
                "EventBridge names the replication rules it manages "
                "GlobalEndpointManagedRule-<id>; the wildcard covers only that prefix, on this "
                f"bus, in {stack.region}",
            )
        return role


def _check_retention(retention: cdk.Duration | None) -> None:
    if retention is None or is_token(retention.to_seconds()):
        return
    seconds = retention.to_seconds()
    if seconds < 86_400 or seconds % 86_400:
        raise ValidationError(
            f"'archive_retention' must be a whole number of days, at least 1, got "
            f"{seconds / 86_400:g} days (AWS reads 0 days as 'keep events forever')"
        )
