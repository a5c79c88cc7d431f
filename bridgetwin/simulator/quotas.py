"""Per-Region EventBridge quotas (eventbridge-facts §6), both adjustable in real accounts."""

from __future__ import annotations

_PUT_EVENTS = {
    10_000: ("us-east-1", "us-west-2", "eu-west-1"),
    2_400: ("us-east-2", "eu-central-1", "eu-south-2"),
    1_200: ("us-west-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "eu-west-2"),
    600: (
        "ap-east-1",
        "ap-northeast-2",
        "ap-south-1",
        "ca-central-1",
        "eu-north-1",
        "eu-west-3",
        "sa-east-1",
    ),
}
_INVOCATIONS = {
    18_750: ("us-east-1", "us-west-2", "eu-west-1"),
    4_500: ("us-east-2", "eu-central-1", "eu-south-2"),
    2_250: ("us-west-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "eu-west-2"),
    1_100: (
        "ap-east-1",
        "ap-northeast-2",
        "ap-south-1",
        "ca-central-1",
        "eu-north-1",
        "eu-west-3",
        "sa-east-1",
    ),
}


def _lookup(table: dict[int, tuple[str, ...]], region: str, other: int) -> int:
    for value, regions in table.items():
        if region in regions:
            return value
    return other


def put_events_quota(region: str) -> int:
    """PutEvents requests per second per account and Region (L-9B653E91); 400 elsewhere."""
    return _lookup(_PUT_EVENTS, region, 400)


def invocation_quota(region: str) -> int:
    """Target invocations per second per account and Region (L-5540C5E3); 750 elsewhere."""
    return _lookup(_INVOCATIONS, region, 750)
