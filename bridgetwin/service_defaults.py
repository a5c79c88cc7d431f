"""EventBridge behaviour AWS does not publish numbers for: one documented place for our choices.

AWS documents that retries use "exponential backoff with jitter" but not the base, multiplier or
cap (eventbridge-facts §1, UNCONFIRMED). We assume the "full jitter" scheme of the AWS Architecture
blog the docs link to: the k-th retry waits a uniform random time in
``[0, min(cap, base * factor**k)]``. The simulator makes every value configurable per scenario;
graph lint uses these defaults to estimate how long a retry policy's attempts take.

AWS does publish the two limits the defaults reach together: 185 retries and 24 hours. The cap is
chosen so that they meet: with base 1 s and factor 2 the first ten retries wait 511.5 s on
average, and each later one waits cap / 2, so the 185th retry is expected after
511.5 + 175 * cap / 2 seconds: 86,261.5 s (23.96 h) with a 980 s cap. A 300 s cap (a common
guess) would exhaust 185 retries after about 7.4 h and send a long outage's events to the DLQ
more than 16 hours before AWS would. How the time to the DLQ depends on the cap (for an endpoint
that fails fast; add each attempt's own duration, e.g. 5 s per timeout)::

    cap      expected time of the 185th retry
    300 s    26,656 s   (7.4 h)
    600 s    53,012 s  (14.7 h)
    980 s    86,262 s  (24.0 h)   <- default: the age limit and the count limit meet
"""

from __future__ import annotations

RETRY_BACKOFF_BASE_S = 1.0
RETRY_BACKOFF_FACTOR = 2.0
RETRY_BACKOFF_CAP_S = 980.0


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
