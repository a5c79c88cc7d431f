"""Alarm settings (what each default alarm watches, and how a user overrides or removes one) and
alarm notifications (who hears about it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from bridgetwin.constructs._validation import (
    ValidationError,
    check_choice,
    check_number,
    check_range,
)

_FIVE_MINUTES = cdk.Duration.minutes(5)  # Durations are immutable: one instance can be shared
_TREAT_MISSING_DATA = {
    "breaching": cloudwatch.TreatMissingData.BREACHING,
    "notBreaching": cloudwatch.TreatMissingData.NOT_BREACHING,
    "ignore": cloudwatch.TreatMissingData.IGNORE,
    "missing": cloudwatch.TreatMissingData.MISSING,
}
"""CloudWatch's spelling (as in templates and AWS's docs) -> CDK's enum."""


@dataclass(frozen=True)
class AlarmSettings:
    """When an alarm fires. Override any field with ``dataclasses.replace`` or a new instance."""

    threshold: float
    """The value compared against the statistic."""
    period: cdk.Duration = _FIVE_MINUTES
    """Length of each datapoint. Default: 5 minutes."""
    evaluation_periods: int = 1
    """Datapoints considered. Default: 1."""
    datapoints_to_alarm: int | None = None
    """Breaching datapoints (of ``evaluation_periods``) that trigger ALARM. Default: - all."""
    statistic: str = "Sum"
    """Statistic of the metric. Default: Sum."""
    comparison: cloudwatch.ComparisonOperator = (
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
    )
    """Default: GREATER_THAN_OR_EQUAL_TO_THRESHOLD."""
    treat_missing_data: str = "notBreaching"
    """breaching, notBreaching, ignore or missing. Default: notBreaching (counts are only
    published when non-zero, so no data means nothing happened)."""

    def with_(self, **changes: object) -> AlarmSettings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def validate(self, prop: str) -> None:
        check_number(f"{prop}.threshold", self.threshold)
        check_range(f"{prop}.evaluation_periods", self.evaluation_periods, 1, 100_000, integer=True)
        if self.datapoints_to_alarm is not None:
            check_range(
                f"{prop}.datapoints_to_alarm",
                self.datapoints_to_alarm,
                1,
                self.evaluation_periods,
                integer=True,
            )
        check_choice(f"{prop}.treat_missing_data", self.treat_missing_data, _TREAT_MISSING_DATA)
        seconds = self.period.to_seconds()
        if seconds not in (10, 30) and seconds % 60:
            raise ValidationError(
                f"'{prop}.period' must be 10 s, 30 s or a multiple of 60 s, got {seconds:g} s"
            )

    def create(
        self, scope: Construct, construct_id: str, metric: cloudwatch.Metric, description: str
    ) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            scope,
            construct_id,
            metric=metric.with_(period=self.period, statistic=self.statistic),
            threshold=self.threshold,
            evaluation_periods=self.evaluation_periods,
            datapoints_to_alarm=self.datapoints_to_alarm,
            comparison_operator=self.comparison,
            treat_missing_data=_TREAT_MISSING_DATA[self.treat_missing_data],
            alarm_description=description,
        )


def notify(
    alarms: Iterable[cloudwatch.Alarm],
    *,
    topic: sns.ITopic | None = None,
    actions: Sequence[cloudwatch.IAlarmAction] = (),
) -> None:
    """Every alarm in ``alarms`` runs ``actions`` when it goes to ALARM; ``topic`` (a shortcut)
    is notified both when an alarm fires and when it returns to OK."""
    topic_action = cloudwatch_actions.SnsAction(topic) if topic is not None else None
    for alarm in alarms:
        if actions:
            alarm.add_alarm_action(*actions)
        if topic_action is not None:
            alarm.add_alarm_action(topic_action)
            alarm.add_ok_action(topic_action)
