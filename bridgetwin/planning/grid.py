"""What a sweep varies: ``--vary PATH=VALUES`` parsed, and scenario dicts with one value set.

``PATH`` is a dotted path into the scenario as written (``traffic.0.rate``,
``eventbridge.retry_backoff.cap``, ``overrides.api_destinations.Webhook.rate_limit``: missing
mappings are created, list items are numbered). ``VALUES`` is a comma list (``10,20,40``) or an
inclusive range ``LOW:HIGH:STEP`` (``50:300:25``); values keep their units (``30s``) and numbers
stay numbers. Seeds come from the sweep's seed alone (``numpy.random.SeedSequence``), the same
seeds at every point (common random numbers: differences between points are not noise from
different draws), so a rerun on any cluster gives the same numbers.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from bridgetwin.simulator import parse_duration


class PlanningError(ValueError):
    """A sweep or plan asked for something impossible (the message says what and where)."""


def _number(text: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


@dataclass(frozen=True)
class Vary:
    path: str
    values: tuple[Any, ...]

    @classmethod
    def parse(cls, text: str) -> Vary:
        path, sep, spec = text.partition("=")
        if not sep or not path or not spec:
            raise PlanningError(f"--vary '{text}': use PATH=V1,V2,... or PATH=LOW:HIGH:STEP")
        if spec.count(":") == 2:
            try:
                low, high, step = (float(parse_duration(p)) for p in spec.split(":"))
            except ValueError as exc:
                raise PlanningError(f"--vary '{text}': {exc}") from None
            if step <= 0 or high < low:
                raise PlanningError(f"--vary '{text}': needs LOW <= HIGH and STEP > 0")
            count = int(np.floor((high - low) / step + 1e-9)) + 1
            if count > MAX_VALUES:
                raise PlanningError(
                    f"--vary '{text}': {count:,} values, more than {MAX_VALUES:,}; use a larger "
                    "STEP"
                )
            values = [low + i * step for i in range(count)]
            integral = all(float(p).is_integer() for p in (low, high, step))
            return cls(path, tuple(int(v) if integral else v for v in values))
        return cls(path, tuple(_number(v.strip()) for v in spec.split(",") if v.strip()))


def with_value(spec: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``spec`` with ``path`` set to ``value``."""
    out = copy.deepcopy(spec)
    node: Any = out
    parts = path.split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise PlanningError(f"{path}: '{part}' is not an item of a {len(node)}-item list")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            where = ".".join(parts[:depth]) or "the scenario"
            raise PlanningError(f"{path}: {where} is a value, not a mapping or list")
    return out


def grid(spec: dict[str, Any], varies: list[Vary]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(the values of each point, its scenario) for the cartesian product of the varies."""
    paths = [v.path for v in varies]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise PlanningError(f"--vary: {', '.join(twice)} varied twice; give its values once")
    out = []
    for combination in itertools.product(*(v.values for v in varies)):
        point = dict(zip((v.path for v in varies), combination, strict=True))
        scenario = spec
        for path, value in point.items():
            scenario = with_value(scenario, path, value)
        out.append((point, scenario))
    return out


MAX_VALUES = 10_000
"""The most values one ``--vary`` may give."""


def check_runs(varies: list[Vary], seeds_per_point: int, max_runs: int) -> int:
    """The number of simulations a grid of ``varies`` with ``seeds_per_point`` seeds runs,
    before any is built; more than ``max_runs`` is an error saying how many."""
    points = math.prod(len(v.values) for v in varies) if varies else 1
    runs = points * seeds_per_point
    if runs > max_runs:
        raise PlanningError(
            f"the sweep would run {points:,} point(s) x {seeds_per_point:,} seed(s) = {runs:,} "
            f"simulations, more than --max-runs {max_runs:,}; vary fewer values or raise "
            "--max-runs"
        )
    return runs


def seeds(sweep_seed: int, count: int) -> list[int]:
    """The run seeds of every point: derived from the sweep's seed only."""
    state = np.random.SeedSequence(sweep_seed).generate_state(count, dtype=np.uint32)
    return [int(s) for s in state]
