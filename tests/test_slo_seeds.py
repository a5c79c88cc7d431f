"""``slo[].seeds``: an objective judged over several seeds holds only if it holds on each, and
every surface (``simulate --check``, ``assert_slo``, the JSON result) gives that one verdict.
The reference is computed here: each seed run on its own (seeds derived with numpy's
``SeedSequence``, as documented) and its DLQ count compared with the bound by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from bridgetwin.testing import SloAssertionError, assert_slo, twin
from tests._templates import scenario, webhook_template

TEMPLATE = webhook_template(retries=0)
"""No retries, a DLQ: every 503 is one DLQ message."""


def spec(bound: float | None = None, seeds: int = 5) -> dict:
    slo = [] if bound is None else [{"metric": "counts.dlq", "max": bound, "seeds": seeds}]
    return scenario("2m", 1, drain="1m", slo=slo,
                    endpoints=[{"match": "*", "latency": 0, "responses": {200: 1, 503: 1}}])  # fmt: skip


@pytest.fixture(scope="module")
def per_seed() -> list[int]:
    """The DLQ count of each of the five runs, each simulated on its own."""
    first = load_scenario(spec()).seed
    derived = np.random.SeedSequence(first).generate_state(4, dtype=np.uint32)
    graph = load_graph(TEMPLATE)
    return [simulate(graph, load_scenario(spec()), seed=int(s)).target("Rule").counts["dlq"]
            for s in [first, *derived]]  # fmt: skip


def test_an_objective_over_seeds_holds_only_if_every_seed_holds(per_seed, tmp_path):
    bound = sorted(per_seed)[2]  # the median: some seeds above it, some not
    held = sum(count <= bound for count in per_seed)
    assert 0 < held < 5, per_seed
    run = twin(TEMPLATE).simulate(spec(bound))
    assert len(run.results) == 5  # the objective asked for five runs
    (verdict,) = run.result.slo
    assert not verdict.passed and verdict.note.startswith(f"{held}/5 seeds held")
    assert verdict.value == pytest.approx(np.mean(per_seed))
    with pytest.raises(SloAssertionError, match=f"{held}/5 seeds held"):
        assert_slo(run)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(spec(bound)))
    (tmp_path / "t.json").write_text(json.dumps(TEMPLATE))
    out = CliRunner().invoke(app, ["simulate", str(tmp_path / "t.json"), "--scenario",
                                   str(path), "--check", "--format", "json"])  # fmt: skip
    assert out.exit_code == 1, out.output
    (cli_verdict,) = json.loads(out.stdout)["slo"]
    assert cli_verdict["passed"] is False and cli_verdict["note"] == verdict.note


def test_the_same_objective_passes_when_every_seed_does(per_seed):
    run = twin(TEMPLATE).simulate(spec(max(per_seed)))
    (verdict,) = run.result.slo
    assert verdict.passed and verdict.note.startswith("5/5 seeds held")
    assert_slo(run)


def test_one_seed_judges_one_run(per_seed):
    run = twin(TEMPLATE).simulate(spec(per_seed[0], seeds=1))
    (verdict,) = run.result.slo
    assert verdict.passed and verdict.value == per_seed[0] and verdict.note == ""
    assert run.more == ()
