"""EventBridge behaviour AWS does not publish numbers for: one documented place for our choices.

AWS documents that retries use "exponential backoff with jitter" but not the base, multiplier or
cap (eventbridge-facts §1, UNCONFIRMED). We assume the "full jitter" scheme of the AWS Architecture
blog the docs link to: the k-th retry waits a uniform random time in
``[0, min(cap, base * factor**k)]``. The simulator makes every value configurable per scenario;
graph lint uses these defaults to estimate how long a retry policy's attempts take.
"""

from __future__ import annotations

RETRY_BACKOFF_BASE_S = 1.0
RETRY_BACKOFF_FACTOR = 2.0
RETRY_BACKOFF_CAP_S = 300.0


def expected_retry_schedule_s(
    retries: int,
    base: float = RETRY_BACKOFF_BASE_S,
    factor: float = RETRY_BACKOFF_FACTOR,
    cap: float = RETRY_BACKOFF_CAP_S,
) -> list[float]:
    """Expected time from the first attempt to each retry, under full jitter (mean = half)."""
    elapsed, out = 0.0, []
    for k in range(retries):
        elapsed += min(cap, base * factor**k) / 2
        out.append(elapsed)
    return out
