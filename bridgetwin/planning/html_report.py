"""Reports people look at: one self-contained HTML file with a summary, tables and plots.

Plots are drawn with matplotlib and embedded as inline SVG: the file needs no network, no CDN and
no JavaScript, opens in any browser years from now, and its pictures are vectors (print and zoom
well). matplotlib was chosen over plotly and Vega-Altair for that reason: both of those render in
the browser with a JavaScript runtime that would have to be inlined (megabytes) to stay offline.
``--plots DIR`` writes the same figures as PNG files.

A report reads top down: the **summary** first (verdicts, cost, the answer and what it hinges
on), sized to fit the first screen; then the key tables (a run's counts per target), the
figures, the long tables (every point of a sweep, every probe of a plan) and last the notes (the
assumptions the run relied on). What each command puts in it: :mod:`.run_report` for a run,
:mod:`.sweep_report` for sweeps and plans.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Table:
    """A table of the report: its caption, column names and rows of text."""

    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class ReportText:
    """Everything of a report but its figures."""

    summary: Sequence[str]
    """The lines that answer the question (the first screen holds them)."""
    tables: Sequence[Table] = ()
    """Shown right after the summary."""
    appendix: Sequence[Table] = ()
    """Shown after the figures (long tables)."""
    notes: Sequence[str] = field(default=())
    """Shown last (the assumptions a run relied on)."""


def _figures_backend() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "figure.dpi": 100, "axes.grid": True})
    return plt


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def spans_decades(values: Iterable[float]) -> bool:
    """Whether the positive values span more than two decades (a backlog of millions beside
    minutes of tens): a log scale then shows them all."""
    positive = [v for v in values if v and v > 0]
    return bool(positive) and max(positive) / min(positive) > 100


def log_if_wide(axes: Any, values: Iterable[float]) -> None:
    """A symmetric-log y axis when the values span decades, else the linear one."""
    if spans_decades(values):
        axes.set_yscale("symlog", linthresh=1)
        axes.set_ylabel(axes.get_ylabel() + " (log scale)")


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return (f"<table><caption>{html.escape(table.caption)}</caption><thead><tr>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table>")  # fmt: skip


_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:1.5em auto;color:#222}
h1{font-size:1.4em;margin:.2em 0}#summary{border-left:4px solid #36c;padding:.2em 1em;margin:.8em 0}
#summary li{margin:.15em 0}figure{margin:1.5em 0}figcaption{font-size:.9em;color:#555}
svg{max-width:100%;height:auto}table{border-collapse:collapse;margin:1em 0;font-size:.85em}
caption{text-align:left;font-weight:bold;padding:.3em 0}th,td{border:1px solid #ccc;
padding:.2em .5em;text-align:right}th{background:#f2f2f2}
td:first-child,th:first-child{text-align:left}#notes{font-size:.85em;color:#444}"""


def report_html(title: str, figures: Iterable[tuple[str, Any]], text: ReportText) -> str:
    """The report's HTML document: the summary, the key tables, every figure inline (SVG), the
    long tables and the notes."""
    plt = _figures_backend()
    parts = []
    for caption, figure in figures:
        parts.append(f"<figure>{_svg(figure)}<figcaption>{html.escape(caption)}</figcaption>"
                     "</figure>")  # fmt: skip
        plt.close(figure)
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in text.summary)
    notes = "".join(f"<li>{html.escape(line)}</li>" for line in text.notes)
    if notes:
        notes = f'<section id="notes"><h2>Warnings and assumptions</h2><ul>{notes}</ul></section>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>
<section id="summary"><ul>{lines}</ul></section>
{"".join(_table_html(t) for t in text.tables)}{"".join(parts)}
{"".join(_table_html(t) for t in text.appendix)}
{notes}
</body></html>
"""


def write_report(path: str | Path, title: str, figures, text: ReportText) -> None:
    """Write :func:`report_html` to ``path``."""
    Path(path).write_text(report_html(title, figures, text), encoding="utf-8")


def write_pngs(directory: str | Path, figures) -> list[Path]:
    plt = _figures_backend()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (caption, figure) in enumerate(figures, 1):
        name = "".join(c if c.isalnum() else "-" for c in caption.lower()).strip("-")[:60]
        target = out / f"{number:02d}-{name}.png"
        figure.savefig(target, dpi=120, bbox_inches="tight")
        plt.close(figure)
        written.append(target)
    return written
