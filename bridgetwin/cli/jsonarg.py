"""Command-line arguments that are either inline JSON or a path to a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class JsonArgumentError(ValueError):
    """An argument that is neither valid inline JSON nor a readable JSON file."""


def read_json_argument(value: str, option: str) -> tuple[str, Any]:
    """Return ``(text, parsed)`` for ``value``: inline JSON when it starts with ``{`` or ``[``,
    otherwise the contents of the file it names."""
    stripped = value.lstrip()
    if stripped.startswith(("{", "[")):
        text = value
    else:
        path = Path(value)
        if not path.is_file():
            raise JsonArgumentError(f"{option}: '{value}' is neither inline JSON nor a file")
        text = path.read_text(encoding="utf-8")
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonArgumentError(
            f"{option}: malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise JsonArgumentError(f"{option}: the JSON nests too deeply to read") from None
