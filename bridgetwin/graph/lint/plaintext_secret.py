"""Connection secrets must come from Secrets Manager, never literals in the template."""

from __future__ import annotations

from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.model import Connection, Graph


def plaintext_secret(connection: Connection, graph: Graph) -> Verdict:
    if connection.plaintext_secret_fields:
        return NonCompliant(
            f"{', '.join(connection.plaintext_secret_fields)} is a literal in the template"
        )
    return Compliance.COMPLIANT
