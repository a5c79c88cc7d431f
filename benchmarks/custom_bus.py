"""A Custom Event Bus subscriber that batches, timed: SQS's default batch (10, window 0).

The bus ``orders`` of ``tests/_custom_bus.py`` with one subscriber delivering to an SQS queue on
AWS's batching defaults, fed ``--rate`` events/s over ``--groups`` event groups for
``--minutes``. At window 0 a batch takes what waits when the queue can take it, so at moderate
rates most batches hold one event: the cost per batch is what this measures. Prints wall time
(best of ``--repeat``), events/s and the batches made.

    python benchmarks/custom_bus.py [--rate 300] [--groups 10] [--minutes 10] [--repeat 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._custom_bus import custom_bus_template, subscriber

QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"
EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 120}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    graph = load_graph(custom_bus_template(subscribers={"Reader": subscriber(QUEUE, Name="r")}))
    scenario = load_scenario({
        "duration": f"{args.minutes}m", "seed": 1,
        "traffic": [{"bus": "orders", "rate": args.rate, "event_groups": args.groups,
                     "events": [{"event": EVENT}]}],
        "targets": [{"match": "*", "latency": "10ms"}]})  # fmt: skip
    best, counts = float("inf"), {}
    for _ in range(args.repeat):
        started = time.perf_counter()
        counts = simulate(graph, scenario).target("Reader").counts
        best = min(best, time.perf_counter() - started)
    print(f"{args.rate:g} events/s over {args.groups} groups for {args.minutes} min: "
          f"{best:.2f} s (best of {args.repeat}), {counts['ingested'] / best:,.0f} events/s, "
          f"{counts['invocations']:,} batches for {counts['ingested']:,} events")  # fmt: skip


if __name__ == "__main__":
    main()
