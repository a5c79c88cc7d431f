"""A retry policy whose event age runs out long before its attempts do.

With the default backoff (:mod:`bridgetwin.service_defaults`), the expected time to make every
retry is computed; if MaximumEventAgeInSeconds ends retries first, MaximumRetryAttempts is never
reached and the policy says more than it does.
"""

from __future__ import annotations

import bisect

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.nodes import Rule
from bridgetwin.service_defaults import expected_retry_schedule_s


def retry_age_fit(rule: Rule, graph: Graph) -> Verdict:
    problems = []
    for target in rule.targets:
        policy = target.retry_policy
        if not policy.explicit or policy.maximum_retry_attempts == 0:
            continue
        schedule = expected_retry_schedule_s(policy.maximum_retry_attempts)
        reached = bisect.bisect_right(schedule, policy.maximum_event_age_seconds)
        if reached < policy.maximum_retry_attempts:
            problems.append(
                f"{target.target_id}: MaximumEventAgeInSeconds {policy.maximum_event_age_seconds} "
                f"ends retries after about {reached} of {policy.maximum_retry_attempts} "
                f"(all of them take ~{schedule[-1]:,.0f} s with the default backoff)"
            )
    return NonCompliant("; ".join(problems)) if problems else Compliance.COMPLIANT
