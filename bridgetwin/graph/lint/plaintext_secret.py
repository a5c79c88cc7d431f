"""Secrets must come from Secrets Manager (or a NoEcho parameter), never literals in the template:
a connection's credentials, and credentials a rule target sends in its own headers or query
strings."""

from __future__ import annotations

from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.model import Connection, Graph, Rule


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
