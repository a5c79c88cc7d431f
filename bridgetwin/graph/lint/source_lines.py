"""Where a CDK construct is declared in the app's own source: the line SARIF results point at.

Lint findings and violated SLOs name a resource of a synthesized template, a generated file under
``cdk.out`` that a pull request never changes, so code scanning cannot show them on the lines a
reviewer reads. For a CDK app the line that matters is where the construct is declared:
``ApiDelivery(self, "OrderWebhook", ...)``. The resource's construct path names it
(``Shop/OrderWebhook/Rule/Resource``); the app's source files are those under the directory of
its ``cdk.json``; and the declaration is the one line holding one of the path's ids as a string
literal, looked for from the deepest id up (the ids an L3 gives its children, like ``Rule``, are
not in the app's files; the id the app gave the L3 is). An id found on several lines is
ambiguous, so the search goes on to its parent's; when no id is found on exactly one line, the
result stays at the template.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

SOURCE_SUFFIXES = (".py", ".ts", ".js", ".mjs", ".java", ".cs", ".go", ".kt")
"""The languages CDK apps are written in."""
_SKIPPED = {"node_modules", "cdk.out", "site-packages", "__pycache__", "dist", "build", "venv"}
_MAX_FILES = 5000
_MAX_BYTES = 2**20
_HIDDEN = {"Resource", "Default"}


def app_root(template_path: str) -> Path | None:
    """The CDK app's directory (the one with ``cdk.json``) of a template in its cloud assembly:
    the assembly's directory or one of its two parents."""
    directory = Path(template_path).resolve().parent
    for candidate in (directory, *list(directory.parents)[:2]):
        if (candidate / "cdk.json").is_file():
            return candidate
    return None


_LITERAL = re.compile(r"""(?=(["'])([^"'\n]*)\1)""")
"""Every string literal's text (quote characters excluded), overlapping ones too: the ``'Rule'``
inside ``"a 'Rule' b"`` is one."""


@cache
def _literals(root: Path) -> dict[str, list[tuple[Path, int]]]:
    """Each string literal of the app's source files -> the lines holding it, in file order
    (generated, vendored and hidden folders are not entered): read once per app."""
    found: dict[str, list[tuple[Path, int]]] = {}
    files = 0
    for directory, folders, names in os.walk(root):
        folders[:] = sorted(
            f for f in folders if f not in _SKIPPED and not f.startswith((".", "cdk.out"))
        )
        for name in sorted(names):
            path = Path(directory) / name
            if path.suffix not in SOURCE_SUFFIXES:
                continue
            try:
                if path.stat().st_size > _MAX_BYTES:
                    continue
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for number, text in enumerate(lines, 1):
                for match in _LITERAL.finditer(text):
                    hits = found.setdefault(match.group(2), [])
                    if not hits or hits[-1] != (path, number):
                        hits.append((path, number))
            files += 1
            if files >= _MAX_FILES:
                return found
    return found


def declaration(construct_path: str, root: Path) -> tuple[Path, int] | None:
    """The source file and 1-based line declaring the construct at ``construct_path`` (or the
    nearest of its parents the app declares itself), or None when no id of the path is on
    exactly one line of the app's sources."""
    literals = _literals(root.resolve())
    for construct_id in reversed([i for i in construct_path.split("/")[1:] if i not in _HIDDEN]):
        hits = literals.get(construct_id, [])
        if len(hits) == 1:
            return hits[0]  # (on several lines: ambiguous, so its parent's declaration)
    return None
