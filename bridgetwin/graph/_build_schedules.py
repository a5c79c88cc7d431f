"""EventBridge Scheduler in the graph: ``AWS::Scheduler::Schedule``.

A schedule fires on its expression (``rate``, ``cron`` with a time zone, or ``at``), optionally
spread over a flexible time window, and invokes one target with its own retry policy (0-185
retries within 60 s-24 h; defaults 185 and 24 h) and dead-letter queue. The twin follows
schedules whose target is an event bus (the event carries ``EventBridgeParameters``' source and
detail type, and ``Input`` as its detail); others are listed as not simulated.
"""

from __future__ import annotations

from bridgetwin.graph._build import Build
from bridgetwin.graph.model import RetryPolicy, SchedulerSchedule


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
    retry = b.section(target, "RetryPolicy", "Target.")
    parameters = b.section(target, "EventBridgeParameters", "Target.")
    dead_letter = b.section(target, "DeadLetterConfig", "Target.").get("Arn")
    return SchedulerSchedule(
        id=b.gid,
        name=b.name(props, "Name"),
        region=b.region,
        expression=expression,
        timezone=b.string(props, "ScheduleExpressionTimezone"),
        start=b.string(props, "StartDate"),
        end=b.string(props, "EndDate"),
        enabled=b.string(props, "State", "ENABLED") != "DISABLED",
        flexible_window_minutes=b.number(
            window, "MaximumWindowInMinutes", None, "FlexibleTimeWindow.", low=1, high=1440,
            integer=True,
        ) if flexible else None,
        target_arn=b.linker.text(target["Arn"]),
        target=b.linker.link(target["Arn"]),
        input=b.string(target, "Input"),
        source=b.string(parameters, "Source"),
        detail_type=b.string(parameters, "DetailType"),
        retry_policy=RetryPolicy(
            b.number(retry, "MaximumRetryAttempts", 185, "Target.RetryPolicy.", low=0, high=185,
                     integer=True),
            b.number(retry, "MaximumEventAgeInSeconds", 86_400, "Target.RetryPolicy.", low=60,
                     high=86_400, integer=True),
            explicit=bool(retry),
        ),
        dead_letter=(b.linker.link(dead_letter) or b.linker.text(dead_letter))
        if dead_letter else None,
    )  # fmt: skip
