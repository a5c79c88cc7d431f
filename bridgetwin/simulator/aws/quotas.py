"""Per-Region EventBridge quotas (eventbridge-facts §6), both adjustable in real accounts.

AWS groups Regions in the same tiers for both quotas, so one table serves both.
"""

from __future__ import annotations

# (Regions, PutEvents requests/s, invocations/s); Regions in no tier get the last row's numbers.
_TIERS: tuple[tuple[tuple[str, ...], int, int], ...] = (
    (("us-east-1", "us-west-2", "eu-west-1"), 10_000, 18_750),
    (("us-east-2", "eu-central-1", "eu-south-2"), 2_400, 4_500),
    (("us-west-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "eu-west-2"),
     1_200, 2_250),
    (("ap-east-1", "ap-northeast-2", "ap-south-1", "ca-central-1", "eu-north-1", "eu-west-3",
      "sa-east-1"), 600, 1_100),
    ((), 400, 750),
)  # fmt: skip


def _tier(region: str) -> tuple[tuple[str, ...], int, int]:
    return next((tier for tier in _TIERS if region in tier[0]), _TIERS[-1])


def put_events_quota(region: str) -> int:
    """PutEvents requests per second per account and Region (L-9B653E91); 400 elsewhere."""
    return _tier(region)[1]


def invocation_quota(region: str) -> int:
    """Target invocations per second per account and Region (L-5540C5E3); 750 elsewhere."""
    return _tier(region)[2]
