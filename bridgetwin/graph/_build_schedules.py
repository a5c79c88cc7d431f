"""EventBridge Scheduler in the graph: ``AWS::Scheduler::Schedule``.

A schedule fires on its expression (``rate``, ``cron`` with a time zone, or ``at``), optionally
spread over a flexible time window, and invokes one target with its own retry policy (0-185
retries within 60 s-24 h; defaults 185 and 24 h) and dead-letter queue. The twin follows
schedules whose target is an event bus (the event carries ``EventBridgeParameters``' source and
detail type, and ``Input`` as its detail) and those that invoke a target directly (Lambda,
SQS, Step Functions and the rest: the schedule is then that target's owner, like a rule).
"""

from __future__ import annotations

from bridgetwin.graph._build import Build
from bridgetwin.graph._build_rules import target_for
from bridgetwin.graph.service_nodes import SchedulerSchedule


def build_schedule(b: Build) -> SchedulerSchedule:
    props = b.props
    expression = b.string(props, "ScheduleExpression")
    if not expression:
        raise b.error("needs ScheduleExpression", "ScheduleExpression")
    window = b.section(props, "FlexibleTimeWindow", "")
    flexible = b.string(window, "Mode") == "FLEXIBLE"
    target = b.section(props, "Target", "")
    if "Arn" not in target:
        raise b.error("needs Target.Arn", "Target")
    parameters = b.section(target, "EventBridgeParameters", "Target.")
    # Scheduler's RetryPolicy and DeadLetterConfig have a rule target's shape, ranges and
    # defaults (0-185 retries, 60 s-24 h; 185 and 24 h); Input is the payload it sends.
    invoked = target_for(b, {**target, "Id": "Target"}, "Target")
    return SchedulerSchedule(
        id=b.gid,
        name=b.name(props, "Name"),
        group=b.string(props, "GroupName") or "default",
        region=b.region,
        account=b.account,
        expression=expression,
        timezone=b.string(props, "ScheduleExpressionTimezone"),
        start=b.string(props, "StartDate"),
        end=b.string(props, "EndDate"),
        enabled=b.string(props, "State", "ENABLED") != "DISABLED",
        flexible_window_minutes=b.number(
            window, "MaximumWindowInMinutes", None, "FlexibleTimeWindow.", low=1, high=1440,
            integer=True,
        ) if flexible else None,
        target=invoked,
        source=b.string(parameters, "Source"),
        detail_type=b.string(parameters, "DetailType"),
    )  # fmt: skip
