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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    "IngestionToInvocationCompleteLatency": ("p50", "p90", "p99"),
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


def _generated_for(recorded: str, gid: str) -> bool:
    """Whether CloudFormation could have generated ``recorded`` for the resource ``gid``."""
    match = _GENERATED.match(recorded)
    if match is None:
        return False
    stack, _, logical = gid.rpartition("/")
    if stack and match["stack"] != stack:
        return False
    return logical.startswith(match["logical"])


def physical_name(
    gid: str, template_name: str, what: str, names: Mapping[str, str], recorded: Sequence[str]
) -> str:
    """The name a resource's metrics carry: ``names`` (logical id or graph id -> name) first,
    then its template name when recorded, then the one recorded name CloudFormation could have
    generated for it, else its template name."""
    given = names.get(gid) or names.get(gid.rpartition("/")[2])
    if given is not None:
        return given
    if template_name in recorded:
        return template_name
    found = [n for n in recorded if _generated_for(n, gid)]
    if len(found) > 1:
        raise CalibrationError(
            f"{what} {gid}: the metrics hold several names CloudFormation could have generated "
            f"for it ({', '.join(found)}); choose one with --name {gid.rpartition('/')[2]}=NAME"
        )
    return found[0] if found else template_name


def glob_applies(entry: Mapping[str, Any], names: Iterable[Any]) -> bool:
    """Whether a scenario entry's ``match`` glob names one of ``names`` (as the twin reads it)."""
    import fnmatch

    pattern = entry.get("match", "*")
    return any(fnmatch.fnmatchcase(n, pattern) for n in names if isinstance(n, str))


def first_then_base(
    calibrated: list[dict[str, Any]], base: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A scenario section: the calibrated entries first (the twin takes the first entry whose
    ``match`` fits), then the user's entries for anything else."""
    taken = {entry["match"] for entry in calibrated}
    return calibrated + [entry for entry in base if entry.get("match") not in taken]


def check_names(graph: Graph, names: Mapping[str, str]) -> None:
    """Every ``--name`` key is the logical id (or graph id) of a rule or a function."""
    ids = [r.id for r in graph.rules] + [f.id for f in graph.functions]
    known = {n for gid in ids for n in (gid, gid.rpartition("/")[2])}
    unknown = sorted(set(names) - known)
    if unknown:
        raise CalibrationError(
            f"--name {unknown[0]}: no rule or function has that logical id; they are: "
            f"{', '.join(sorted(known)) or 'none'}"
        )


def rule_metrics(
    graph: Graph, names: Mapping[str, str] = {}, recorded: Iterable[str] = ()
) -> list[RuleMetrics]:
    """Every enabled rule with an event pattern, under the name its metrics carry
    (:func:`physical_name`)."""
    check_names(graph, names)
    recorded = sorted(set(recorded))
    return [
        RuleMetrics(rule, physical_name(rule.id, rule.name, "rule", names, recorded),
                    graph.get(rule.bus).name)
        for rule in graph.rules
        if rule.enabled and rule.pattern is not None
    ]  # fmt: skip


def deployment_keys(rules: Iterable[Any], functions: Iterable[Any] = ()) -> list[MetricKey]:
    """Every metric a calibration or a backtest reads: rules', the Region's, functions'."""
    return ([k for r in rules for k in r.metric_keys()] + [region_key(m) for m in REGION_COUNTS]
            + [k for f in functions for k in f.metric_keys()])  # fmt: skip
