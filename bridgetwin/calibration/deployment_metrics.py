"""Which CloudWatch metrics describe a deployment, and which recorded names are its rules.

EventBridge publishes rule metrics in ``AWS/Events`` with the dimension ``RuleName`` (a rule on
the default bus) or ``EventBusName`` + ``RuleName`` (a rule on a custom bus), and the PutEvents
metrics with no dimension at all: one aggregate per account and Region (eventbridge-facts §4).

A rule's ``RuleName`` is its physical name. Templates often leave it to CloudFormation, which
generates ``<stack>-<logical id>-<suffix>`` (the logical id cut short when the whole would pass
64 characters); a recorded name of that shape is matched to the rule with that logical id (and
that stack, when the deployment has several). ``--name LOGICAL_ID=NAME`` settles any other case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bridgetwin.calibration.errors import CalibrationError
from bridgetwin.calibration.recording import MetricKey
from bridgetwin.graph import Graph, Rule

EVENTS = "AWS/Events"
RULE_COUNTS = (
    "MatchedEvents",
    "Invocations",
    "FailedInvocations",
    "InvocationAttempts",
    "SuccessfulInvocationAttempts",
    "RetryInvocationAttempts",
    "InvocationsSentToDlq",
    "ThrottledRules",
)
"""Read with ``Sum`` (AWS emits them only when non-zero)."""
RULE_LATENCIES = {
    "IngestionToInvocationStartLatency": ("p50", "p90", "p99"),
    "IngestionToInvocationCompleteLatency": ("p50", "p99"),
    "IngestionToInvocationSuccessLatency": ("p50", "p90", "p99"),
}
"""Milliseconds, read with percentile statistics."""
REGION_COUNTS = (
    "PutEventsApproximateCallCount",
    "PutEventsEntriesCount",
    "PutEventsApproximateThrottledCount",
    "PutEventsApproximateFailedCount",
)
"""No dimension: every caller and bus of the account in the Region."""
_GENERATED = re.compile(r"^(?P<stack>.+)-(?P<logical>[A-Za-z0-9]+)-[A-Za-z0-9]{6,16}$")


@dataclass(frozen=True)
class RuleMetrics:
    """The metrics of one rule, under its physical name."""

    rule: Rule
    name: str
    bus: str
    """The bus's name (``default`` for the default bus, whose metrics carry no EventBusName)."""

    def key(self, metric: str, stat: str = "Sum") -> MetricKey:
        if self.bus == "default":
            return MetricKey.of(EVENTS, metric, stat, RuleName=self.name)
        return MetricKey.of(EVENTS, metric, stat, EventBusName=self.bus, RuleName=self.name)

    def metric_keys(self) -> list[MetricKey]:
        counts = [self.key(m) for m in RULE_COUNTS]
        return counts + [self.key(m, s) for m, stats in RULE_LATENCIES.items() for s in stats]


def region_key(metric: str) -> MetricKey:
    return MetricKey.of(EVENTS, metric, "Sum")


def _generated_for(recorded: str, rule: Rule) -> bool:
    match = _GENERATED.match(recorded)
    if match is None:
        return False
    stack, _, logical = rule.id.rpartition("/")
    if stack and match["stack"] != stack:
        return False
    return len(match["logical"]) >= 1 and logical.startswith(match["logical"])


def rule_metrics(
    graph: Graph, names: Mapping[str, str] = {}, recorded: Iterable[str] = ()
) -> list[RuleMetrics]:
    """Every enabled rule with an event pattern, under the name its metrics carry: ``names``
    (logical id or graph id -> name) first, then the one recorded name that is its own name or
    CloudFormation's generated name for it, else its name in the template."""
    recorded = sorted(set(recorded))
    known = {n for r in graph.rules for n in (r.id, r.id.rpartition("/")[2])}
    unknown = sorted(set(names) - known)
    if unknown:
        raise CalibrationError(
            f"--name {unknown[0]}: no rule has that logical id; rules: {', '.join(sorted(known))}"
        )
    out = []
    for rule in graph.rules:
        if not rule.enabled or rule.pattern is None:
            continue
        given = names.get(rule.id) or names.get(rule.id.rpartition("/")[2])
        if given is None and rule.name not in recorded:
            found = [n for n in recorded if _generated_for(n, rule)]
            if len(found) > 1:
                raise CalibrationError(
                    f"rule {rule.id}: the metrics hold several names CloudFormation could have "
                    f"generated for it ({', '.join(found)}); choose one with --name "
                    f"{rule.id.rpartition('/')[2]}=NAME"
                )
            given = found[0] if found else None
        out.append(RuleMetrics(rule, given or rule.name, graph.get(rule.bus).name))
    return out


def deployment_keys(rules: Iterable[RuleMetrics]) -> list[MetricKey]:
    """Every metric a calibration or a backtest reads, rules first."""
    return [k for r in rules for k in r.metric_keys()] + [region_key(m) for m in REGION_COUNTS]
