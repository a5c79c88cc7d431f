"""How large an entry is as AWS counts it: a PutEvents entry by its fields (eventbridge-facts §6),
a PutRawEvents entry by its payload and metadata (custom-bus facts §2.2). The request-size limits,
the Custom Event Bus's per-group throughput (events plus KB) and the target's batch bytes all
measure entries this way."""

from __future__ import annotations

import json
from typing import Any

from bridgetwin.simulator.scenario.raw_events import RAW_KEY, raw_bytes


def entry_bytes(event: dict[str, Any]) -> int:
    """PutEvents entry size as AWS computes it (eventbridge-facts §6); a PutRawEvents entry's
    payload and metadata."""
    if RAW_KEY in event:
        return raw_bytes(event[RAW_KEY])
    size = len(event["source"].encode()) + len(event["detail-type"].encode())
    size += len(json.dumps(event.get("detail", {})).encode())
    size += sum(len(str(r).encode()) for r in event.get("resources", []))
    return size + (14 if "time" in event else 0)
