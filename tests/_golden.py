"""Reference results of every example scenario and the benchmark workloads, at fixed seeds.

The engine's redesigns must not change one byte of a result. The reference files under
``tests/fixtures/golden/`` were written by this module from the commit before a redesign::

    python -m tests._golden --write          # (re)write the references: only on a known-good commit

and ``tests/test_golden_results.py`` compares every case's ``Result.to_json()`` with them, byte for
byte. A case names its deployment (a template, or a CDK app synthesized once into a temporary
cloud assembly), its scenario (a file, or a benchmark's scenario built here) and its seed.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REFERENCES = Path(__file__).resolve().parent / "fixtures" / "golden"


@dataclass(frozen=True)
class Case:
    """One deployment under one scenario, at one seed."""

    name: str
    deployment: str  # "app:<path to a CDK app module>" or a template path relative to the root
    scenario: Callable[[], Any]  # -> a path or a scenario mapping
    params: tuple[tuple[str, Any], ...] = ()
    seed: int | None = None

    @property
    def reference(self) -> Path:
        return REFERENCES / f"{self.name}.json.gz"


def _file(relative: str) -> Callable[[], Path]:
    return lambda: EXAMPLES / relative


def _benchmark(rate: float, events: int, error_rate: float) -> Callable[[], dict]:
    def make() -> dict:
        sys.path.insert(0, str(ROOT))
        from benchmarks.simulator import scenario

        return scenario(rate, events, error_rate)

    return make


def _day(hours: float) -> Callable[[], dict]:
    def make() -> dict:
        sys.path.insert(0, str(ROOT))
        from benchmarks.simulator import SLOW, endpoint_scenario

        return endpoint_scenario(100, f"{hours}h", SLOW)

    return make


CASES = (
    Case("app-black-friday", "app:app.py", _file("black-friday.yaml")),
    Case("app-region-failover", "app:app.py", _file("region-failover.yaml")),
    Case("app-benchmark-day-12h", "app:app.py", _day(12)),
    Case("bus-chain", "app:examples/bus-chain/app.py", _file("bus-chain/scenario.yaml")),
    Case("ci-shop-outage", "app:examples/ci/shop.py", _file("ci/outage.yaml")),
    Case("pipes", "examples/pipes/template.yaml", _file("pipes/scenario.yaml")),
    Case(
        "saturation-40",
        "examples/saturation/template.yaml",
        _file("saturation/scenario.yaml"),
        (("RateLimit", 40),),
    ),
    Case(
        "saturation-150",
        "examples/saturation/template.yaml",
        _file("saturation/scenario.yaml"),
        (("RateLimit", 150),),
    ),
    Case(
        "planning-webhook-outage",
        "examples/saturation/template.yaml",
        _file("planning/webhook-outage.yaml"),
        seed=11,
    ),
    Case("benchmark-steady-1e5", "webhook", _benchmark(50.0, 100_000, 0.05)),
    Case("benchmark-overload-1e5", "webhook", _benchmark(200.0, 100_000, 0.0)),
)


def _synthesize(module_path: Path, outdir: str) -> str:
    """A CDK app module's ``build_app`` (or, for a module with a stack class only, the class in
    an app) synthesized into ``outdir``."""
    spec = importlib.util.spec_from_file_location(f"golden_{module_path.stem}", module_path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(module_path.parent))
    spec.loader.exec_module(module)
    if hasattr(module, "build_app"):
        module.build_app(outdir).synth()
    else:
        import aws_cdk as cdk

        app = cdk.App(outdir=outdir)
        module.ShopStack(app, "Shop")
        app.synth()
    return outdir


class Deployments:
    """Loads each case's graph, synthesizing each CDK app once."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._assemblies: dict[str, str] = {}

    def graph(self, case: Case):
        from bridgetwin.graph import load_graph

        if case.deployment == "webhook":
            sys.path.insert(0, str(ROOT))
            from benchmarks.simulator import RATE_LIMIT
            from tests._templates import webhook_graph

            return webhook_graph(rate=int(RATE_LIMIT))
        if case.deployment.startswith("app:"):
            module = case.deployment.removeprefix("app:")
            if module not in self._assemblies:
                outdir = self._workdir / module.replace("/", "_")
                self._assemblies[module] = _synthesize(ROOT / module, str(outdir))
            return load_graph(self._assemblies[module])
        return load_graph(ROOT / case.deployment, dict(case.params) or None)


def result_json(case: Case, deployments: Deployments) -> str:
    from bridgetwin.simulator import load_scenario, simulate

    return simulate(
        deployments.graph(case), load_scenario(case.scenario()), seed=case.seed
    ).to_json()


def read_reference(case: Case) -> str:
    return gzip.decompress(case.reference.read_bytes()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the reference files")
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    args = parser.parse_args()
    chosen = [c for c in CASES if not args.cases or c.name in args.cases]
    with tempfile.TemporaryDirectory() as workdir:
        deployments = Deployments(Path(workdir))
        for case in chosen:
            text = result_json(case, deployments)
            if args.write:
                REFERENCES.mkdir(parents=True, exist_ok=True)
                case.reference.write_bytes(gzip.compress(text.encode(), mtime=0))
                print(f"wrote {case.reference.relative_to(ROOT)} ({len(text):,} bytes)")
            else:
                same = text == read_reference(case)
                print(f"{case.name}: {'identical' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
