"""The fuzz layer for the planning commands' command lines: ``sweep``, ``plan``, ``sensitivity``,
``diff`` and ``--stack`` sources, each given generated arguments, valid and corrupted (ranges,
seeds, goals, metrics, targets, paths, git references, stack settings).

Every command line must end with exit 0, 1 (a failed goal or check) or 2 (the user's error, on
one line), never 3 (an internal error), a traceback or a hang (the harness limit of
:mod:`tests.test_fuzz`). The runs are small (a minute of traffic) and fewer than the other
fuzz cases (``BRIDGETWIN_FUZZ_EXAMPLES`` / 8 per command), each one being a whole command.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgetwin.cli import main
from bridgetwin.simulator.scenario import SLO_METRICS
from tests.test_fuzz import EXAMPLES, FUZZ, time_limit

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "examples/saturation/template.yaml"
LIMITS = ("examples/saturation/limit-40.yaml", "examples/saturation/limit-150.yaml")
CLI = settings(FUZZ, max_examples=max(EXAMPLES // 8, 10))
SCENARIO = {
    "duration": "1m", "seed": 1,
    "traffic": [{"bus": "orders", "rate": 2, "events": [{"event": {
        "source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 1}}}]}],
    "overrides": {"api_destinations": {"PartnerWebhook": {"rate_limit": 5}}},
}  # fmt: skip
RATE = "overrides.api_destinations.PartnerWebhook.rate_limit"

ANY = st.text(max_size=12)
VARY = st.one_of(
    st.sampled_from([f"{RATE}=2:6:2", f"{RATE}=1,3", "traffic.0.rate=1:3", f"{RATE}=10:1:-1",
                     f"{RATE}=nan:1:1", f"{RATE}=a:b:c", f"{RATE}=", "=3", "traffic.9.rate=1,2",
                     "duration=1m,2m", f"{RATE}=1e308:1e309:1", "traffic.0.rate=0:0"]),
    st.builds(lambda p, v: f"{p}={v}", st.sampled_from([RATE, "traffic.0.rate", "seed"]), ANY),
)  # fmt: skip
GOAL = st.one_of(
    st.sampled_from(["latency.start.p99 <= 60s", "counts.dlq <= 0", "counts.dlq <= nan",
                     "latency.start.p99 <= 5 parsecs", "cost.monthly_usd <= 1", "x", "",
                     "counts.delivered >= 1e400", "counts.invocations <= 10"]),
    ANY,
)  # fmt: skip
NUMBER = st.one_of(st.integers(-3, 4).map(str), ANY)
METRIC = st.one_of(st.sampled_from([*SLO_METRICS, "cost.monthly_usd", "bogus"]), ANY)
TARGET = st.one_of(st.sampled_from(["ToPartner/*", "*", "Nope", "[", "(deployment)"]), ANY)


def _options(draw, name: str, values, *, most: int = 2) -> list[str]:
    return [x for v in draw(st.lists(values, max_size=most)) for x in (name, v)]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Iterator[str]:
    """The small scenario, written once; the commands run from the repository's root (their
    paths and git references are relative to it)."""
    path = tmp_path_factory.mktemp("cli") / "scenario.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    before = os.getcwd()
    os.chdir(ROOT)
    yield str(path)
    os.chdir(before)


def _invoke(args: list[str]) -> tuple[int, str]:
    """Run the real entry point (``bridgetwin.cli.main``: the exit codes a user sees) and return
    its exit code and everything it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main(args)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (1 if exit_.code else 0)
    return code, out.getvalue()


def _ends_cleanly(args: list[str]) -> None:
    with time_limit():
        code, output = _invoke(args)
    shown = f"bridgetwin {' '.join(args)}\n{output}"
    assert code in (0, 1, 2), shown
    assert "Traceback" not in output, shown


@st.composite
def sweep_lines(draw, scenario: str) -> list[str]:
    args = ["sweep", TEMPLATE, "--scenario", scenario, "--scheduler", "inline"]
    args += _options(draw, "--vary", VARY) + _options(draw, "--seeds", NUMBER, most=1)
    args += _options(draw, "--metric", METRIC) + _options(draw, "--target", TARGET, most=1)
    args += _options(draw, "--format", st.sampled_from(["table", "json", "csv", "xml"]), most=1)
    return args


@st.composite
def plan_lines(draw, scenario: str) -> list[str]:
    args = ["plan", TEMPLATE, "--scenario", scenario, "--scheduler", "inline"]
    args += _options(draw, "--vary", VARY) + _options(draw, "--goal", GOAL, most=3)
    args += _options(draw, "--seeds", NUMBER, most=1) + _options(draw, "--points", NUMBER, most=1)
    args += _options(draw, "--target", TARGET, most=1)
    return args


@st.composite
def other_lines(draw, scenario: str) -> list[str]:
    source = st.sampled_from([TEMPLATE, *LIMITS, "missing.yaml", f"HEAD:{TEMPLATE}",
                              "no-such-ref:x.yaml", "HEAD:missing.yaml", ""])  # fmt: skip
    kind = draw(st.sampled_from(["sensitivity", "diff", "stack"]))
    if kind == "sensitivity":
        seeds, metrics = (
            _options(draw, "--seeds", NUMBER, most=1),
            _options(draw, "--metric", METRIC),
        )
        return ["sensitivity", TEMPLATE, "--scenario", scenario, *seeds, *metrics]
    if kind == "diff":
        seeds = _options(draw, "--seeds", NUMBER, most=1)
        checks = _options(draw, "--fail-on", st.one_of(GOAL, st.just("counts.dlq > 0")))
        return ["diff", draw(source), draw(source), "--scenario", scenario, *seeds, *checks]
    settings_ = st.sampled_from(["region=eu-west-1", "region=mars-north-9", "account=12",
                                 "account=111122223333", "name=a", "param.RateLimit=40",
                                 "param.RateLimit=", "bogus=1", "region", "=x"])  # fmt: skip
    stacks = [
        " ".join([draw(source), *draw(st.lists(settings_, max_size=3))])
        for _ in range(draw(st.integers(1, 2)))
    ]
    return ["graph", *[x for s in stacks for x in ("--stack", s)]]


@given(data=st.data())
@CLI
def test_sweep_command_lines_end_cleanly(data, scenario_file):
    _ends_cleanly(data.draw(sweep_lines(scenario_file)))


@given(data=st.data())
@CLI
def test_plan_command_lines_end_cleanly(data, scenario_file):
    _ends_cleanly(data.draw(plan_lines(scenario_file)))


@given(data=st.data())
@CLI
def test_sensitivity_diff_and_stack_command_lines_end_cleanly(data, scenario_file):
    _ends_cleanly(data.draw(other_lines(scenario_file)))


def test_sensitivity_names_an_unknown_metric(scenario_file):
    """Found by this layer: ``--metric ''`` was a KeyError (exit 1, a traceback)."""
    code, output = _invoke(["sensitivity", TEMPLATE, "--scenario", scenario_file, "--metric", ""])
    assert code == 2
    assert "--metric: '' unknown; known: latency.start.p50" in output


def test_a_scheduler_that_cannot_be_reached_is_the_users_error(scenario_file):
    """It was an internal error (exit 3): Dask's ValueError for a malformed address, or its
    OSError after trying to connect."""
    code, output = _invoke(["sweep", TEMPLATE, "--scenario", scenario_file,
                            "--vary", f"{RATE}=2,4", "--scheduler", "not a url"])  # fmt: skip
    assert code == 2
    assert "--scheduler not a url: cannot connect to a Dask scheduler there" in output
