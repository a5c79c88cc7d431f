"""The pytest plugin (entry point ``pytest11: bridgetwin``): fixtures and failure artefacts.

- ``twin`` fixture: :func:`bridgetwin.testing.twin` with a session cache, so a stack, app or
  assembly is synthesized and loaded once per test session however many tests use it.
- ``--bridgetwin-results DIR``: when a test fails, the result of every run it simulated is
  written to ``DIR/<test id>/run-<n>.json`` with its text report (``.txt``) and its HTML report
  with plots (``.html``, :mod:`bridgetwin.planning.html_report`) beside it, to read or attach to the
  CI job.

Loading the plugin imports nothing heavy: pytest loads it in every session of a project that
has bridgetwin installed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_RUNS = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bridgetwin")
    group.addoption(
        "--bridgetwin-results",
        metavar="DIR",
        default=None,
        help="write the results of a failing test's twin runs here (JSON and text)",
    )


@pytest.fixture(scope="session")
def _bridgetwin_cache() -> dict:
    return {}


@pytest.fixture
def twin(request: pytest.FixtureRequest, _bridgetwin_cache: dict) -> Iterator[Callable[..., Any]]:
    """``twin(source, parameters=None)``: a twin whose runs this test's report can keep."""
    from bridgetwin.testing._twin import Twin
    from bridgetwin.testing._twin import twin as build

    runs: list = []
    request.node.stash[_RUNS] = runs

    class RecordingTwin(Twin):
        def simulate(self, scenario, **kwargs):
            run = super().simulate(scenario, **kwargs)
            runs.append(run)
            return run

    def make(source: Any, parameters: Any = None) -> Twin:
        built = build(source, parameters, cache=_bridgetwin_cache)
        return RecordingTwin(built.graph, built.construct_paths)

    yield make


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    directory = item.config.getoption("--bridgetwin-results")
    runs = item.stash.get(_RUNS, None)
    if directory and runs and report.when == "call" and report.failed:
        _write_runs(Path(directory) / re.sub(r"[^\w.-]+", "_", item.nodeid), runs)
    return report


def _write_runs(directory: Path, runs: list) -> None:
    import io

    from rich.console import Console

    from bridgetwin.planning.html_report import write_report
    from bridgetwin.planning.run_report import run_figures, run_text
    from bridgetwin.simulator.results.text_report import render

    directory.mkdir(parents=True, exist_ok=True)
    for number, run in enumerate(runs, 1):
        (directory / f"run-{number}.json").write_text(run.result.to_json(), encoding="utf-8")
        console = Console(file=io.StringIO(), width=120, color_system=None)
        console.print(render(run.result))
        (directory / f"run-{number}.txt").write_text(console.file.getvalue(), encoding="utf-8")
        write_report(directory / f"run-{number}.html", f"bridgetwin: run {number} of a failing "
                     "test", run_figures(run.result), run_text(run.result))  # fmt: skip
