"""Rules that target one API destination share its invocation rate (eventbridge-facts §2)."""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.nodes import ApiDestination


def shared_rate_limit(destination: ApiDestination, graph: Graph) -> Verdict:
    rules = graph.rules_targeting(destination.id)
    if len(rules) < 2:
        return Compliance.COMPLIANT
    return NonCompliant(
        f"{len(rules)} rules ({', '.join(r.id for r in rules)}) share its "
        f"{destination.rate_limit_per_second}/s limit"
    )


def _stack(graph_id: str) -> str:
    return graph_id.split("/", 1)[0] if "/" in graph_id else ""


def cross_stack_rate_limit(destination: ApiDestination, graph: Graph) -> Verdict:
    """Rules of different stacks share the limit: each stack's owner may count on all of it."""
    stacks = sorted({_stack(r.id) for r in graph.rules_targeting(destination.id)})
    if len(stacks) < 2:
        return Compliance.COMPLIANT
    return NonCompliant(
        f"rules of stacks {', '.join(stacks)} share its {destination.rate_limit_per_second}/s "
        "limit, so each stack gets less than its owner may plan for"
    )
