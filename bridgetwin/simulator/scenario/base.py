"""The pieces every scenario section uses: durations, the strict base model, latencies.

Durations are strings such as ``"250ms"``, ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` or plain
seconds; a latency is a fixed duration or a distribution (lognormal, exponential, empirical).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from bridgetwin.graph.identity import region_problem

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: Any) -> float:
    """``"250ms"``, ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 250ms, 90s, 5m, 2h, 1d or seconds")
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(
            f"'{value}' is not a duration; use a number with ms, s, m, h or d (e.g. 90s, 5m)"
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _region(value: str) -> str:
    problem = region_problem(value)
    if problem:
        raise ValueError(problem)
    return value


RegionName = Annotated[str, AfterValidator(_region)]
"""An AWS Region name, as the partitions' patterns allow (:mod:`bridgetwin.graph.identity`)."""


def _not_negative(value: float) -> float:
    if value < 0:
        raise ValueError("a duration cannot be negative")
    return value


DURATION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*$"},
    ],
    "description": "A duration: seconds, or a number with ms, s, m, h or d (e.g. 250ms, 5m).",
}
Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    AfterValidator(_not_negative),
    WithJsonSchema(DURATION_SCHEMA),
]


class StrictModel(BaseModel):
    """Unknown fields are errors (a typo names its place), and so are ``.inf`` and ``.nan``:
    no number in a scenario means anything when it is not finite."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
        defer_build=True,  # validators are built on first use: importing the package is light
    )


class Latency(StrictModel):
    """A latency distribution. A plain duration (e.g. ``80ms``) means a fixed latency."""

    distribution: Literal["fixed", "lognormal", "exponential", "empirical"] = "fixed"
    value: Duration = 0.0
    """fixed: the latency."""
    median: Duration | None = None
    """lognormal: the median."""
    p99: Duration | None = None
    """lognormal: the 99th percentile (must exceed the median)."""
    mean: Duration | None = None
    """exponential: the mean."""
    samples: tuple[Duration, ...] = ()
    """empirical: observed latencies, resampled uniformly."""

    @model_validator(mode="before")
    @classmethod
    def _from_duration(cls, data: Any) -> Any:
        return data if isinstance(data, Mapping) else {"distribution": "fixed", "value": data}

    @model_validator(mode="after")
    def _complete(self) -> Latency:
        needs = {
            "lognormal": ("median", "p99"),
            "exponential": ("mean",),
            "empirical": ("samples",),
        }
        for name in needs.get(self.distribution, ()):
            if not getattr(self, name):
                raise ValueError(f"a {self.distribution} latency needs '{name}'")
        if self.distribution == "lognormal" and self.p99 <= self.median:  # type: ignore[operator]
            raise ValueError("'p99' must be greater than 'median'")
        return self


def latency_default(default: float) -> Any:
    return Field(default_factory=lambda: Latency(value=default))


def first_match(items: tuple[Any, ...], *names: str) -> Any | None:
    """The first scenario entry whose ``match`` glob matches one of ``names``."""
    for item in items:
        if any(fnmatch.fnmatchcase(name, item.match) for name in names if name):
            return item
    return None
