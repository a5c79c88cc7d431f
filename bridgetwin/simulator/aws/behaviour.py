"""What happens when EventBridge invokes a target: one attempt's end time and outcome.

API destinations (eventbridge-facts §1-2): each request has a 5 s client-side timeout; timeouts,
429 and every 5xx are retried; 401 and 407 make EventBridge refresh an OAuth token and retry
(for other connections they are ordinary 4xx); every other status below 200 or from 300 up is not
retried. A ``Retry-After`` sent with 429/503 lengthens the next delay; a negative one stops retries.
OAuth connections fetch a token before the first call and whenever it has expired or was refused.

An endpoint with a ``capacity`` serves requests with a pool of workers
(:mod:`.endpoint_capacity`): its latency is then each request's service time, and waiting for a
worker adds to it, up to EventBridge's timeout.

Other targets (SQS, SNS, Lambda, ...) take a latency and fail with a configurable probability,
and every invocation during one of their outages fails (retryably).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from bridgetwin.simulator._random import Draws, latency_sampler
from bridgetwin.simulator.aws.endpoint_capacity import ServerPool
from bridgetwin.simulator.aws.service_quotas import REFUSAL_LATENCY, RejectingBucket
from bridgetwin.simulator.scenario import Endpoint, Outage, TargetSettings

OK, RETRYABLE, PERMANENT = 0, 1, 2
THROTTLED = 3
"""The code of a target's refusal under its API quota (a retryable failure)."""

Outcome = tuple[float, int, str, str, float | None]
"""(end time, OK | RETRYABLE | PERMANENT, DLQ ERROR_CODE, ERROR_MESSAGE, Retry-After or None)."""

Failure = tuple[int, str, str, float | None]
"""How an attempt failed: (RETRYABLE | PERMANENT, ERROR_CODE, ERROR_MESSAGE, Retry-After)."""

Drawn = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Many attempts at once: how long each takes, OK/RETRYABLE/PERMANENT, and a code whose
details (``failures[code]``) describe a failure (an HTTP status, or -1 for a timeout)."""


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
        self._status_table = np.asarray(self._statuses, dtype=np.int64)
        self._cumulative_table = np.asarray(cumulative)
        self._tokens = token_cache
        self._retry_after = -1.0 if endpoint.retry_after_negative else endpoint.retry_after
        self.failures: dict[int, Failure] = {s: self._classify(s) for s in self._statuses}
        """The details of each drawn code (attempts drawn in bulk never involve OAuth)."""
        self.failures[-1] = (RETRYABLE, "TIMEOUT", "request timed out after 5 s", None)
        self._kind_table = np.asarray([self.failures[status][0] for status in self._statuses])
        capacity = endpoint.capacity
        self.pool = ServerPool(capacity.concurrency, capacity.queue) if capacity else None
        """The endpoint's workers, when it has a capacity."""

    def _outage(self, at: float) -> Outage | None:
        """The outage in effect at ``at``, if any."""
        for outage in self._endpoint.outages:  # (a loop: this runs once an attempt)
            if outage.start <= at < outage.end:
                return outage
        return None

    def _status(self, at: float) -> int | str:
        outage = self._outage(at)
        if outage is not None:
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
        if self.pool is not None and self._outage(at) is None:
            served = self.pool.admit(at, latency)
            if served is None:  # the waiting line is full
                capacity = self._endpoint.capacity
                assert capacity is not None
                status, latency = capacity.when_full, capacity.rejection_latency
            else:
                latency = served
        if status == "timeout" or latency > self._timeout:
            return at + self._timeout, *self.failures[-1]
        assert isinstance(status, int)
        if status in (401, 407) and tokens is not None:
            tokens.expires_at = -math.inf  # refresh the token, then retry
        details = self.failures.get(status)
        if details is None:  # an outage's status the responses do not have: classified once
            details = self.failures[status] = self._classify(status)
        return at + latency, *details

    def steady(self, first_start: float, last_start: float) -> bool:
        """Whether attempts starting between the two times end independently of their exact
        start: no outage overlaps them, no OAuth token is involved, no workers are shared."""
        return (
            self._tokens is None
            and self.pool is None
            and not any(
                outage.start < last_start + self._timeout and outage.end > first_start
                for outage in self._endpoint.outages
            )
        )

    def draw_many(self, n: int, first_start: float, last_start: float) -> Drawn | None:
        """Outcomes of ``n`` attempts starting between the two times, which do not depend on
        the exact start (None unless ``steady``)."""
        if not self.steady(first_start, last_start):
            return None
        latency = self._sample_latency(n)
        picks = self._cumulative_table.searchsorted(self._rng.random(n), side="left")
        np.minimum(picks, len(self._statuses) - 1, out=picks)
        kinds, codes = self._kind_table[picks], self._status_table[picks]
        timed_out = latency > self._timeout
        if timed_out.any():
            kinds[timed_out] = RETRYABLE
            codes[timed_out] = -1
            latency[timed_out] = self._timeout
        return latency, kinds, codes

    def _classify(self, status: int) -> Failure:
        """AWS's retry classification of an HTTP status: (kind, ERROR_CODE, ERROR_MESSAGE,
        Retry-After)."""
        if 200 <= status < 300:
            return OK, "", "", None
        message = f"HTTP {status}"
        if status == 429:
            return RETRYABLE, "THROTTLING", message, self._retry_after
        if status >= 500:
            return (
                RETRYABLE,
                "ERROR_FROM_TARGET",
                message,
                (self._retry_after if status == 503 else None),
            )
        if status in (401, 407) and self._tokens is not None:
            return RETRYABLE, "ERROR_FROM_TARGET", message, None  # after a token refresh
        return PERMANENT, "ERROR_FROM_TARGET", message, None


class TargetBehaviour:
    """An AWS service target: a latency, a retryable failure probability and, when its API has
    one, a quota beyond which it refuses invocations (:mod:`.service_quotas`)."""

    def __init__(
        self,
        settings: TargetSettings,
        rng: np.random.Generator,
        quota: RejectingBucket | None = None,
    ) -> None:
        self._rng = rng
        self._sample_latency = latency_sampler(settings.latency, rng)
        self._latency = Draws(self._sample_latency)
        self._uniform = Draws(rng.random)
        self._failure_rate = settings.failure_rate
        self._outages = settings.outages
        self._quota = quota
        self.failures: dict[int, Failure] = {
            RETRYABLE: (RETRYABLE, "ERROR_FROM_TARGET", "target invocation failed", None),
            THROTTLED: (RETRYABLE, "THROTTLING", "the target's API quota refused it", None),
        }

    def attempt(self, start: float) -> Outcome:
        if self._quota is not None and not self._quota.take(start):
            return start + REFUSAL_LATENCY, *self.failures[THROTTLED]
        end = start + self._latency.next()
        if self._failure_rate and self._uniform.next() < self._failure_rate:
            return end, *self.failures[RETRYABLE]
        if any(o.start <= start < o.end for o in self._outages):
            return end, *self.failures[RETRYABLE]
        return end, OK, "", "", None

    def steady(self, first_start: float, last_start: float) -> bool:
        """Whether attempts starting between the two times fail independently of their exact
        start: no quota (it depends on each start) and no outage overlapping them."""
        return self._quota is None and not any(
            o.start <= last_start and o.end > first_start for o in self._outages
        )

    def draw_many(self, n: int, first_start: float, last_start: float) -> Drawn | None:
        if not self.steady(first_start, last_start):
            return None
        failed = self._rng.random(n) < self._failure_rate
        kinds = np.where(failed, RETRYABLE, OK)
        return self._sample_latency(n), kinds, kinds


Behaviour = HttpBehaviour | TargetBehaviour
