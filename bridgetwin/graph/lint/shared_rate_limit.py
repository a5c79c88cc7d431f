"""Rules that target one API destination share its invocation rate (eventbridge-facts §2)."""

from __future__ import annotations

from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.model import ApiDestination, Graph


def shared_rate_limit(destination: ApiDestination, graph: Graph) -> Verdict:
    rules = graph.rules_targeting(destination.id)
    if len(rules) < 2:
        return Compliance.COMPLIANT
    return NonCompliant(
        f"{len(rules)} rules ({', '.join(r.id for r in rules)}) share its "
        f"{destination.rate_limit_per_second}/s limit"
    )
