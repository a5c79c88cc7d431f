"""Classic -> Custom Event Bus: the equivalent deployment, what does not translate, and the
behaviour diff of the two under one scenario.

AWS's migration guide maps a Classic bus to a Custom Event Bus, each rule target to a subscriber,
a target's retry policy and DLQ to the subscriber's, input transformers to JSONata, archives to
retention (custom-bus facts §5), and warns what changes: retries end after 5 attempts / 300 s
unless set, Lambda and Step Functions receive arrays, wildcards are refused, the DLQ receives a
record. :func:`migrate` writes the migrated templates twice, faithfully (the Classic values
written out) and with AWS's defaults (the trap), and lists every finding; :func:`snippet` writes
the faithful one as Python with bridgetwin's constructs, for CDK apps;
:func:`compare_migration` runs both against the Classic deployment under one scenario::

    sources = read_sources("cdk.out")
    migration = migrate(sources, load_graph(sources))
    print(as_text(migration.findings))
"""

from __future__ import annotations

from bridgetwin.migration.cdk_snippet import snippet
from bridgetwin.migration.comparison import compare_migration
from bridgetwin.migration.deployment_migration import Migration, migrate
from bridgetwin.migration.migration_report import (
    EXPLANATIONS,
    MigrationFinding,
    as_json,
    as_sarif,
    as_text,
)

__all__ = [
    "EXPLANATIONS",
    "Migration",
    "MigrationFinding",
    "as_json",
    "as_sarif",
    "as_text",
    "compare_migration",
    "migrate",
    "snippet",
]
