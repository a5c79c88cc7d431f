"""Reading a scenario file: YAML or JSON, validated, with one error line per bad field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bridgetwin.simulator.scenario.scenario import Scenario


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message names each bad field and what is allowed."""


def _format(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)  # a whole-scenario check
    return "\n".join(lines)


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """A scenario from a YAML/JSON file path or a mapping. Raises :class:`ScenarioError`."""
    if isinstance(source, Mapping):
        data: Any = source
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"{path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        import yaml

        from bridgetwin.graph.yaml_reading import load_yaml

        try:
            data = json.loads(text) if path.suffix == ".json" else load_yaml(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ScenarioError(f"{path}: malformed: {exc}".replace("\n", " ")) from None
        except RecursionError:
            raise ScenarioError(f"{path}: malformed: nested too deeply") from None
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{path}: a scenario must be a mapping of fields")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format(exc)) from None


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (``bridgetwin scenario-schema``): what the loader
    accepts, in standard keywords, with every field's docstring as its description. A latency
    may also be a plain duration, as the loader allows."""
    from bridgetwin.simulator.scenario.base import DURATION_SCHEMA

    schema = Scenario.model_json_schema()
    latency = {"$ref": "#/$defs/Latency"}

    standard = {
        "ge": "minimum",
        "gt": "exclusiveMinimum",
        "le": "maximum",
        "lt": "exclusiveMaximum",
    }

    def widen(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("$ref") == latency["$ref"]:
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return {"anyOf": [DURATION_SCHEMA, latency], **rest}
            return {standard.get(k, k): widen(v) for k, v in node.items()}
        if isinstance(node, list):
            return [widen(v) for v in node]
        return node

    return widen(schema)
