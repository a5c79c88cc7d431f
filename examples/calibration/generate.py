"""Generates the example's "production metrics" (GENERATED DATA, not AWS recordings).

``recorded.json``: what CloudWatch would hold after the hour of ``truth.yaml``, written by
``bridgetwin simulate --metrics-out`` (the twin's own prediction of the AWS/Events metrics).
``changed.json``: the same morning, except that from 08:30 the partner answers twice as slowly
(median 240 ms, p99 1 s): the first half hour of a run of ``truth.yaml`` joined to the second
half hour of a run with the slower endpoint. No calibrated scenario models that change; the backtest
should point at it. Run from the repository root: ``python examples/calibration/generate.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).parent


def simulate(scenario: Path, out: Path) -> dict:
    subprocess.run(
        [sys.executable, "-m", "bridgetwin.cli", "simulate", str(HERE / "template.yaml"),
         "--scenario", str(scenario), "--metrics-out", str(out), "--format", "json"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return json.loads(out.read_text())


def main() -> None:
    recorded = simulate(HERE / "truth.yaml", HERE / "recorded.json")
    slower = yaml.safe_load((HERE / "truth.yaml").read_text())
    slower["endpoints"][0]["latency"] = {"distribution": "lognormal", "median": "240ms",
                                         "p99": "1s"}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "slower.yaml"
        spec.write_text(yaml.safe_dump(slower))
        late = simulate(spec, Path(folder) / "slower.json")
    halfway = "2026-11-27T08:30:00Z"
    joined = []
    for early, later in zip(recorded["MetricDataResults"], late["MetricDataResults"], strict=True):
        assert early["Label"] == later["Label"]
        points = [
            (t, v) for t, v in zip(early["Timestamps"], early["Values"], strict=True) if t < halfway
        ]
        points += [(t, v) for t, v in zip(later["Timestamps"], later["Values"], strict=True)
                   if t >= halfway]  # fmt: skip
        joined.append({**early, "Timestamps": [t for t, _ in points],
                       "Values": [v for _, v in points]})  # fmt: skip
    (HERE / "changed.json").write_text(json.dumps({"MetricDataResults": joined,
                                                   "Messages": []}) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
