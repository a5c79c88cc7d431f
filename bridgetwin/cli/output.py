"""Writing result files so that a failure loses nothing and harms nothing.

``prepare_directory`` and ``prepare_file`` run before a long simulation, sweep or plan: they
create the output directory and check that a file can be written there, so a typo, a directory
where a file is meant or a read-only disk is reported in a second, not after the run.
``write_atomically`` writes to a temporary file in the same directory and renames it over the
destination, so a reader never sees half a file and an existing symlink at the destination is
replaced, never followed. A symlinked output directory is refused: we write only where we were
told, not where a link someone else made points. Every ``OSError`` (no space, no permission)
becomes one ``OutputError`` line naming the path.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """A result file could not be written; the message names the path and the reason."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def prepare_directory(directory: str | Path) -> Path:
    """Create ``directory`` if needed and check a file can be written in it."""
    path = Path(directory)
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link; give the directory it points to instead")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise OutputError(f"{path}: cannot write there ({_reason(exc)})") from None
    return path


def prepare_file(path: str | Path, option: str) -> Path:
    """Check, before any work, that ``path`` can take a file: not empty, not a directory, not a
    symbolic link (it would be replaced, never followed), its directory created and writable."""
    if not str(path).strip():
        raise OutputError(f"{option}: an empty path names no file")
    target = Path(path)
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link; give the file it points to instead")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; {option} takes a file name")
    prepare_directory(target.parent if str(target.parent) else ".")
    return target


def write_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``: all of it, or nothing and an ``OutputError``."""
    target = Path(path)
    handle, temporary = None, None
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            handle = None  # the stream owns it now
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise OutputError(f"{target}: not written ({_reason(exc)})") from None
    finally:
        if handle is not None:
            os.close(handle)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
