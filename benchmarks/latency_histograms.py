"""What the per-minute latency histograms cost: the same run with them and without, interleaved.

The simulator benchmark's two workloads (steady: 50 events/s into a 100/s destination with 5 %
errors; overload: 200 events/s, twice its limit), ``--events`` events each, run ``--repeat``
times as ``simulate`` runs by default and ``--repeat`` times with ``latency_by_minute=False`` (as
sweeps run), alternating, in one process: the ratio of the best times is the cost, free of the
machine's drift between separate runs.

    python benchmarks/latency_histograms.py [--events 1000000] [--repeat 6]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator import RATE_LIMIT, scenario, webhook_graph

from bridgetwin.simulator import load_scenario, simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=6)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; "
          f"{args.events:,} events, best of {args.repeat}")  # fmt: skip
    graph = webhook_graph(rate=int(RATE_LIMIT))
    for name, rate, error_rate in (("steady", 50.0, 0.05), ("overload", 200.0, 0.0)):
        spec = load_scenario(scenario(rate, args.events, error_rate))
        simulate(graph, spec)  # warm up
        best = {"with": float("inf"), "without": float("inf")}
        for _ in range(args.repeat):
            for mode in ("with", "without"):
                started = time.perf_counter()
                simulate(graph, spec, latency_by_minute=mode == "with")
                best[mode] = min(best[mode], time.perf_counter() - started)
        print(f"{name:<9} with histograms {best['with']:.3f} s, without {best['without']:.3f} s:"
              f" {best['with'] / best['without']:.3f}x")  # fmt: skip


if __name__ == "__main__":
    main()
