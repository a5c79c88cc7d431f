"""Simulated events per wall-second on the default settings, beside a naive SimPy model.

Workloads (one API destination, R = 100/s, burst 1, the scenario defaults: the engine's own
steps, 20 ms processing, EventBridge's retry backoff; endpoint latency lognormal, median 50 ms,
p99 500 ms):
- steady: Poisson 50 ev/s, 5 % of attempts answer 500 and are retried;
- overload: Poisson 200 ev/s (2x the rate limit), all 200s: the backlog grows without bound.
Each at 1e5, 1e6 and 1e7 events (the naive model, one SimPy process per event, up to
``--naive-max``); per-event cost 1e7 vs 1e5; peak traced memory (tracemalloc) from one traced
run. Times are the best of ``--repeat`` runs (as timeit does: noise only ever adds time), for the
twin and the naive model alike, so their ratio compares like with like.

Then larger users' runs through the bundled app's global endpoint (app.py, synthesized into a
temporary cloud assembly), each in a fresh process: a day at 100 events/s with a one-hour
slowdown of us-east-1 (failover and failback), the same day with an hour of 50 % PutEvents errors
instead, a day at 1,000 events/s and an hour at 10,000 events/s: wall time, deliveries per second
beside a bare SimPy timeout loop measured in the same run, and the process's peak RSS.

    python benchmarks/simulator.py [--sizes 100000 1000000 10000000] [--naive-max 1000000]
                                   [--repeat 3] [--skip-day]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridgetwin.simulator import load_scenario, simulate
from tests._templates import EVENT, webhook_graph

ROOT = Path(__file__).resolve().parent.parent
RATE_LIMIT = 100.0


MEDIAN, P99, PROCESSING = 0.05, 0.5, 0.02
SIGMA = math.log(P99 / MEDIAN) / 2.3263478740408408  # the 99th percentile of N(0, 1)


def scenario(rate: float, events: int, error_rate: float) -> dict:
    responses = {200: 1 - error_rate, 500: error_rate} if error_rate else {200: 1}
    latency = {"distribution": "lognormal", "median": MEDIAN, "p99": P99}
    return {
        "duration": events / rate,
        "seed": 1,
        "traffic": [{"bus": "orders", "rate": rate, "events": [{"event": EVENT}]}],
        "api_destinations": [{"match": "*", "burst": 1}],
        "endpoints": [{"match": "*", "latency": latency, "responses": responses}],
    }


def naive(rate: float, events: int, error_rate: float) -> int:
    """The same path with one SimPy process per event and a timeout per wait."""
    env, rng = simpy.Environment(), random.Random(1)
    horizon = events / rate
    bucket = {"next": 0.0}
    delivered = [0]

    def event(env: simpy.Environment, arrival: float):
        yield env.timeout(arrival + PROCESSING)
        retry = 0
        while True:
            start = max(env.now, bucket["next"])
            bucket["next"] = start + 1 / RATE_LIMIT
            latency = min(5.0, rng.lognormvariate(math.log(MEDIAN), SIGMA))
            yield env.timeout(start - env.now + latency)
            if rng.random() >= error_rate:
                delivered[0] += 1
                return
            yield env.timeout(rng.random() * min(300.0, 2.0**retry))
            retry += 1

    t = 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= horizon:
            break
        env.process(event(env, t))
    env.run(until=horizon)
    return delivered[0]


def measure(fn, repeat: int) -> tuple[float, object]:
    """The best wall time of ``repeat`` calls, and the last call's value."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


RUN = """
import json, re, sys, time
from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
graph = load_graph(sys.argv[1])
spec = load_scenario(json.loads(sys.argv[2]))
start = time.perf_counter()
result = simulate(graph, spec)
wall = time.perf_counter() - start
delivered = sum(t.counts["delivered"] for t in result.targets)
# VmHWM is this process's own peak (ru_maxrss would include the parent's, kept across exec)
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
feeds = [f for r in result.regions for f in r["feeds"] if f["kind"] == "put"]
print(json.dumps({"wall": wall, "rss_mb": peak / 1024, "delivered": delivered,
                  "rto": result.failover[0]["rto_s"],
                  "rejected": sum(f["error_calls"] for f in feeds)}))
"""


def endpoint_scenario(rate: float, duration: str, disruption: dict) -> dict:
    """The bundled app's payments producer through the global endpoint (batches of 5, spooled,
    5 SDK retries), with one disruption of us-east-1."""
    return {
        "duration": duration,
        "seed": 11,
        "traffic": [{
            "bus": "payments", "via_endpoint": True, "rate": rate, "batch": 5, "spool": True,
            "retry": {"attempts": 5, "base": "100ms", "cap": "20s"},
            "events": [{"event": {"source": "acme.payments", "detail-type": "PaymentAccepted",
                                  "detail": {"amount": 42}}}],
        }],
        "regions": {"us-east-1": {"disruptions": [disruption]}},
    }  # fmt: skip


SLOW = {"start": "10h", "end": "11h", "ingestion_latency": "45s"}
ERRORS = {"start": "10h", "end": "11h", "put_events_errors": 0.5}
LARGE = (
    ("day, 100/s, 1 h slow", endpoint_scenario(100, "24h", SLOW)),
    ("day, 100/s, 1 h 50 % errors", endpoint_scenario(100, "24h", ERRORS)),
    ("day, 1,000/s, 1 h slow", endpoint_scenario(1000, "24h", SLOW)),
    ("hour, 10,000/s, 20 min slow", endpoint_scenario(
        10_000, "1h", {"start": "20m", "end": "40m", "ingestion_latency": "45s"})),
)  # fmt: skip
"""Larger users' runs through the global endpoint: a 45 s ingestion slowdown of us-east-1 makes
the endpoint fail over and back; 50 % PutEvents errors make producers retry for an hour."""


def bare_simpy_rate(count: int = 1_000_000) -> float:
    """Timeouts per wall-second of a SimPy process that does nothing else: the floor any
    SimPy model pays per event, measured in this run."""
    env = simpy.Environment()

    def loop(env: simpy.Environment):
        for _ in range(count):
            yield env.timeout(0.001)

    env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return count / (time.perf_counter() - start)


def large_runs() -> None:
    """The bundled app, synthesized into a temporary assembly; each run in a fresh process
    (wall time of the simulation, peak RSS of the process)."""
    import app as example_app

    bare = bare_simpy_rate()
    print(f"\nbare SimPy timeout loop: {bare:,.0f} timeouts/s")
    print(f"{'run':<30} {'wall s':>7} {'deliveries':>13} {'deliveries/s':>13} "
          f"{'x bare':>7} {'peak RSS MB':>12} {'rejected':>9} {'RTO s':>6}")  # fmt: skip
    walls = {}
    with tempfile.TemporaryDirectory() as outdir:
        example_app.build_app(outdir).synth()
        for name, spec in LARGE:
            out = subprocess.run(
                [sys.executable, "-c", RUN, outdir, json.dumps(spec)],
                check=True, capture_output=True, text=True, cwd=ROOT,
            )  # fmt: skip
            f = json.loads(out.stdout)
            walls[name] = f["wall"]
            rate = f["delivered"] / f["wall"]
            print(f"{name:<30} {f['wall']:>7.1f} {f['delivered']:>13,} {rate:>13,.0f} "
                  f"{rate / bare:>6.1f}x {f['rss_mb']:>12.0f} {f['rejected']:>9,} "
                  f"{f['rto'] if f['rto'] is not None else '-':>6}")  # fmt: skip
    errors, slow = walls[LARGE[1][0]], walls[LARGE[0][0]]
    print(f"the errors day took {errors / slow:.2f}x the wall time of the slow day")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--naive-max", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-day", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    graph = webhook_graph(rate=int(RATE_LIMIT))
    print(
        f"{'workload':<10} {'events':>10} {'twin ev/s':>11} {'naive ev/s':>11} {'ratio':>7} "
        f"{'us/event':>9} {'peak MB':>8} {'backlog':>10}"
    )
    for name, rate, error_rate in (("steady", 50.0, 0.05), ("overload", 200.0, 0.0)):
        per_event = {}
        for size in args.sizes:
            spec = load_scenario(scenario(rate, size, error_rate))
            tracemalloc.start()
            simulate(graph, spec)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            wall, result = measure(lambda spec=spec: simulate(graph, spec), args.repeat)
            counts = result.target("Rule").counts  # type: ignore[attr-defined]
            ingested = counts["ingested"]
            per_event[size] = wall / ingested
            naive_rate = "-"
            ratio = "-"
            if size <= args.naive_max:
                naive_wall, _ = measure(
                    lambda r=rate, s=size, e=error_rate: naive(r, s, e), args.repeat
                )
                naive_rate = f"{ingested / naive_wall:,.0f}"
                ratio = f"{naive_wall / wall:.1f}x"
            print(
                f"{name:<10} {ingested:>10,} {ingested / wall:>11,.0f} {naive_rate:>11} "
                f"{ratio:>7} {wall / ingested * 1e6:>9.2f} {peak:>8.1f} {counts['in_flight']:>10,}"
            )
        low, high = min(per_event), max(per_event)
        if high > low:
            print(f"{name:<10} per-event cost at {high:,} vs {low:,} events: "
                  f"{per_event[high] / per_event[low]:.2f}x")  # fmt: skip
    if not args.skip_day:
        large_runs()


if __name__ == "__main__":
    main()
