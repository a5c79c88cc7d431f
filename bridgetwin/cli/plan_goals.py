"""``bridgetwin plan``: the values of one field (or, with two ``--vary``, the region of two:
:mod:`.plan_region`) where every goal holds with 95 % confidence
(:mod:`bridgetwin.planning.feasible_search`).

``--goal`` is repeatable (the goals are ANDed); the answer is the feasible set (intervals), a
value in it, and the evidence of every probe; when nothing is feasible, the closest points and
what each misses, with exit code 1. ``--sensitivity`` re-judges the answer at both ends of each
unconfirmed default's range.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bridgetwin.cli.common import (
    AppOption,
    ContextOption,
    ParamOption,
    PlotsOption,
    ReportOption,
    SourceArgument,
    StackOption,
    SynthTimeoutOption,
    check_outputs,
    console,
    fail,
    label,
    load_deployment,
    scenario_dict,
    write_pictures,
)
from bridgetwin.planning.metric_text import show_value, unit_of


def probe_progress(paths: list[str], seeds: int):
    """One stderr line per value (or pair) a plan judges, on a terminal (files and pipes:
    none)."""
    import sys

    if not sys.stderr.isatty():
        return None

    def show(probe) -> None:
        values = probe.value if isinstance(probe.value, tuple) else (probe.value,)
        at = ", ".join(f"{p}={v:g}" for p, v in zip(paths, values, strict=True))
        verdict = "every goal holds" if probe.holds else "fails"
        typer.echo(f"plan: {at}: {verdict} ({seeds} seeds)", err=True)

    return show


def spans(runs: list[tuple[float, float]]) -> str:
    """Intervals as ``a..b`` (a single value as itself), comma-separated."""
    return ", ".join(f"{a:g}" if a == b else f"{a:g}..{b:g}" for a, b in runs)


def _intervals(found) -> str:
    return spans(found.intervals)


def plan_command(
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    goal: Annotated[
        list[str],
        typer.Option("--goal", help="e.g. 'latency.start.p99 <= 60s'; repeatable (all must hold)."),
    ],
    vary: Annotated[
        list[str],
        typer.Option("--vary", help="PATH=LOW:HIGH: the field to search; twice for a region."),
    ],
    target: Annotated[str, typer.Option("--target", help="Glob on rule/target.")] = "*",
    seeds: Annotated[int, typer.Option("--seeds", min=2, max=10_000, help="Runs per probe.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The plan's seed.")] = 0,
    points: Annotated[
        list[int] | None,
        typer.Option(
            "--points",
            min=2,
            max=1_000,
            help="Grid values judged before refining, per field; give it twice for two fields' "
            "own. Default: - 9 for one field, 5 for each of two.",
        ),
    ] = None,
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
    report: ReportOption = None,
    plots: PlotsOption = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Check the answer against the twin's unconfirmed defaults (retry backoff, "
            "latencies, ...).",
        ),
    ] = False,
) -> None:
    """Find the values of a field (or the region of two) where every goal holds with 95 %
    confidence."""
    from bridgetwin.planning import PlanningError
    from bridgetwin.planning.feasible_search import plan
    from bridgetwin.planning.goal import Goal
    from bridgetwin.simulator import ScenarioError

    if len(vary) > 2:
        raise fail(f"--vary is given {len(vary)} times: plan searches one field or two")
    fields = [_field(text) for text in vary]
    if points and len(points) > len(fields):
        raise fail(f"--points is given {len(points)} times for {len(fields)} --vary field(s)")
    if sensitivity and len(fields) == 2:
        raise fail("--sensitivity re-judges one field's answer; give one --vary with it")
    try:
        goals = [Goal.parse(text) for text in goal]
    except PlanningError as exc:
        raise fail(f"error: {exc}") from None
    check_outputs(report=report, plots=plots)
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    spec = scenario_dict(scenario)
    if len(fields) == 2:
        _plan_region(graph, spec, fields, goals, target, seeds, seed, points,
                     (report, plots, label(source, stack)))  # fmt: skip
        return
    (field,) = fields
    path, low, high, integer = field.path, field.low, field.high, field.integer
    grid = points[0] if points else 9
    try:
        found = plan(graph, spec, vary=path, low=low, high=high, goals=goals, target=target,
                     runs=seeds, sweep_seed=seed, integer=integer, points=grid,
                     progress=probe_progress([path], seeds))  # fmt: skip
    except (PlanningError, ScenarioError, ValueError) as exc:
        raise fail(f"error: {exc}") from None
    evidence = print_evidence(found, [path], target, seeds)
    wanted = " and ".join(str(g) for g in found.goals)
    out = console()
    if found.answer is None:
        out.print(f"Nothing in {low:g}..{high:g} meets {wanted}. Closest:")
        for probe in found.closest:
            out.print(f"  {path} = {probe.value:g}: misses {_misses(probe)}")
        out.print(f"({found.note})")
    else:
        out.print(f"Feasible: {path} in {_intervals(found)} ({wanted})")
        out.print(f"Answer: {path} = {found.answer:g} ({found.direction} feasible value; "
                  f"{found.note})")  # fmt: skip
    hinges = []
    if sensitivity and found.answer is not None:
        hinges = _sensitivity(graph, spec, found, path, target, seeds, seed, integer)
    if report or plots:
        _plan_report(report, plots, label(source, stack), found, path, target=target,
                     hinges=hinges, evidence=evidence)  # fmt: skip
    if found.answer is None:
        raise typer.Exit(1)


def _plan_report(report, plots, source: str, found, path: str, *, target: str, hinges,
                 evidence) -> None:  # fmt: skip
    """The plan's report: the goals, the feasible set, the answer (or the closest misses) and
    what it hinges on first; a figure per goal's metric; the evidence table printed."""
    from bridgetwin.planning.html_report import ReportText
    from bridgetwin.planning.sweep_report import plan_rows, sweep_figures

    wanted = " and ".join(str(g) for g in found.goals)
    answer = ("none" if found.answer is None
              else f"{path} = {found.answer:g} ({found.direction} feasible value)")  # fmt: skip
    summary = [f"goals: {wanted} on {target}", f"feasible: {_intervals(found) or 'nowhere'}",
               f"answer: {answer}", *hinges, found.note]  # fmt: skip
    summary += [f"closest: {path} = {p.value:g} misses {_misses(p)}" for p in found.closest]
    rows = plan_rows(found, [path])
    write_pictures(report, plots, f"bridgetwin plan: {source}",
                   lambda: sweep_figures(rows, [path], found.goals, found.intervals),
                   ReportText(summary, appendix=[evidence]))  # fmt: skip


def _field(text: str):
    """``PATH=LOW:HIGH`` as a search field (whole numbers unless a bound has a fraction or a
    unit gives one), or exit 2 naming the option."""
    from bridgetwin.planning.feasible_region import Field
    from bridgetwin.simulator import parse_duration

    path, sep, bounds = text.partition("=")
    low_text, colon, high_text = bounds.partition(":")
    if not sep or not colon or not path:
        raise fail(f"--vary '{text}': use PATH=LOW:HIGH")
    try:
        low, high = float(parse_duration(low_text)), float(parse_duration(high_text))
    except ValueError as exc:
        raise fail(f"--vary '{text}': {exc}") from None
    integer = low.is_integer() and high.is_integer() and "." not in bounds
    return Field(path, low, high, integer)


def _pair(points: list[int] | None, default: int) -> tuple[int, int]:
    """Grid values per field: the default, one value for both, or each field's own."""
    if not points:
        return default, default
    return (points[0], points[-1])


def _plan_region(graph, spec, fields, goals, target, seeds, seed, points, outputs) -> None:
    from bridgetwin.cli.plan_region import report_region
    from bridgetwin.planning import PlanningError
    from bridgetwin.planning.feasible_region import DEFAULT_REGION_POINTS, plan_region
    from bridgetwin.simulator import ScenarioError

    report, plots, source = outputs
    paths = [f.path for f in fields]
    try:
        region = plan_region(graph, spec, fields=fields, goals=goals, target=target, runs=seeds,
                             sweep_seed=seed, points=_pair(points, DEFAULT_REGION_POINTS),
                             progress=probe_progress(paths, seeds))  # fmt: skip
    except (PlanningError, ScenarioError, ValueError) as exc:
        raise fail(f"error: {exc}") from None
    report_region(region, target=target, seeds=seeds, report=report, plots=plots,
                  title=f"bridgetwin plan: {source}")  # fmt: skip


def _misses(probe) -> str:
    """Each goal a probe misses, with its worst target's mean and interval."""
    parts = []
    for goal in probe.misses:
        failing = [e for e in probe.evidence if e["goal"] == goal and e["mean"] is not None]
        unit = unit_of(goal.split()[0])
        shown = [f"{e['target']} {show_value(e['mean'], unit)} [{show_value(e['ci_low'], unit)}, "
                 f"{show_value(e['ci_high'], unit)}]" for e in failing] or ["no data"]  # fmt: skip
        parts.append(f"{goal} ({'; '.join(shown)})")
    return ", ".join(parts)


def print_evidence(found, paths: list[str], target: str, seeds: int):
    """Print every probe of a plan (a value or a pair) with what each goal saw there; returns
    the table, which the report shows too."""
    from rich.table import Table

    from bridgetwin.planning.sweep_report import evidence_table

    evidence = evidence_table(found, paths)
    table = Table(title=f"Evidence on {target} ({seeds} seeds per probe)")
    for column in evidence.header:
        table.add_column(column)
    for row in evidence.rows:
        table.add_row(*row)
    console().print(table)
    return evidence


def _sensitivity(graph, spec, found, path, target, seeds, seed, integer) -> list[str]:
    """Re-judge the answer at both ends of each unconfirmed default; print and return what the
    answer hinges on."""
    from bridgetwin.planning.grid import with_value
    from bridgetwin.planning.sensitivity import hinges

    out = console()
    shown = int(found.answer) if integer else found.answer
    at_answer = with_value(spec, path, shown)
    checks = hinges(graph, at_answer, found.goals, target, runs=seeds, sweep_seed=seed)
    fragile = sorted({p for p, _, holds in checks if not holds})
    for assumption, value, holds in checks:
        out.print(f"  at the answer, {assumption} = {value}: {'holds' if holds else 'FAILS'}")
    verdict = (
        "The answer hinges on " + ", ".join(fragile)
        if fragile
        else "The answer holds across the plausible range of every unconfirmed default."
    )
    out.print(verdict)
    return [verdict]
