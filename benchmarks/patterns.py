"""Routing throughput: PatternIndex against a naive loop over Pattern.matches.

Rules have the shape the issue names (source, detail-type, a numeric amount filter and a region
prefix); about 5 % of events match some rule. Prints events/s for 1, 30 and 300 rules (300 is the
default rules-per-bus quota) and the index's speed-up over the naive loop, measured in one run.
Then the worst case for an index: rules that name no exact value events share (a wildcard or an
anything-but on ``source``, ``anything-but`` on ``detail-type``, numeric ranges inside ``$or``),
so every event must be checked against every rule's filters (on a fiftieth of the events).

    python benchmarks/patterns.py [--events 200000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

from bridgetwin.patterns import Pattern, PatternIndex, compile_pattern

SOURCES = 30


def make_rules(count: int) -> list[Pattern]:
    return [
        compile_pattern(
            {
                "source": [f"acme.service{i % SOURCES}"],
                "detail-type": [f"Event{i}"],
                "detail": {
                    "amount": [{"numeric": [">", i % 50]}],
                    "region": [{"prefix": "eu-"}],
                },
            }
        )
        for i in range(count)
    ]


def make_worst_rules(count: int) -> list[Pattern]:
    """Rules with no exact value to index on: wildcards, anything-but, numeric ranges, $or."""
    shapes = [
        lambda i: {"source": [{"wildcard": f"acme.*{i % SOURCES}"}]},
        lambda i: {"source": [{"anything-but": {"prefix": f"acme.service{i % SOURCES}"}}]},
        lambda i: {"detail-type": [{"anything-but": [f"Event{i}", f"Other{i}"]}]},
        lambda i: {"detail": {"customer": {"tier": [{"wildcard": "*ol*"}]}}},
    ]
    return [
        compile_pattern({
            **shapes[i % len(shapes)](i),
            "detail": {
                **shapes[i % len(shapes)](i).get("detail", {}),
                "$or": [
                    {"amount": [{"numeric": [">", i % 50, "<=", 50 + i % 50]}]},
                    {"region": [{"prefix": "us-"}], "amount": [{"numeric": ["<", i % 7]}]},
                ],
            },
        })
        for i in range(count)
    ]  # fmt: skip


def make_events(count: int, rules: int, rng: random.Random) -> list[dict]:
    """Events of which 13 % name a rule's source and type, and about 40 % of those pass its
    amount and region filters: ~5 % match."""
    events = []
    for _ in range(count):
        i = rng.randrange(rules)
        aimed = rng.random() < 0.13
        events.append(
            {
                "version": "0",
                "id": "e",
                "source": f"acme.service{i % SOURCES if aimed else rng.randrange(SOURCES * 2)}",
                "detail-type": f"Event{i}" if aimed else f"Other{rng.randrange(1000)}",
                "account": "111122223333",
                "time": "2026-11-22T00:00:00Z",
                "region": "eu-west-1",
                "resources": [],
                "detail": {
                    "amount": rng.randrange(100),
                    "region": rng.choice(["eu-west-1", "us-east-1"]),
                    "customer": {"id": "c-1", "tier": "gold"},
                },
            }
        )
    return events


def throughput(route, events: list[dict]) -> tuple[float, int]:
    start = time.perf_counter()
    matched = sum(1 for e in events if route(e))
    return len(events) / (time.perf_counter() - start), matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"{'rules':>11} {'matched':>8} {'index ev/s':>12} {'naive ev/s':>12} {'speed-up':>9}")
    for label, count, maker in (("", 1, make_rules), ("", 30, make_rules), ("", 300, make_rules),
                                ("worst", 300, make_worst_rules)):  # fmt: skip
        rng = random.Random(args.seed)
        rules = maker(count)
        index: PatternIndex[int] = PatternIndex()
        for key, rule in enumerate(rules):
            index.add(key, rule)
        events = make_events(args.events if not label else args.events // 50, count, rng)
        indexed, matched = throughput(index.matching, events)
        naive_events = events[: max(2_000, args.events // max(1, count // 10))]
        naive, _ = throughput(
            lambda e, rules=rules: [r for r in rules if r.matches(e)], naive_events
        )
        print(
            f"{label:>5} {count:>5} {matched / len(events):>7.1%} {indexed:>12,.0f} "
            f"{naive:>12,.0f} {indexed / naive:>8.1f}x"
        )


if __name__ == "__main__":
    main()
