"""Event schemas of schema registries (``AWS::EventSchemas::Schema``): not part of delivery, kept
so that calibrated traffic can carry events of the registered shape."""

from __future__ import annotations

import json

from bridgetwin.graph._build import Build
from bridgetwin.graph.service_nodes import EventSchema


def build_schema(b: Build) -> EventSchema:
    content = b.props.get("Content")
    parsed = None
    if isinstance(content, str):
        try:
            parsed = json.loads(content)
        except ValueError:
            parsed = None  # not JSON: the schema cannot shape events (calibration says so)
    return EventSchema(
        id=b.gid,
        name=b.name(b.props, "SchemaName"),
        schema_type=str(b.props.get("Type", "OpenApi3")),
        content=parsed if isinstance(parsed, dict) else None,
    )
