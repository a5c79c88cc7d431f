"""A Custom Event Bus subscriber without a ``RetryPolicy`` stops retrying after 5 attempts or
300 s, whichever comes first (custom-bus facts §1.3): a target down for five minutes loses events,
where a Classic rule would have retried for 24 hours. Writing the policy out, even with AWS's own
numbers, makes the choice visible in review."""

from __future__ import annotations

from bridgetwin.graph.custom_bus_nodes import Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict


def subscriber_retry_implicit(subscriber: Subscriber, graph: Graph) -> Verdict:
    if subscriber.target.retry_policy.explicit:
        return Compliance.COMPLIANT
    return NonCompliant(
        "no RetryPolicy: AWS's defaults end retries after 5 attempts or 300 s (a Classic rule "
        "retries 185 times over 24 h); write MaxRetryAttempts and MaxEventAgeInSeconds out"
    )
