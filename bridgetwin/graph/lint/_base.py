"""What a graph rule returns, and the finding a pack turns it into."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.nodes import Rule, Target
from bridgetwin.graph.service_nodes import SchedulerSchedule
from bridgetwin.patterns import Severity


class Compliance(enum.Enum):
    """A rule's verdict on one node (cdk-nag's three-way answer)."""

    COMPLIANT = "compliant"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True, slots=True)
class NonCompliant:
    """The node breaks the rule; ``detail`` says how, in terms of this node."""

    detail: str


Verdict = Compliance | NonCompliant
Invoker = Rule | SchedulerSchedule
"""What invokes targets with a retry policy and a DLQ: a rule, or a Scheduler schedule."""


def targets_of(owner: Invoker) -> tuple[Target, ...]:
    return owner.targets if isinstance(owner, Rule) else (owner.target,)


def invokers(graph: Graph) -> tuple[Invoker, ...]:
    """Every rule and Scheduler schedule of the graph."""
    return (*graph.rules, *graph.schedules)


GraphRule = Callable[[Any, Graph], Verdict]


@dataclass(frozen=True, slots=True)
class GraphFinding:
    """One ``bridgetwin lint`` result about one node of the graph."""

    code: str
    severity: Severity
    resource: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.code}: {self.resource}: {self.message}"
