"""What an HCL expression evaluates to when Terraform could not know it before apply.

Known values are Python's (str, int, float, bool, None, list, dict). What cannot be known
offline is :class:`Unknown`, naming what it depends on; a reference to a computed attribute of a
resource of the configuration is a :class:`ResourceRef`, which stays a reference only as a whole
argument's value (anything built from it is unknown). Strings are interpolated and unescaped as
HCL does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value not known offline; ``why`` names what it depends on (``var.key``,
    ``data.aws_caller_identity.me.account_id``, ``aws_sqs_queue.dlq.url``)."""

    why: tuple[str, ...] = ()
    sensitive: bool = False


@dataclass(frozen=True)
class ResourceRef:
    """``type.name[index].attribute`` of a resource instance of the configuration, by its
    absolute address (``module.dlq.aws_sqs_queue.this``)."""

    address: str
    type: str
    attribute: str
    known: Any = None
    """Its value when the configuration writes it (a name): what an expression built from the
    reference reads; only a whole argument's value stays a reference."""


def plain(value: Any) -> Any:
    """``value`` with every reference whose value is known replaced by that value."""
    if isinstance(value, ResourceRef):
        return value if value.known is None else value.known
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class EvaluationError(ValueError):
    """An expression Terraform itself would reject (a wrong type, an unknown function)."""


def unknown_in(values: Any) -> Unknown | None:
    """The first unknown (or a reference, which a value built from it cannot keep) among
    ``values``, merged with the others' reasons."""
    found = [v for v in values if isinstance(v, Unknown | ResourceRef)]
    if not found:
        return None
    why = tuple(w for v in found for w in (v.why if isinstance(v, Unknown) else
                                           (f"{v.address}.{v.attribute}",)))  # fmt: skip
    return Unknown(why, any(isinstance(v, Unknown) and v.sensitive for v in found))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """HCL's escapes in a quoted string: ``\\n``, ``\\t``, ``\\r``, ``\\"``, ``\\\\``,
    ``\\uNNNN``."""
    if "\\" not in text:
        return text
    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", lambda m: _ESCAPES.get(
        m.group(1), chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "uU" else m.group(1)),
        text)  # fmt: skip


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list) or value is None:
        raise EvaluationError(f"cannot interpolate {type(value).__name__} into a string")
    return str(value)


def deep_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown | ResourceRef):
        return unknown_in([value])
    items = (
        value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else []
    )
    for item in items:
        found = deep_unknown(item)
        if found is not None:
            return found
    return None
