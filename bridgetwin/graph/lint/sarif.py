"""``bridgetwin lint --format sarif``: findings as SARIF 2.1.0, for GitHub code scanning and the
other tools that read it.

Each finding is a result with its rule id (the finding's code), a level (error, warning, note),
the message, and where: for a CDK app, the line of its own source that declares the construct
(:mod:`.source_lines`), with the template beside it as a related location; for a Terraform
configuration, the line of the ``.tf`` block that declares the resource; otherwise the template
file and the line of the resource's logical id when the stack came from a file; and always the
resource as a logical location (``Stack/LogicalId``). The
driver lists every rule that produced a result with its explanation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from bridgetwin import __version__
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint import PACK, GraphFinding
from bridgetwin.graph.lint.source_lines import app_root, declaration
from bridgetwin.patterns import Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_EXPLANATIONS = {entry.code: entry.explanation for entry in PACK}


@cache
def _lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def _region(path: str, logical_id: str) -> dict[str, int] | None:
    """Where ``logical_id`` is declared as a key: its 1-based line (a YAML or pretty-printed JSON
    key starting a line, else the first line holding it as a quoted key, as in minified JSON),
    or the whole file when it cannot be found."""
    lines = _lines(path)
    if not lines:
        return None
    name = re.escape(logical_id)
    for key in (re.compile(rf'^\s*"?{name}"?\s*:'), re.compile(rf'"{name}"\s*:')):
        line = next((n for n, text in enumerate(lines, 1) if key.search(text)), None)
        if line is not None:
            return {"startLine": line}
    return {"startLine": 1, "endLine": len(lines)}


def _located(
    finding: GraphFinding, graph: Graph, base: Path, paths: Mapping[str, str]
) -> dict[str, Any]:
    """A result's ``locations`` and, when it sits at the app's source line, the template as a
    related location (``paths``: the graph's construct paths)."""
    stack_name, _, logical_id = finding.resource.rpartition("/")
    stacks = {s.name: s for s in graph.stacks}
    stack = stacks.get(stack_name) or (graph.stacks[0] if len(graph.stacks) == 1 else None)
    related: list[dict[str, Any]] = []
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": logical_id or finding.resource,
                "kind": "resource",
                "fullyQualifiedName": finding.resource,
            }
        ]
    }
    declared_at = {gid: (file, line) for gid, file, line in graph.source_lines}
    if finding.resource in declared_at:  # a Terraform configuration's block
        file, line = declared_at[finding.resource]
        location["physicalLocation"] = {"artifactLocation": {"uri": _uri(file, base)},
                                        "region": {"startLine": line}}  # fmt: skip
    elif stack is not None and stack.template_path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(stack.template_path, base)}}
        region = _region(stack.template_path, logical_id or finding.resource)
        if region is not None:
            physical["region"] = region
        location["physicalLocation"] = physical
        declared = _declared(paths.get(finding.resource), stack.template_path)
        if declared is not None:  # the app's line first, the template's beside it
            source, line = declared
            location["physicalLocation"] = {
                "artifactLocation": {"uri": _uri(str(source), base)},
                "region": {"startLine": line},
            }
            note = {"text": "the synthesized template"}
            related.append({"id": 1, "physicalLocation": physical, "message": note})
    return {"locations": [location], **({"relatedLocations": related} if related else {})}


def _uri(path: str, base: Path) -> str:
    """A file's URI relative to ``base`` when it lies under it, else absolute."""
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_uri()


def _declared(path: str | None, template_path: str) -> tuple[Path, int] | None:
    """Where a CDK app declares the construct at ``path`` (:mod:`.source_lines`)."""
    root = app_root(template_path) if path else None
    return declaration(path, root) if path and root else None


def _descriptor(code: str, level: str, explanation: str | None, kind: str) -> dict[str, Any]:
    """A rule as SARIF describes it: the stable id (the finding's code), a PascalCase name that
    differs from it (SARIF1001), and the full description GitHub code scanning requires."""
    short = f"{code}: {explanation}" if explanation else code
    full = (
        f"bridgetwin {kind} rule {code}: {explanation or 'see the finding message'}. Each "
        f"finding names the resource and says what to change; README's {kind} section lists "
        "the rules."
    )
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", code)),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full},
        "defaultConfiguration": {"level": level},
    }


def to_sarif(
    findings: list[GraphFinding],
    graph: Graph,
    base: Path | None = None,
    *,
    explanations: Mapping[str, str] = _EXPLANATIONS,
    kind: str = "lint",
) -> dict:
    """The SARIF 2.1.0 log of ``findings``; file URIs are relative to ``base`` (default: the
    working directory) when the template lies under it. ``explanations`` and ``kind`` describe
    the rules (``bridgetwin migrate`` reports its own)."""
    base = base or Path.cwd()
    codes = sorted({f.code for f in findings})
    levels = {f.code: _LEVELS[f.severity] for f in findings}
    rules = [_descriptor(code, levels[code], explanations.get(code), kind) for code in codes]
    paths = dict(graph.construct_paths)
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": codes.index(f.code),
            "level": _LEVELS[f.severity],
            "message": {"text": f.message},
            **_located(f, graph, base, paths),
        }
        for f in findings
    ]
    driver = {"name": "bridgetwin", "version": __version__, "rules": rules}
    run = {"tool": {"driver": driver}, "results": results}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
