"""Construction-time checks shared by the constructs: every message names the prop, the value and
what is allowed. Unresolved tokens are skipped; CloudFormation checks those at deploy time."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import aws_cdk as cdk


class ValidationError(ValueError):
    """A construct prop EventBridge would reject, raised when the construct is created."""


def is_token(value: Any) -> bool:
    return isinstance(value, str | int | float) and cdk.Token.is_unresolved(value)


def check_range(prop: str, value: int | float | None, low: float, high: float) -> None:
    if value is None or is_token(value):
        return
    if not low <= value <= high:
        raise ValidationError(f"'{prop}' must be between {low:g} and {high:g}, got {value:g}")


def check_https(prop: str, url: str | None) -> None:
    if url is None or is_token(url):
        return
    if not url.startswith("https://"):
        raise ValidationError(f"'{prop}' must be an HTTPS URL (https://...), got '{url}'")
    if len(url) > 2048:
        raise ValidationError(f"'{prop}' must be at most 2048 characters, got {len(url)}")


def check_choice(prop: str, value: str | None, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value is None or is_token(value):
        return
    if value not in allowed:
        raise ValidationError(f"'{prop}' must be one of {', '.join(allowed)}, got '{value}'")


def check_name(prop: str, value: str | None, max_length: int, charset: str) -> None:
    """Names: 1..max_length characters from ``charset`` (a regex character class body)."""
    if value is None or is_token(value):
        return
    if not 1 <= len(value) <= max_length:
        raise ValidationError(
            f"'{prop}' must be between 1 and {max_length} characters, got {len(value)}: '{value}'"
        )
    if not re.fullmatch(f"[{charset}]+", value):
        raise ValidationError(f"'{prop}' may only contain [{charset}], got '{value}'")


NAME_CHARSET = r".\-_A-Za-z0-9"
"""Connections, API destinations, rules and endpoints: 1-64 of these (eventbridge-facts §6)."""
BUS_NAME_CHARSET = r"/.\-_A-Za-z0-9"
"""Event buses: 1-256 of these."""
