"""``REF:PATH`` deployments for ``bridgetwin diff``: a deployment as it is at a git commit.

``bridgetwin diff main:infra HEAD:infra --scenario S`` compares what a branch changes without
checking anything out by hand: each ``REF:PATH`` that is not a path on disk is a commit (anything
``git rev-parse`` accepts: a branch, a tag, ``HEAD~1``, a hash) and a path from the repository's
root, as ``git show REF:PATH`` takes them. The commit is checked out into a temporary worktree
(``git worktree add --detach``), so a CDK app is synthesized as it was at that commit, with its own
``cdk.json``; the worktree is removed afterwards, whatever happens.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bridgetwin.cli.common import fail


def _git(*args: str, cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise fail("error: REF:PATH needs git on the PATH")
    return subprocess.run([git, *args], cwd=cwd, capture_output=True, text=True, check=False)


@contextmanager
def checked_out(spec: str) -> Iterator[str]:
    """A local path for ``spec``: itself when it exists (or is not ``REF:PATH``), else ``PATH``
    in a temporary worktree of ``REF`` (removed on exit)."""
    ref, colon, path = spec.partition(":")
    if Path(spec).exists() or not colon or not ref:
        yield spec
        return
    top = _git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise fail(f"error: '{spec}' is not a path, and the working directory is not in a git "
                   "repository (REF:PATH needs one)")  # fmt: skip
    root = top.stdout.strip()
    if _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=root).returncode != 0:
        raise fail(
            f"error: '{spec}': no such path, and git knows no commit '{ref}' (REF:PATH takes a "
            "branch, tag, HEAD~N or hash, then a path from the repository root)"
        )
    if _git("cat-file", "-e", f"{ref}:{path.strip('/') or '.'}", cwd=root).returncode != 0:
        raise fail(f"error: '{spec}': commit '{ref}' has no '{path}' (paths start at the "
                   "repository root)")  # fmt: skip
    worktree = Path(tempfile.mkdtemp(prefix="bridgetwin-ref-")) / "tree"
    added = _git("worktree", "add", "--detach", "--quiet", str(worktree), ref, cwd=root)
    if added.returncode != 0:
        shutil.rmtree(worktree.parent, ignore_errors=True)
        raise fail(f"error: '{spec}': git worktree add failed: {added.stderr.strip()}")
    try:
        yield str(worktree / path.strip("/"))
    finally:
        _git("worktree", "remove", "--force", str(worktree), cwd=root)
        shutil.rmtree(worktree.parent, ignore_errors=True)
