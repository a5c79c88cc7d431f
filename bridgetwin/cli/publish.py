"""``bridgetwin publish``: send a file of events through the resilient producer.

Each line of the file is one event, either as a PutEvents entry (``Source``, ``DetailType``,
``Detail``, ``Resources``, ``Time``) or as EventBridge shows events (``source``, ``detail-type``,
``detail``, ...). The summary line has the producer's counters; the exit code is 1 when an event
was lost (failed for good without a spool).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bridgetwin.cli.common import fail

_KEYS = {"source": "Source", "detail-type": "DetailType", "detail": "Detail",
         "resources": "Resources", "time": "Time"}  # fmt: skip


def _entry(line: str, number: int, path: str) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise fail(f"{path}:{number}: not JSON ({exc})") from None
    except RecursionError:
        raise fail(f"{path}:{number}: nested too deeply to be an event") from None
    if not isinstance(event, dict):
        raise fail(f"{path}:{number}: an event must be a JSON object")
    entry = {_KEYS.get(k, k): v for k, v in event.items() if _KEYS.get(k, k) in _KEYS.values()}
    for required in ("Source", "DetailType"):
        if not isinstance(entry.get(required), str):
            raise fail(f"{path}:{number}: needs a string {required} (or its lower-case form)")
    return entry


def _check_destination(region: str | None, endpoint_url: str | None, spool: str | None) -> None:
    """Refuse what would fail only after calls were made (or be sent somewhere unintended): a
    name no AWS partition has as a Region, an endpoint that is not an http(s) URL, a spool
    that is not a directory."""
    from urllib.parse import urlsplit

    from bridgetwin.graph.identity import region_problem

    problem = region_problem(region) if region is not None else None
    if problem:
        raise fail(f"--region: {problem}")
    if endpoint_url is not None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail(f"--endpoint-url: '{endpoint_url}' is not an http(s) URL (e.g. "
                       "http://127.0.0.1:5000 for a local emulator)")  # fmt: skip
    if spool is not None:
        where = Path(spool)
        if where.is_symlink() and not where.exists():
            raise fail(f"--spool {spool}: a link to nothing; give a directory")
        if where.exists() and not where.is_dir():
            raise fail(f"--spool {spool}: not a directory (the spool is a directory of files)")


def publish_command(
    events: Annotated[str, typer.Argument(help="A JSON Lines file of events.")],
    bus: Annotated[str, typer.Option("--bus", help="Event bus name or ARN.")],
    endpoint_id: Annotated[
        str | None,
        typer.Option(
            "--endpoint-id", help="Global endpoint id (SigV4a: needs the awscrt package)."
        ),
    ] = None,
    spool: Annotated[
        str | None,
        typer.Option("--spool", help="Spool directory (durable; drained on the next run)."),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS Region.")] = None,
    endpoint_url: Annotated[
        str | None, typer.Option("--endpoint-url", help="API endpoint (e.g. a local emulator).")
    ] = None,
) -> None:
    """Publish events with batching, per-entry retries and an optional durable spool."""
    from rich.console import Console

    from bridgetwin.producer import EntryTooLarge, EventPublisher, PublisherConfig

    _check_destination(region, endpoint_url, spool)
    try:
        lines = Path(events).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise fail(f"{events}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise fail(f"{events}: not UTF-8 text (byte {exc.start}); write the events as JSON "
                   "Lines in UTF-8") from None  # fmt: skip
    entries = [_entry(line, n, events) for n, line in enumerate(lines, 1) if line.strip()]
    publisher = EventPublisher(bus, config=PublisherConfig(spool=spool), region=region,
                               endpoint_url=endpoint_url, endpoint_id=endpoint_id)  # fmt: skip
    err = Console(stderr=True)
    try:
        if err.is_terminal:
            from rich.progress import Progress

            with Progress(console=err, transient=True) as bar:
                task = bar.add_task("publishing", total=len(entries))
                for start in range(0, len(entries), 100):
                    publisher.publish_many(entries[start : start + 100])
                    bar.update(task, completed=min(len(entries), start + 100))
        else:
            publisher.publish_many(entries)
        publisher.close()
    except EntryTooLarge as exc:
        raise fail(f"error: {exc}") from None
    counts = publisher.snapshot()
    typer.echo(", ".join(f"{key} {value}" for key, value in counts.items()))
    if counts["failed"]:
        raise typer.Exit(1)
