"""Events shaped by a schema: realistic payloads for calibrated traffic.

CloudWatch says how many events matched a rule, not what they carried. When the deployment's
templates hold event schemas (``AWS::EventSchemas::Schema``), or the user gives schema files
(``calibrate --schema``: a JSON Schema or OpenAPI 3 document, or what ``aws schemas
describe-schema``/``export-schema`` print, whose ``Content`` holds one), each schema gives one
event: every property filled with its ``example``/``examples``/``default``/``enum`` value where
the schema has one, else a value of its type and format within its bounds (strings of a typical
length, numbers inside their range, ``date-time``, ``uuid``, ``email``... as such), so that the
payload's size and the fields patterns test look like the producer's.

Schema registries' documents (OpenAPI 3 with ``components.schemas.AWSEvent``, or JSON Schema with
``x-amazon-events-source`` and ``x-amazon-events-detail-type``) describe the whole event; a schema
without a ``detail`` property is taken as the schema of the detail alone. ``$ref`` within the
document, ``allOf`` (merged), ``oneOf``/``anyOf`` (the first) are followed. Values are drawn from
a generator seeded by the schema's name: the same schema always gives the same event.
"""

from __future__ import annotations

import json
import math
import random
import string
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bridgetwin.calibration.errors import CalibrationError

_FORMATS = {
    "date-time": "2026-11-27T08:00:00Z",
    "date": "2026-11-27",
    "time": "08:00:00Z",
    "email": "customer@example.com",
    "uri": "https://example.com/orders/1",
    "hostname": "api.example.com",
    "ipv4": "10.0.0.1",
    "ipv6": "2001:db8::1",
}
_MAX_DEPTH = 12
_MAX_SIZE = 262_144
"""The most characters and items an event can hold in all: an entry holds 256 KB
(eventbridge-facts §0); a schema that asks for more describes no event."""


class _Instance:
    """One draw of a document's schemas."""

    def __init__(self, document: Mapping[str, Any], seed: str) -> None:
        self.document = document
        self.rng = random.Random(seed)
        self._room = _MAX_SIZE  # characters and items the event may still take

    def _at_least(self, schema: Mapping[str, Any], key: str) -> int:
        """``minLength`` or ``minItems``, refused once the event could not hold them."""
        low = int(schema.get(key, 0))
        self._room -= max(low, 1)
        if self._room < 0:
            raise CalibrationError(
                f"schema: the event it describes holds more than {_MAX_SIZE:,} characters and "
                f"items, more than an entry holds (256 KB); the last asked for: {key} {low:,}"
            )
        return low

    def resolve(self, ref: Any) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise CalibrationError(f"schema: $ref '{ref}' points outside the document")
        node: Any = self.document
        for raw in ref[2:].split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise CalibrationError(f"schema: $ref '{ref}' names nothing in the document")
            node = node[part]
        return node

    def _plain(self, schema: Any, depth: int = 0) -> Any:
        """A schema with its top-level ``$ref`` followed."""
        while isinstance(schema, Mapping) and "$ref" in schema and depth <= _MAX_DEPTH:
            schema, depth = self.resolve(schema["$ref"]), depth + 1
        return schema

    def value(self, schema: Any, depth: int = 0) -> Any:
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return None
        if "$ref" in schema:
            return self.value(self.resolve(schema["$ref"]), depth + 1)
        for key in ("const", "example", "default"):
            if key in schema:
                return schema[key]
        for key in ("examples", "enum"):
            if isinstance(schema.get(key), list) and schema[key]:
                return schema[key][0]
        if "allOf" in schema:
            parts = [self._plain(p) for p in schema["allOf"]]
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return self.value(_merged([rest, *parts]), depth + 1)
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.value(schema[key][0], depth + 1)
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        return self._typed(kind, schema, depth)

    def _typed(self, kind: str, schema: Mapping[str, Any], depth: int) -> Any:
        rng = self.rng
        match kind:
            case "object":
                properties = schema.get("properties", {})
                return {name: self.value(sub, depth + 1) for name, sub in properties.items()}
            case "array":
                count = max(self._at_least(schema, "minItems"), 1)
                return [self.value(schema.get("items", {}), depth + 1) for _ in range(count)]
            case "integer" | "number":
                low = schema.get("minimum", 1)
                high = schema.get("maximum", max(low, 0) + 1000)
                drawn = rng.uniform(low, high)
                if kind == "integer":
                    return min(max(round(drawn), math.ceil(low)), math.floor(high))
                return min(max(round(drawn, 2), low), high)  # two decimals, inside the bounds
            case "boolean":
                return rng.random() < 0.5
            case "null":
                return None
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if fmt in _FORMATS:
            return _FORMATS[fmt]
        low = self._at_least(schema, "minLength")
        high = int(schema.get("maxLength", max(low, 24)))
        length = min(max(low, 12), high)
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))


_LOWER = ("minimum", "minLength", "minItems")
_UPPER = ("maximum", "maxLength", "maxItems")


def _merged(parts: list[Any]) -> dict[str, Any]:
    """``allOf``'s schemas as one: properties joined (a property in several parts must meet
    them all), requirements added up, the tightest bounds kept, the first of anything else."""
    out: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "properties":
                properties = out.setdefault("properties", {})
                for name, sub in value.items():
                    properties[name] = {"allOf": [properties[name], sub]} if (
                        name in properties) else sub  # fmt: skip
            elif key == "required":
                out["required"] = sorted({*out.get("required", []), *value})
            elif key in _LOWER and key in out:
                out[key] = max(out[key], value)
            elif key in _UPPER and key in out:
                out[key] = min(out[key], value)
            else:
                out.setdefault(key, value)
    return out


def _schema_error(schema: Any) -> Any:
    """Why ``schema`` is not a JSON Schema by draft 4 (which registries use) or by draft 7 (which
    also takes what draft 4 refuses, e.g. ``required: []``): draft 4's error, or None."""
    from jsonschema import Draft4Validator, Draft7Validator
    from jsonschema.exceptions import SchemaError

    first = None
    for validator in (Draft4Validator, Draft7Validator):
        try:
            validator.check_schema(schema)
        except SchemaError as exc:
            first = first or exc
        else:
            return None
    return first


def _root(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The event's schema: a registry document's ``AWSEvent`` (or the schema with the
    registry's envelope fields, or the first), else the document itself; each schema is checked
    against JSON Schema's meta-schema first (draft 4, which registries use, or draft 7)."""
    components = document.get("components", {})
    schemas = components.get("schemas", {}) if isinstance(components, Mapping) else None
    if not isinstance(schemas, Mapping) or not all(
        isinstance(s, Mapping) for s in schemas.values()
    ):
        raise CalibrationError(f"schema {name}: components.schemas must map names to schemas")
    for where, schema in [("the document", document), *schemas.items()]:
        error = _schema_error(schema)
        if error is not None:
            place = "/".join(str(p) for p in error.path) or "its top"
            raise CalibrationError(f"schema {name}: {where} is not a valid JSON Schema at "
                                   f"{place}: {error.message}") from None  # fmt: skip
    if schemas:
        return schemas.get("AWSEvent") or next(
            (s for s in schemas.values() if "x-amazon-events-source" in s),
            next(iter(schemas.values())),
        )
    return document


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def event_from_schema(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    """One event of the schema (a whole event, or a detail wrapped in one)."""
    root = _root(document, name)
    drawn = _Instance(document, name).value(root)
    properties = root.get("properties", {}) if isinstance(root, Mapping) else {}
    event = dict(drawn) if "detail" in properties and isinstance(drawn, dict) else {
        "detail": drawn}  # fmt: skip
    for key, field in (("source", "x-amazon-events-source"),
                       ("detail-type", "x-amazon-events-detail-type")):  # fmt: skip
        value = _first(root.get(field) if isinstance(root, Mapping) else None)
        value = value if isinstance(value, str) else _first(document.get(field))
        if isinstance(value, str):  # the registry's own value wins over a drawn string
            event[key] = value
        elif not isinstance(event.get(key), str):
            event.pop(key, None)
    return event


def read_schema_file(path: Path) -> dict[str, Any]:
    """A schema file: the document, or a registry answer whose ``Content`` holds it."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"--schema {path}: not readable JSON ({exc})") from None
    if isinstance(data, Mapping) and isinstance(data.get("Content"), str):
        try:
            data = json.loads(data["Content"])
        except ValueError as exc:
            raise CalibrationError(f"--schema {path}: Content is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CalibrationError(f"--schema {path}: expected a JSON Schema or OpenAPI 3 object")
    return data
