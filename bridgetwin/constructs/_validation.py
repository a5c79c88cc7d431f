"""Construction-time checks shared by the constructs: every message names the prop, the value and
what is allowed, and every check runs in Python before jsii sees the value (a NaN handed to jsii
kills its Node kernel and the whole process). Unresolved tokens are skipped; CloudFormation checks
those at deploy time."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import aws_cdk as cdk


class ValidationError(ValueError):
    """A construct prop EventBridge would reject, raised when the construct is created."""


def is_token(value: Any) -> bool:
    """An unresolved CDK token. Never hands jsii a NaN or an infinity (they are not JSON)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return cdk.Token.is_unresolved(value)


def check_number(prop: str, value: Any, *, integer: bool = False) -> None:
    """A finite number (an ``int`` when ``integer``); ``bool`` is not a number here."""
    if value is None or is_token(value):
        return
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"'{prop}' must be {kind}, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValidationError(f"'{prop}' must be a finite number, got {value}")
    if integer and not isinstance(value, int):
        raise ValidationError(f"'{prop}' must be an integer, got {value!r}")


def check_range(
    prop: str, value: int | float | None, low: float, high: float, *, integer: bool = False
) -> None:
    check_number(prop, value, integer=integer)
    if value is None or is_token(value):
        return
    if not low <= value <= high:
        raise ValidationError(f"'{prop}' must be between {low:g} and {high:g}, got {value:g}")


def check_https(prop: str, url: str | None) -> None:
    """An absolute HTTPS URL with a host, 1-2,048 characters, without spaces or control
    characters (``*`` path segments are allowed: API destinations fill them in)."""
    if url is None or is_token(url):
        return
    if not isinstance(url, str):
        raise ValidationError(f"'{prop}' must be a string URL, got {type(url).__name__}")
    if not url.startswith("https://"):
        raise ValidationError(f"'{prop}' must be an HTTPS URL (https://...), got {url!r}")
    if len(url) > 2048:
        raise ValidationError(f"'{prop}' must be at most 2048 characters, got {len(url)}")
    if re.search(r"[\s\x00-\x1f\x7f]", url):
        raise ValidationError(f"'{prop}' must not contain spaces or control characters: {url!r}")
    try:
        host = urlsplit(url).hostname
    except ValueError as exc:
        raise ValidationError(f"'{prop}' is not a valid URL ({exc}): {url!r}") from None
    if not host:
        raise ValidationError(f"'{prop}' must name a host (https://host/...), got {url!r}")


def check_choice(prop: str, value: str | None, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value is None or is_token(value):
        return
    if value not in allowed:
        raise ValidationError(f"'{prop}' must be one of {', '.join(allowed)}, got {value!r}")


def check_name(prop: str, value: str | None, max_length: int, charset: str) -> None:
    """Names: 1..max_length characters from ``charset`` (a regex character class body)."""
    if value is None or is_token(value):
        return
    if not isinstance(value, str):
        raise ValidationError(f"'{prop}' must be a string, got {type(value).__name__}")
    if not 1 <= len(value) <= max_length:
        raise ValidationError(
            f"'{prop}' must be between 1 and {max_length} characters, got {len(value)}: {value!r}"
        )
    if not re.fullmatch(f"[{charset}]+", value):
        raise ValidationError(f"'{prop}' may only contain [{charset}], got {value!r}")


NAME_CHARSET = r".\-_A-Za-z0-9"
"""Connections, API destinations, rules and endpoints: 1-64 of these (eventbridge-facts §6)."""
BUS_NAME_CHARSET = r".\-_A-Za-z0-9"
"""Custom event buses: 1-256 of these. ``/`` is reserved for partner buses (CreateEventBus)."""
