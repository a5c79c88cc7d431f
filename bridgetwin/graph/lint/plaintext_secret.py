"""Secrets must come from Secrets Manager (or a NoEcho parameter), never literals in the template:
a connection's credentials, credentials a rule target sends in its own headers or query
strings, and API keys or passwords written into an API destination's URL."""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.nodes import ApiDestination, Connection, Rule


def plaintext_secret(connection: Connection, graph: Graph) -> Verdict:
    if connection.plaintext_secret_fields:
        return NonCompliant(
            f"{', '.join(connection.plaintext_secret_fields)} is a literal in the template"
        )
    return Compliance.COMPLIANT


def plaintext_target_secret(rule: Rule, graph: Graph) -> Verdict:
    fields = [
        f"target {t.target_id} {name}"
        for t in rule.targets
        if t.http_parameters is not None
        for name in t.http_parameters.literal_secrets
    ]
    if fields:
        return NonCompliant(
            f"{', '.join(fields)} is a literal credential in the template (use the connection's "
            "secret parameters)"
        )
    return Compliance.COMPLIANT


def plaintext_url_secret(destination: ApiDestination, graph: Graph) -> Verdict:
    if destination.literal_secrets:
        return NonCompliant(
            f"{', '.join(destination.literal_secrets)} is a literal credential in the template "
            "(send it from the connection's secret parameters instead)"
        )
    return Compliance.COMPLIANT
