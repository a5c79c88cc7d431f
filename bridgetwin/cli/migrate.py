"""``bridgetwin migrate SOURCE``: a Classic deployment moved to the Custom Event Bus
(:mod:`bridgetwin.migration`).

Prints what did not move or changes meaning (``--format text``, ``json`` or ``sarif``). With
``--out DIR`` it writes the migrated templates and a deployment manifest that loads them
(``DIR/deployment.yaml``), the same resources as Python with bridgetwin's constructs for a CDK app
(``DIR/<stack>_subscribers.py``), the same for the variant that relies on AWS's defaults
(``DIR/aws-defaults/``), and the findings as ``findings.txt``, ``.json`` and ``.sarif``. With
``--scenario S`` it runs both behaviour diffs against the Classic deployment (``--seeds`` paired
runs) and prints them (also ``DIR/comparison.json`` and ``DIR/comparison.md``).
Exit 1 with ``--strict`` when something was not migrated.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from bridgetwin.cli.common import (
    AppOption,
    ContextOption,
    ParamOption,
    SourceArgument,
    StackOption,
    SynthTimeoutOption,
    check_lint_format,
    check_outputs,
    deployment_sources,
    fail,
    graph_of,
    scenario_dict,
)


def _manifest(stacks: Any) -> str:
    import yaml

    entries = []
    for stack in stacks:
        entry: dict[str, Any] = {"template": f"{stack.name}.template.json", "name": stack.name}
        entry |= {k: getattr(stack, k) for k in ("region", "account") if getattr(stack, k)}
        if stack.parameters:
            entry["parameters"] = dict(stack.parameters)
        entries.append(entry)
    return yaml.safe_dump({"stacks": entries}, sort_keys=False)


def _write(out: Path, migration: Any, findings: dict[str, str]) -> None:
    from bridgetwin.cli.output import prepare_directory, write_atomically

    for folder, stacks in ((out, migration.faithful), (out / "aws-defaults",
                                                        migration.aws_defaults)):  # fmt: skip
        prepare_directory(folder)
        for stack in stacks:
            text = json.dumps(stack.template, indent=1) + "\n"
            write_atomically(folder / f"{stack.name}.template.json", text)
        write_atomically(folder / "deployment.yaml", _manifest(stacks))
    for suffix, text in findings.items():
        write_atomically(out / f"findings.{suffix}", text)
    from bridgetwin.migration import snippet

    for stack in migration.faithful:
        code = snippet(stack.name, stack.template)
        if code is not None:
            name = re.sub(r"\W", "_", stack.name).lower()
            write_atomically(out / f"{name}_subscribers.py", code)


def migrate_command(
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    out: Annotated[
        str | None, typer.Option("--out", help="Write the migrated templates and findings here.")
    ] = None,
    output_format: Annotated[
        str,
        typer.Option("--format", callback=check_lint_format, help="text, json or sarif."),
    ] = "text",
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Also diff both migrations against the Classic one."),
    ] = None,
    seeds: Annotated[int, typer.Option("--seeds", min=2, max=1000, help="Paired runs.")] = 10,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The diffs' seed.")] = 0,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when something was not migrated.")
    ] = False,
    context: ContextOption = None,
    app_command: AppOption = None,
    synth_timeout: SynthTimeoutOption = 600.0,
) -> None:
    """Move a Classic deployment to the Custom Event Bus: templates, findings, and the diff."""
    from bridgetwin.cli.output import OutputError, write_atomically
    from bridgetwin.migration import as_json, as_sarif, as_text, migrate
    from bridgetwin.patterns import Severity

    check_outputs(out=out)
    spec = scenario_dict(scenario) if scenario else None
    sources = deployment_sources(source, stack, (synth_timeout, context, app_command))
    graph = graph_of(sources, param)
    migration = migrate(sources, graph)
    findings = {
        "txt": as_text(migration.findings),
        "json": json.dumps(as_json(migration.findings), indent=2) + "\n",
        "sarif": json.dumps(as_sarif(migration.findings, graph), indent=2) + "\n",
    }
    typer.echo(findings[{"text": "txt"}.get(output_format, output_format)], nl=False)
    try:
        if out:
            _write(Path(out), migration, findings)
            typer.echo(f"migrated templates: {out}/deployment.yaml, AWS's defaults: "
                       f"{out}/aws-defaults/deployment.yaml", err=True)  # fmt: skip
        if spec is not None:
            _compare(graph, migration, spec, seeds, seed, param, out, write_atomically)
    except OutputError as exc:
        raise fail(f"error: {exc}") from None
    if strict and any(f.severity is Severity.ERROR for f in migration.findings):
        raise typer.Exit(1)


def _compare(graph, migration, spec, seeds, seed, param, out, write) -> None:
    from bridgetwin.cli.common import _pairs, console
    from bridgetwin.cli.diff import markdown, table
    from bridgetwin.migration import compare_migration
    from bridgetwin.planning import PlanningError
    from bridgetwin.simulator import ScenarioError

    def progress(side: str, done: int, total: int) -> None:
        typer.echo(f"  {side}: seed {done}/{total}", err=True)

    try:
        comparison = compare_migration(
            graph, migration, spec, runs=seeds, seed=seed,
            parameters=_pairs(param, "--param"), progress=progress,
        )  # fmt: skip
    except (ScenarioError, PlanningError, ValueError) as exc:
        raise fail(f"error: {exc}") from None
    titles = {"faithful": "Classic -> migrated (Classic values written out)",
              "aws_defaults": "Classic -> migrated relying on AWS's defaults"}  # fmt: skip
    for side, title in titles.items():
        table(getattr(comparison, side), title, console())
    if out:
        write(Path(out) / "comparison.json", json.dumps(comparison.to_dict(), indent=2) + "\n")
        write(
            Path(out) / "comparison.md",
            "".join(markdown(getattr(comparison, side), title) for side, title in titles.items()),
        )
