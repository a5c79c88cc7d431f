"""What happens when EventBridge invokes a target: one attempt's end time and outcome.

API destinations (eventbridge-facts §1-2): each request has a 5 s client-side timeout; timeouts,
429 and every 5xx are retried; 401 and 407 make EventBridge refresh an OAuth token and retry
(for other connections they are ordinary 4xx); every other status below 200 or from 300 up is not
retried. A ``Retry-After`` sent with 429/503 lengthens the next delay; a negative one stops retries.
OAuth connections fetch a token before the first call and whenever it has expired or was refused.

Other targets (SQS, SNS, Lambda, ...) take a latency and fail with a configurable probability.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from bridgetwin.simulator._random import Draws, latency_sampler
from bridgetwin.simulator.scenario import Endpoint, TargetSettings

OK, RETRYABLE, PERMANENT = 0, 1, 2

Outcome = tuple[float, int, str, str, float | None]
"""(end time, OK | RETRYABLE | PERMANENT, DLQ ERROR_CODE, ERROR_MESSAGE, Retry-After or None)."""

Outcomes = tuple[np.ndarray, np.ndarray, list[Outcome | None]]
"""Many attempts at once: end times, OK/RETRYABLE/PERMANENT per attempt, and the full outcome of
each failed attempt (None for successes)."""


@dataclass
class TokenCache:
    """The OAuth access token of one connection, shared by every destination using it."""

    expires_at: float = -math.inf


class HttpBehaviour:
    """An HTTPS endpoint behind an API destination."""

    def __init__(
        self,
        endpoint: Endpoint,
        timeout: float,
        rng: np.random.Generator,
        token_cache: TokenCache | None,
    ) -> None:
        self._endpoint = endpoint
        self._timeout = timeout
        self._rng = rng
        self._sample_latency = latency_sampler(endpoint.latency, rng)
        self._latency = Draws(self._sample_latency)
        self._uniform = Draws(rng.random)
        self._token_latency = Draws(latency_sampler(endpoint.oauth.token_latency, rng))
        total = sum(endpoint.responses.values())
        self._statuses = list(endpoint.responses)
        cumulative, running = [], 0.0
        for status in self._statuses:
            running += endpoint.responses[status] / total
            cumulative.append(running)
        self._cumulative = cumulative
        self._tokens = token_cache
        self._retry_after = -1.0 if endpoint.retry_after_negative else endpoint.retry_after

    def _status(self, at: float) -> int | str:
        for outage in self._endpoint.outages:
            if outage.start <= at < outage.end:
                return outage.status
        index = bisect.bisect_left(self._cumulative, self._uniform.next())
        return self._statuses[min(index, len(self._statuses) - 1)]

    def attempt(self, start: float) -> Outcome:
        at = start
        tokens = self._tokens
        if tokens is not None and at >= tokens.expires_at:
            at += self._token_latency.next()
            if self._uniform.next() < self._endpoint.oauth.failure_rate:
                return at, RETRYABLE, "CONNECTION_FAILURE", "OAuth token request failed", None
            tokens.expires_at = at + self._endpoint.oauth.token_ttl
        status = self._status(at)
        latency = self._latency.next()
        if status == "timeout" or latency > self._timeout:
            return at + self._timeout, RETRYABLE, "TIMEOUT", "request timed out after 5 s", None
        assert isinstance(status, int)
        return self._classify(at + latency, status)

    def attempt_many(self, starts: np.ndarray) -> Outcomes | None:
        """Attempts starting at sorted ``starts``, when no token fetch or outage is involved
        (None otherwise: the caller takes them one at a time)."""
        if self._tokens is not None or any(
            outage.start < starts[-1] + self._timeout and outage.end > starts[0]
            for outage in self._endpoint.outages
        ):
            return None
        n = len(starts)
        latency = self._sample_latency(n)
        picks = np.searchsorted(self._cumulative, self._rng.random(n), side="left")
        statuses = np.asarray(self._statuses)[np.minimum(picks, len(self._statuses) - 1)]
        timed_out = latency > self._timeout
        ends = starts + np.where(timed_out, self._timeout, latency)
        kinds = np.where((statuses >= 200) & (statuses < 300) & ~timed_out, OK, RETRYABLE)
        details: list[Outcome | None] = [None] * n
        for i in np.flatnonzero(kinds != OK).tolist():
            if timed_out[i]:
                details[i] = (
                    float(ends[i]),
                    RETRYABLE,
                    "TIMEOUT",
                    "request timed out after 5 s",
                    None,
                )
            else:
                details[i] = self._classify(float(ends[i]), int(statuses[i]))
            kinds[i] = details[i][1]
        return ends, kinds, details

    def _classify(self, end: float, status: int) -> Outcome:
        """AWS's retry classification of an HTTP status."""
        tokens = self._tokens
        if 200 <= status < 300:
            return end, OK, "", "", None
        message = f"HTTP {status}"
        if status == 429:
            return end, RETRYABLE, "THROTTLING", message, self._retry_after
        if status >= 500:
            retry_after = self._retry_after if status == 503 else None
            return end, RETRYABLE, "ERROR_FROM_TARGET", message, retry_after
        if status in (401, 407) and tokens is not None:
            tokens.expires_at = -math.inf  # refresh the token, then retry
            return end, RETRYABLE, "ERROR_FROM_TARGET", message, None
        return end, PERMANENT, "ERROR_FROM_TARGET", message, None


class TargetBehaviour:
    """An AWS service target: a latency and a retryable failure probability."""

    def __init__(self, settings: TargetSettings, rng: np.random.Generator) -> None:
        self._rng = rng
        self._sample_latency = latency_sampler(settings.latency, rng)
        self._latency = Draws(self._sample_latency)
        self._uniform = Draws(rng.random)
        self._failure_rate = settings.failure_rate

    def attempt(self, start: float) -> Outcome:
        end = start + self._latency.next()
        if self._failure_rate and self._uniform.next() < self._failure_rate:
            return end, RETRYABLE, "ERROR_FROM_TARGET", "target invocation failed", None
        return end, OK, "", "", None

    def attempt_many(self, starts: np.ndarray) -> Outcomes:
        ends = starts + self._sample_latency(len(starts))
        failed = self._rng.random(len(starts)) < self._failure_rate
        kinds = np.where(failed, RETRYABLE, OK)
        details: list[Outcome | None] = [None] * len(starts)
        for i in np.flatnonzero(failed).tolist():
            details[i] = (
                float(ends[i]),
                RETRYABLE,
                "ERROR_FROM_TARGET",
                "target invocation failed",
                None,
            )
        return ends, kinds, details


Behaviour = HttpBehaviour | TargetBehaviour
