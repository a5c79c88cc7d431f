"""A global endpoint whose health alarm can never get data fails over as soon as it is deployed.

Route 53 follows the alarm (eventbridge-facts §5). If the alarm watches a metric AWS never
publishes (a misspelt name, a dimension AWS/Events does not have, a rule not in the deployment)
and treats missing data as breaching, it goes to ALARM within its evaluation periods of being
created: every producer is sent to the secondary Region, and nothing ever brings them back.
"""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.lint.inert_alarm import never_gets_data
from bridgetwin.graph.nodes import Alarm, GlobalEndpoint, HealthCheck


def _alarm_of(endpoint: GlobalEndpoint, graph: Graph) -> Alarm | None:
    check = graph.find(endpoint.health_check) if endpoint.health_check else None
    if not isinstance(check, HealthCheck) or check.alarm is None:
        return None
    alarm = graph.find(check.alarm)
    return alarm if isinstance(alarm, Alarm) else None


def endpoint_alarm(endpoint: GlobalEndpoint, graph: Graph) -> Verdict:
    alarm = _alarm_of(endpoint, graph)
    if alarm is None:
        return Compliance.NOT_APPLICABLE
    silent = never_gets_data(alarm, graph)
    if silent is None or alarm.treat_missing_data != "breaching":
        return Compliance.COMPLIANT
    return NonCompliant(
        f"its health alarm {alarm.id} never gets data ({silent}) and treats missing data as "
        f"breaching: it goes to ALARM once deployed, so the endpoint fails over to "
        f"{endpoint.secondary_region} at once and stays there"
    )
