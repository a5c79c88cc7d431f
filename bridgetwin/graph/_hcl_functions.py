"""Terraform's built-in functions that EventBridge configurations use, evaluated offline.

The ones real configurations call on literals and variables: encoding (``jsonencode`` for event
patterns and policies, ``jsondecode``), strings (``format``, ``join``, ``split``, ``lower``,
``upper``, ``replace``, ``trimspace``, ``trimprefix``, ``trimsuffix``, ``startswith``,
``endswith``, ``substr``), collections (``concat``, ``merge``, ``lookup``, ``element``,
``length``, ``keys``, ``values``, ``contains``, ``flatten``, ``distinct``, ``coalesce``,
``compact``, ``zipmap``), numbers (``min``, ``max``, ``abs``, ``ceil``, ``floor``) and
conversions (``tostring``, ``tonumber``, ``tobool``, ``tolist``, ``toset``, ``tomap``). Their
arguments are known here (the evaluator makes a call with an unknown argument unknown, and
evaluates ``try`` and ``can`` itself); any other function makes its value unknown, which the
reader names. ``jsonencode`` writes JSON as Terraform does: no spaces, keys sorted.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any


def _format(spec: str, *args: Any) -> str:
    """``format``'s common verbs: ``%s``, ``%d``, ``%v``, ``%f``, ``%%``."""
    values = iter(args)

    def one(match: re.Match[str]) -> str:
        verb = match.group(0)
        if verb == "%%":
            return "%"
        value = next(values)
        return str(int(value)) if verb == "%d" else str(value) if verb != "%f" else f"{value:f}"

    return re.sub(r"%%|%[sdvf]", one, spec)


def _lookup(mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise ValueError(f"lookup: no key {key!r}")


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        out.extend(_flatten(value) if isinstance(value, list) else [value])
    return out


def _tonumber(value: Any) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True),
    "jsondecode": json.loads,
    "format": _format,
    "join": lambda sep, items: sep.join(str(i) for i in items),
    "split": lambda sep, text: str(text).split(sep),
    "lower": str.lower,
    "upper": str.upper,
    "replace": lambda text, old, new: text.replace(old, new),
    "trimspace": str.strip,
    "trimprefix": lambda text, prefix: text.removeprefix(prefix),
    "trimsuffix": lambda text, suffix: text.removesuffix(suffix),
    "startswith": lambda text, prefix: text.startswith(prefix),
    "endswith": lambda text, suffix: text.endswith(suffix),
    "substr": lambda text, offset, length: text[offset : None if length < 0 else offset + length],
    "concat": lambda *lists: [item for items in lists for item in items],
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "lookup": _lookup,
    "element": lambda items, index: items[index % len(items)],
    "length": len,
    "keys": sorted,
    "values": lambda mapping: [mapping[k] for k in sorted(mapping)],
    "contains": lambda items, value: value in items,
    "flatten": _flatten,
    "distinct": lambda items: list(dict.fromkeys(items)),
    "coalesce": lambda *values: next(v for v in values if v not in (None, "")),
    "compact": lambda items: [i for i in items if i not in (None, "")],
    "zipmap": lambda keys, values: dict(zip(keys, values, strict=True)),
    "min": min,
    "max": max,
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "tostring": lambda v: v if isinstance(v, str) else json.dumps(v),
    "tonumber": _tonumber,
    "tobool": lambda v: v if isinstance(v, bool) else {"true": True, "false": False}[v],
    "tolist": list,
    "toset": lambda items: sorted(set(items), key=str),
    "tomap": dict,
}
