"""A sweep of the bundled scenario, in-process vs a local Dask cluster: wall time and efficiency.

The bundled app (app.py, synthesized into a temporary cloud assembly) under
examples/black-friday.yaml, varying the webhook's rate limit over ``--points`` values (1 to
``--points``) with ``--seeds`` seeds each: the same grid run in this process, then on a
``LocalCluster`` of ``--workers`` processes (its start-up included). Parallel efficiency is
(in-process time / cluster time) / workers. The results of both runs are compared too.

    python benchmarks/sweep.py [--points 50] [--seeds 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridgetwin.graph import load_graph  # noqa: E402
from bridgetwin.planning import Vary  # noqa: E402
from bridgetwin.planning.sweep import sweep  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import app as example_app

    with tempfile.TemporaryDirectory() as outdir:
        example_app.build_app(outdir).synth()
        graph = load_graph(outdir)
    spec = yaml.safe_load((ROOT / "examples" / "black-friday.yaml").read_text())
    destination = next(d.id for d in graph.api_destinations if "OrderWebhook" in d.id)
    key = f"overrides.api_destinations.{destination}.rate_limit"
    varies = [Vary(key, tuple(range(1, args.points + 1)))]
    runs = args.points * args.seeds
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"{machine}; {args.points} points x {args.seeds} seeds = {runs} runs of the bundled "
          "scenario")  # fmt: skip
    started = time.perf_counter()
    inline = sweep(graph, spec, varies, runs=args.seeds, scheduler="inline")
    alone = time.perf_counter() - started
    print(f"in-process:           {alone:7.1f} s  ({alone / runs * 1e3:.0f} ms per run)")
    started = time.perf_counter()
    cluster = sweep(graph, spec, varies, runs=args.seeds, workers=args.workers)
    spread = time.perf_counter() - started
    efficiency = alone / spread / args.workers
    print(f"LocalCluster({args.workers}):      {spread:7.1f} s  (speed-up {alone / spread:.2f}x, "
          f"parallel efficiency {efficiency:.0%}, cluster start-up included)")  # fmt: skip
    same = [p.runs for p in inline] == [p.runs for p in cluster]
    print(f"same numbers in both: {same}")


if __name__ == "__main__":
    main()
