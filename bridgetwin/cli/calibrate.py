"""``bridgetwin calibrate`` and ``bridgetwin backtest``: the twin meets production metrics
(:mod:`bridgetwin.calibration`).

Both read the deployment's CloudWatch metrics from files (``--metrics``: what ``aws cloudwatch
get-metric-data`` prints, or CSV; ``--queries`` when the results' labels do not name their
metrics) or from CloudWatch itself (``--from-cloudwatch --start T --end T``, boto3's credentials,
``--region``, ``--endpoint-url``). ``calibrate`` writes the scenario the metrics tell
(``--out``, else standard output; ``--schema`` files shape its events) and lists on standard
error what it could not calibrate;
``--write-queries FILE`` writes the queries to export instead. ``backtest`` simulates the
recorded period over ``--seeds`` and prints, per metric, how the prediction compares; exit 1
with ``--check`` when a metric diverges.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from bridgetwin.cli.common import (
    AppOption,
    ContextOption,
    FormatOption,
    ParamOption,
    PlotsOption,
    ReportOption,
    SourceArgument,
    StackOption,
    SynthTimeoutOption,
    _pairs,
    check_outputs,
    fail,
    load_deployment,
    scenario_dict,
    write_pictures,
)

MetricsOption = Annotated[
    list[str] | None,
    typer.Option("--metrics", help="A get-metric-data JSON output or a CSV file, repeatable."),
]
QueriesOption = Annotated[
    str | None,
    typer.Option("--queries", help="The --metric-data-queries file the export was made with."),
]
FromCloudWatchOption = Annotated[
    bool, typer.Option("--from-cloudwatch", help="Fetch the metrics with boto3 instead.")
]
StartOption = Annotated[
    str | None, typer.Option("--start", help="With --from-cloudwatch: ISO 8601 start (UTC).")
]
EndOption = Annotated[
    str | None, typer.Option("--end", help="With --from-cloudwatch: ISO 8601 end (UTC).")
]
PeriodOption = Annotated[
    int, typer.Option("--period", min=60, help="Seconds per datapoint (a multiple of 60).")
]
RegionOption = Annotated[str | None, typer.Option("--region", help="CloudWatch's Region.")]
EndpointUrlOption = Annotated[
    str | None, typer.Option("--endpoint-url", help="CloudWatch API endpoint (an emulator).")
]
NameOption = Annotated[
    list[str] | None,
    typer.Option("--name", help="LOGICAL_ID=NAME: the rule's name in the metrics, repeatable."),
]


def _time(value: str | None, option: str) -> datetime:
    if value is None:
        raise fail(
            f"error: {option} is needed with --from-cloudwatch (ISO 8601, e.g. "
            "2026-11-27T08:00:00Z)"
        )
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"error: {option} '{value}' is not an ISO 8601 time") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _recording(graph, metrics, queries, cloud, names) -> Any:
    """The recording from files or from CloudWatch (``cloud``: from, start, end, period,
    region, endpoint url)."""
    from bridgetwin.calibration import read_metrics

    from_cloudwatch, start, end, period, region, endpoint_url = cloud
    if bool(metrics) == from_cloudwatch:
        raise fail("error: give --metrics FILE (repeatable) or --from-cloudwatch, one of them")
    if from_cloudwatch:
        import boto3
        from botocore.exceptions import BotoCoreError

        from bridgetwin.calibration.cloudwatch_fetch import fetch

        first, last = _time(start, "--start"), _time(end, "--end")
        try:
            client = boto3.client("cloudwatch", region_name=region, endpoint_url=endpoint_url)
        except (BotoCoreError, ValueError) as exc:
            raise fail(f"error: CloudWatch: {exc} (--region, or AWS_DEFAULT_REGION)") from None
        typer.echo("fetching metrics from CloudWatch ...", err=True)
        return fetch(client, graph, first, last, period=period, names=names)
    query_data = None
    if queries:
        try:
            query_data = json.loads(Path(queries).read_text())
        except (OSError, ValueError) as exc:
            raise fail(f"error: --queries {queries}: {exc}") from None
    return read_metrics([Path(m) for m in metrics], query_data)


def calibrate_command(
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    metrics: MetricsOption = None,
    queries: QueriesOption = None,
    from_cloudwatch: FromCloudWatchOption = False,
    start: StartOption = None,
    end: EndOption = None,
    period: PeriodOption = 60,
    region: RegionOption = None,
    endpoint_url: EndpointUrlOption = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Start from this scenario (kept values).")
    ] = None,
    name: NameOption = None,
    schema: Annotated[
        list[str] | None,
        typer.Option("--schema", help="A JSON Schema or OpenAPI 3 event schema, repeatable."),
    ] = None,
    outage_threshold: Annotated[
        float,
        typer.Option(
            "--outage-threshold",
            min=0.5,
            max=1.0,
            help="Failed share of attempts that makes a period an outage.",
        ),
    ] = 0.9,
    out: Annotated[str | None, typer.Option("--out", help="Write the scenario here.")] = None,
    write_queries: Annotated[
        str | None,
        typer.Option("--write-queries", help="Write the get-metric-data queries here, and stop."),
    ] = None,
    context: ContextOption = None,
    app_command: AppOption = None,
    synth_timeout: SynthTimeoutOption = 600.0,
) -> None:
    """Write the scenario the deployment's CloudWatch metrics tell (traffic, failures, outages)."""
    from bridgetwin.calibration import CalibrationError, calibrate
    from bridgetwin.calibration.scenario_yaml import scenario_yaml
    from bridgetwin.calibration.schema_events import event_from_schema, read_schema_file
    from bridgetwin.cli.output import OutputError, write_atomically

    check_outputs(files=("out", "write_queries"), out=out, write_queries=write_queries)
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    names = _pairs(name, "--name")
    try:
        if write_queries:
            from bridgetwin.calibration import deployment_keys, metric_data_queries, rule_metrics
            from bridgetwin.calibration.function_fit import function_metrics

            keys = deployment_keys(rule_metrics(graph, names), function_metrics(graph, names))
            text = json.dumps(metric_data_queries(keys, period), indent=1) + "\n"
            write_atomically(write_queries, text)
            typer.echo(
                f"{len(keys)} queries: {write_queries} (aws cloudwatch get-metric-data "
                f"--metric-data-queries file://{write_queries} --start-time ... "
                "--end-time ... > metrics.json)",
                err=True,
            )
            return
        base = scenario_dict(scenario) if scenario else None
        recording = _recording(
            graph,
            metrics,
            queries,
            (from_cloudwatch, start, end, period, region, endpoint_url),
            names,
        )
        shapes = [(Path(f).stem, event_from_schema(read_schema_file(Path(f)), Path(f).stem))
                  for f in schema or ()]  # fmt: skip
        result = calibrate(graph, recording, base, names=names,
                           outage_threshold=outage_threshold, schemas=shapes)  # fmt: skip
        label = "CloudWatch" if from_cloudwatch else ", ".join(metrics or [])
        text = scenario_yaml(result, label)
        if out:
            write_atomically(out, text)
        else:
            typer.echo(text, nl=False)
    except (CalibrationError, OutputError) as exc:
        raise fail(f"error: {exc}") from None
    traffic = result.scenario.get("traffic", [])
    typer.echo(
        f"calibrated {recording.periods} periods of {recording.period} s from "
        f"{recording.start:%Y-%m-%d %H:%M} UTC: {len(traffic)} traffic entries, "
        f"{len(result.provenance)} calibrated fields" + (f"; scenario: {out}" if out else ""),
        err=True,
    )
    for line in result.notes:
        typer.echo(f"note: {line}", err=True)
    for line in result.kept:
        typer.echo(f"not calibrated: {line}", err=True)


def backtest_command(
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    scenario: Annotated[
        str, typer.Option("--scenario", help="The scenario to test (e.g. calibrate's).")
    ] = "",
    metrics: MetricsOption = None,
    queries: QueriesOption = None,
    from_cloudwatch: FromCloudWatchOption = False,
    start: StartOption = None,
    end: EndOption = None,
    period: PeriodOption = 60,
    region: RegionOption = None,
    endpoint_url: EndpointUrlOption = None,
    name: NameOption = None,
    seeds: Annotated[int, typer.Option("--seeds", min=2, max=1000, help="Runs compared.")] = 5,
    min_coverage: Annotated[
        float,
        typer.Option(
            "--min-coverage",
            min=0.0,
            max=1.0,
            help="Share of periods in the band for a metric to fit.",
        ),
    ] = 0.95,
    max_bias: Annotated[
        float, typer.Option("--max-bias", min=0.0, help="Largest relative error of the total.")
    ] = 0.10,
    output_format: FormatOption = "text",
    report: ReportOption = None,
    plots: PlotsOption = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when a metric diverges.")] = False,
    context: ContextOption = None,
    app_command: AppOption = None,
    synth_timeout: SynthTimeoutOption = 600.0,
) -> None:
    """Simulate the recorded period and compare, metric by metric, with what was recorded."""
    from bridgetwin.calibration import CalibrationError, backtest, rule_metrics
    from bridgetwin.calibration import backtest_report as render
    from bridgetwin.planning.html_report import ReportText
    from bridgetwin.simulator import ScenarioError, load_scenario

    if not scenario:
        raise fail("error: --scenario is needed (the scenario to test, e.g. calibrate's output)")
    check_outputs(report=report, plots=plots)
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    names = _pairs(name, "--name")
    spec = scenario_dict(scenario)
    try:
        model = load_scenario(spec)
        recording = _recording(
            graph,
            metrics,
            queries,
            (from_cloudwatch, start, end, period, region, endpoint_url),
            names,
        )
        rules = rule_metrics(graph, names, recording.dimension_values("AWS/Events", "RuleName"))

        def progress(done: int, total: int) -> None:
            typer.echo(f"  seed {done + 1}/{total}", err=True)

        result = backtest(
            graph,
            model,
            recording,
            rules,
            seeds=seeds,
            min_coverage=min_coverage,
            max_bias=max_bias,
            progress=progress,
        )
    except (CalibrationError, ScenarioError, ValueError) as exc:
        raise fail(f"error: {exc}") from None
    if output_format == "json":
        typer.echo(json.dumps(render.as_json(result), indent=2))
    else:
        typer.echo(render.text(result), nl=False)
    write_pictures(
        report,
        plots,
        f"Backtest: {scenario}",
        lambda: render.figures(result),
        ReportText(render.summary(result)),
    )
    if check and result.diverging:
        raise typer.Exit(1)
