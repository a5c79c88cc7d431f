"""A global endpoint without event replication never fails back on its own (eventbridge-facts §5).

After a failover, producers send everything to the secondary Region, so the primary's metric that
the health alarm watches goes silent; without replicated events keeping it alive, an alarm that
treats missing data as breaching stays in ALARM and traffic stays in the secondary until someone
resets the health check by hand. AWS recommends replication for this reason.
"""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.nodes import GlobalEndpoint


def endpoint_replication(endpoint: GlobalEndpoint, graph: Graph) -> Verdict:
    if endpoint.replication_enabled:
        return Compliance.COMPLIANT
    return NonCompliant(
        f"replication is disabled, so after a failover to {endpoint.secondary_region} the "
        "primary's metric goes silent and traffic returns only when the health check is reset "
        "by hand"
    )
