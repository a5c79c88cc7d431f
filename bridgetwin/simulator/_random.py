"""Seeded randomness: one generator per named component, drawn in blocks.

Every component (a traffic spec, an endpoint, a retry policy) gets its own generator derived from
the scenario's seed and the component's name, so adding a component does not change the draws of
the others, and the same seed gives the same run bit for bit. Draws are generated in numpy blocks
and handed out one at a time, which keeps per-event cost low without changing the sequence.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np

from bridgetwin.simulator.scenario import Latency

_Z99 = 2.3263478740408408  # standard normal 99th percentile
_BLOCK = 4096


def rng_for(seed: int, name: str) -> np.random.Generator:
    """The generator of one named component."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def latency_sampler(latency: Latency, rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    """A function returning ``n`` latencies (seconds) from the distribution."""
    match latency.distribution:
        case "fixed":
            return lambda n: np.full(n, latency.value)
        case "lognormal":
            mu = math.log(latency.median)  # type: ignore[arg-type]
            sigma = (math.log(latency.p99) - mu) / _Z99  # type: ignore[arg-type]
            return lambda n: rng.lognormal(mu, sigma, n)
        case "exponential":
            return lambda n: rng.exponential(latency.mean, n)
        case _:
            samples = np.asarray(latency.samples, dtype=float)
            return lambda n: rng.choice(samples, n)


class Draws:
    """An endless stream of values from ``sample(n)``, produced in blocks, handed out one at a
    time (``next``) or seen many at once (``peek``, then ``skip``). Each block is kept as a
    list for the first and as an array for the second."""

    __slots__ = ("_array", "_buffer", "_index", "_sample")

    def __init__(self, sample: Callable[[int], np.ndarray]) -> None:
        self._sample = sample
        self._array = np.empty(0)
        self._buffer: list[float] = []
        self._index = 0

    def next(self) -> float:
        if self._index >= len(self._buffer):
            self._refill(_BLOCK)
        value = self._buffer[self._index]
        self._index += 1
        return value

    def peek(self, n: int) -> np.ndarray:
        """The next ``n`` values, without taking them (``skip`` does)."""
        missing = n - (len(self._buffer) - self._index)
        if missing > 0:
            self._refill(-(-missing // _BLOCK) * _BLOCK)
        return self._array[self._index : self._index + n]

    def skip(self, n: int) -> None:
        """Take ``n`` values already seen with ``peek``."""
        self._index += n

    def _refill(self, size: int) -> None:
        """Keep the values not taken yet, then ``size`` new ones."""
        fresh = self._sample(size)
        if self._index < len(self._buffer):
            fresh = np.concatenate([self._array[self._index :], fresh])
        self._array, self._buffer, self._index = fresh, fresh.tolist(), 0


def uniform_draws(rng: np.random.Generator) -> Draws:
    return Draws(rng.random)
