"""The planner's walk-through of issue 30, timed: a two-goal plan and a sensitivity run, in-process.

The deployment is examples/saturation/template.yaml (a bus, a rule and a partner's API
destination). The scenario is the walk-through's: orders at 20/s for 2 hours with a 10-minute
burst to 60/s and a 10-minute 503 outage of the partner, 5 retries. ``plan`` varies the rate
limit over 10..300 with two goals (start p99 <= 60 s, no DLQ); ``sensitivity`` varies the
unconfirmed defaults that touch the deployment. Both use 5 seeds per value (the defaults) on
this process. The figures the issue reported before the work are printed beside them, as are
its goals (10 s and 20 s).

    python benchmarks/planning.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridgetwin.graph import load_graph  # noqa: E402
from bridgetwin.planning.feasible_search import plan  # noqa: E402
from bridgetwin.planning.goal import Goal  # noqa: E402
from bridgetwin.planning.sensitivity import sensitivity  # noqa: E402

EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 120}}
SCENARIO = {
    "duration": "2h", "seed": 5,
    "traffic": [{"bus": "orders", "rate": 20, "events": [{"event": EVENT}]},
                {"bus": "orders", "rate": 40, "start": "30m", "end": "40m",
                 "events": [{"event": EVENT}]}],
    "endpoints": [{"match": "https://partner.example.com/*",
                   "latency": {"distribution": "lognormal", "median": "80ms", "p99": "600ms"},
                   "outages": [{"start": "60m", "end": "70m", "status": 503}]}],
    "overrides": {"api_destinations": {"PartnerWebhook": {"rate_limit": 20}},
                  "targets": {"ToPartner/*": {"retry_attempts": 5}}},
}  # fmt: skip
BEFORE = {"plan": "45 s", "sensitivity": "57-73 s"}
GOALS = {"plan": "10 s", "sensitivity": "20 s"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    graph = load_graph(ROOT / "examples" / "saturation" / "template.yaml")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    events = 20 * 7200 + 40 * 600
    print(f"{machine}; about {events:,} events per run, {args.seeds} seeds per value")

    started = time.perf_counter()
    goals = [Goal.parse("latency.start.p99 <= 60s"), Goal.parse("counts.dlq <= 0")]
    answer = plan(graph, SCENARIO, vary="overrides.api_destinations.PartnerWebhook.rate_limit",
                  low=10, high=300, goals=goals, target="ToPartner/*", runs=args.seeds)  # fmt: skip
    planned = time.perf_counter() - started
    runs = len(answer.probes) * args.seeds
    feasible = ", ".join(f"{a:g}..{b:g}" for a, b in answer.intervals) or "nothing"
    print(f"plan (2 goals, rate limit 10..300): {planned:.1f} s for {len(answer.probes)} values "
          f"x {args.seeds} seeds = {runs} runs ({planned / runs:.2f} s a run); feasible: "
          f"{feasible}; before: {BEFORE['plan']}, goal: {GOALS['plan']}")  # fmt: skip

    started = time.perf_counter()
    shifts = sensitivity(graph, SCENARIO, ("latency.start.p99", "counts.dlq"), runs=args.seeds)
    varied = len({s.assumption for s in shifts})
    took = time.perf_counter() - started
    print(f"sensitivity: {took:.1f} s, {varied} assumptions varied; largest: "
          f"{shifts[0].assumption} ({shifts[0].metric}); before: {BEFORE['sensitivity']}, "
          f"goal: {GOALS['sensitivity']}")  # fmt: skip


if __name__ == "__main__":
    main()
