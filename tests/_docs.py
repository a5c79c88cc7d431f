"""Documented commands, read from the Markdown that shows them, so a test runs exactly what a
reader would type: a fenced ``bash`` block holds one ``bridgetwin`` command (as the README writes
it, ``.venv/bin/bridgetwin ...``), and a ``text`` block right after it, if any, holds lines the
command's output must contain."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class DocumentedCommand:
    args: list[str]
    """The command's arguments after ``bridgetwin``."""
    expected: list[str]
    """Output lines the text shows, each stripped of trailing blanks."""


def section(path: Path, title: str) -> str:
    """The Markdown of the ``## title`` section."""
    text = path.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _dedented(markdown: str, match: re.Match[str]) -> str:
    """A fenced block's body without the indentation of its fence (a block inside a list item)."""
    indent = match.start() - (markdown.rfind("\n", 0, match.start()) + 1)
    lines = match.group(2).splitlines()
    return "\n".join(line[indent:] if line[:indent].isspace() else line for line in lines)


def documented_commands(markdown: str) -> list[DocumentedCommand]:
    blocks = [(m.group(1), _dedented(markdown, m), m.start(), m.end())
              for m in _FENCE.finditer(markdown)]  # fmt: skip
    found = []
    for index, (kind, body, _, end) in enumerate(blocks):
        if kind != "bash":
            continue
        line = re.sub(r"\\\n\s*", " ", body).strip()  # a command continued over lines
        words = shlex.split(line, comments=True)
        if not words or not words[0].endswith("bridgetwin") or "\n" in line:
            continue  # setup scripts, or several commands: tests/test_docs_commands.py runs them
        expected: list[str] = []
        if index + 1 < len(blocks) and blocks[index + 1][0] == "text":
            following = blocks[index + 1]
            if not markdown[end : following[2]].strip():  # right after the command
                expected = [line.rstrip() for line in following[1].splitlines() if line.strip()]
        found.append(DocumentedCommand(words[1:], expected))
    return found
