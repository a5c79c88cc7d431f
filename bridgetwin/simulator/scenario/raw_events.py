"""``PutRawEvents`` entries: a Custom Event Bus's events that are payloads, not envelopes.

The Custom Event Bus takes two publish APIs (custom-bus facts §2.1): ``PutEvents`` (an
EventBridge envelope with ``source``, ``detail-type`` and a JSON ``detail``) and ``PutRawEvents``
(a payload of a content type, JSON, Avro, Protobuf or bytes, with up to 100 metadata keys). A
subscriber's ``DATA`` filter sees a raw JSON payload itself, not nested under ``detail``, and
cannot see inside any other content type; its ``METADATA`` filter sees the entry's metadata;
``SYSTEM_METADATA`` holds the content type. A traffic template gives such an entry as ``raw:``
instead of ``event:``; the twin routes it as an event holding the payload under
:data:`RAW_KEY`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from bridgetwin.simulator.scenario.base import StrictModel

RAW_KEY = "bridgetwin:raw"
"""Where an event the twin routes keeps a ``PutRawEvents`` entry (content type, size, metadata
and, for JSON, the payload the ``DATA`` filters see)."""

MAX_REQUEST_BYTES = 1_048_576
"""A Custom Event Bus request, every entry together: 1 MB (custom-bus facts §2.1)."""


def _schema_rules(schema: dict[str, Any]) -> None:
    """The JSON Schema says what ``RawPayload._shape`` checks."""
    schema.update({
        "if": {"properties": {"content_type": {"const": "application/json"}}},
        "then": {"anyOf": [{"required": ["data"]}, {"required": ["size"]}]},
        "else": {"required": ["size"], "not": {"required": ["data"]}},
    })  # fmt: skip
    schema["properties"]["metadata"]["propertyNames"] = {
        "minLength": 1, "maxLength": 128, "pattern": "^[^/]*$"}  # fmt: skip


class RawPayload(StrictModel):
    """One ``PutRawEvents`` entry (Custom Event Bus only)."""

    model_config = ConfigDict(json_schema_extra=_schema_rules)

    content_type: Literal[
        "application/json", "application/avro", "application/protobuf", "application/octet-stream"
    ]
    """``SystemMetadata.ContentType``: DATA filters see inside JSON payloads only."""
    size: int | None = Field(None, ge=1, le=MAX_REQUEST_BYTES)
    """Payload bytes. Default: - the size of ``data`` written as JSON (required for the other
    content types)."""
    data: dict[str, Any] | None = None
    """``application/json`` only: the payload, as a DATA filter sees it."""
    metadata: dict[str, str] = Field(default_factory=dict, max_length=100)
    """``Metadata``: what a METADATA filter sees (up to 100 keys of 1-128 characters, no
    ``/``)."""

    @model_validator(mode="after")
    def _shape(self) -> RawPayload:
        if self.data is not None and self.content_type != "application/json":
            raise ValueError("'data' goes with content_type application/json: DATA filters "
                             "cannot see inside other payloads (give 'size' instead)")  # fmt: skip
        if self.data is None and self.size is None:
            raise ValueError("give the payload's 'size' in bytes (or 'data' for JSON)")
        bad = [k for k in self.metadata if not 1 <= len(k) <= 128 or "/" in k]
        if bad:
            raise ValueError(f"metadata keys must be 1-128 characters without '/': {bad}")
        return self

    def as_event(self) -> dict[str, Any]:
        """The entry as the twin routes it."""
        return {RAW_KEY: self.model_dump(exclude_none=True)}


def raw_bytes(raw: dict[str, Any]) -> int:
    """A raw entry's size: its payload and its metadata keys and values."""
    size = raw.get("size") or len(json.dumps(raw.get("data", {})).encode())
    return size + sum(len(k.encode()) + len(v.encode()) for k, v in raw["metadata"].items())
