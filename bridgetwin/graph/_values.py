"""Values a template leaves unresolved until deploy time, kept as typed placeholders.

Resolving a template offline yields plain JSON values where CloudFormation's answer is knowable
(parameters, pseudo parameters, mappings, conditions, string functions) and one of these where it
is not: a reference to a resource (whose ARN or name AWS assigns), an opaque composite of such
references, or a dynamic reference to a secret, which is never resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """``Ref`` or ``Fn::GetAtt`` of a resource: ``attribute`` is ``None`` for ``Ref``."""

    stack: str
    logical_id: str
    attribute: str | None = None

    def __str__(self) -> str:
        return (
            f"${{{self.logical_id}.{self.attribute}}}"
            if self.attribute
            else f"${{{self.logical_id}}}"
        )


@dataclass(frozen=True, slots=True)
class _Placeholder:
    """Readable text standing for a value only AWS knows, and the references inside it."""

    text: str
    refs: tuple[ResourceRef, ...] = ()

    def __str__(self) -> str:
        return self.text


class Symbolic(_Placeholder):
    """A string built from parts that include unresolved values, rendered readably."""

    __slots__ = ()


class SecretReference(_Placeholder):
    """A ``{{resolve:secretsmanager:...}}`` reference: where a secret lives, never its value."""

    __slots__ = ()


Unresolved = ResourceRef | Symbolic | SecretReference


def refs_in(value: Any) -> tuple[ResourceRef, ...]:
    """The resource references a resolved value depends on."""
    if isinstance(value, ResourceRef):
        return (value,)
    if isinstance(value, Symbolic | SecretReference):
        return value.refs
    return ()


def concat(parts: list[Any]) -> str | Symbolic | SecretReference:
    """Join resolved parts into a string, or a placeholder when any part is unresolved."""
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    text = "".join(str(p) for p in parts)
    refs = tuple(r for p in parts for r in refs_in(p))
    if text.startswith("{{resolve:secretsmanager:"):
        return SecretReference(text, refs)
    return Symbolic(text, refs)


def render(value: Any) -> Any:
    """A JSON-compatible rendering: placeholders become their readable text."""
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v) for v in value]
    if isinstance(value, ResourceRef | Symbolic | SecretReference):
        return str(value)
    return value
