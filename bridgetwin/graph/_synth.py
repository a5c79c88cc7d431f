"""Synthesizing a CDK app directory, as ``cdk synth`` would, without the CDK CLI.

The ``app`` command of ``cdk.json`` (or ``SynthOptions.app``) runs in the app's directory with
``CDK_OUTDIR`` pointing at a fresh temporary directory, which is removed once its templates are
read, and with the context the CDK CLI would give it in ``CDK_CONTEXT_JSON``: ``cdk.json``'s
``context``, then ``cdk.context.json``, then ``SynthOptions.context`` (``--context KEY=VALUE``),
later ones winning. The command runs in its
own process group, so a timeout, Ctrl-C or SIGTERM ends it and everything it started (``npx``,
``ts-node``, a jsii kernel), not only the first process. A command that cannot run or fails is a
``TemplateError`` carrying the command's whole error output.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgetwin.graph._errors import TemplateError

DEFAULT_SYNTH_TIMEOUT = 600.0
"""Seconds a synth may take (a large TypeScript app with ts-node takes a minute or two)."""


@dataclass(frozen=True)
class SynthOptions:
    """How to synthesize a CDK app directory, as ``cdk synth``'s options would say."""

    timeout: float = DEFAULT_SYNTH_TIMEOUT
    context: Mapping[str, Any] = field(default_factory=dict)
    """``--context KEY=VALUE``: wins over ``cdk.json`` and ``cdk.context.json``."""
    app: str | None = None
    """``--app``: the command to run instead of ``cdk.json``'s ``app``."""


def _settings(app_dir: Path, name: str) -> dict[str, Any]:
    path = app_dir / name
    if name != "cdk.json" and not path.is_file():
        return {}
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise TemplateError(f"{path}: cannot read: {exc}") from None
    if not isinstance(settings, dict):
        raise TemplateError(f"{path}: must be a JSON object")
    return settings


def _context(app_dir: Path, options: SynthOptions) -> dict[str, Any]:
    context = _settings(app_dir, "cdk.json").get("context") or {}
    if not isinstance(context, dict):
        raise TemplateError(f"{app_dir}/cdk.json: 'context' must be an object")
    return {**context, **_settings(app_dir, "cdk.context.json"), **options.context}


def _command(app_dir: Path, override: str | None) -> tuple[str, list[str]]:
    """The app command (``--app``, else ``cdk.json``'s ``app``), split into arguments."""
    command = override if override is not None else _settings(app_dir, "cdk.json").get("app")
    if not isinstance(command, str) or not command.strip():
        where = "--app" if override is not None else f"{app_dir}/cdk.json"
        raise TemplateError(f'{where} has no "app" command (a non-empty string)')
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise TemplateError(
            f"{app_dir}/cdk.json: the app command '{command}' is malformed: {exc}"
        ) from None
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable  # the interpreter that has bridgetwin and aws-cdk-lib installed
    return command, argv


def _end_group(process: subprocess.Popen[str]) -> None:
    """End the command and everything it started; kill what outlives a short grace period."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def synthesized(app_dir: Path, options: SynthOptions | None = None) -> Iterator[Path]:
    """The cloud assembly of ``app_dir``, in a temporary directory removed on exit."""
    options = options or SynthOptions()
    timeout = options.timeout
    command, argv = _command(app_dir, options.app)
    context = _context(app_dir, options)
    outdir = Path(tempfile.mkdtemp(prefix="bridgetwin-cdk-out-"))
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps(context)}
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    previous = None
    try:
        if hasattr(signal, "SIGTERM") and _main_thread():
            previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            process = subprocess.Popen(
                argv, cwd=app_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise TemplateError(
                f"synthesizing {app_dir}: the app command '{command}' cannot run: {exc.strerror}"
            ) from None
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _end_group(process)
            raise TemplateError(
                f"synthesizing {app_dir} with '{command}' took longer than {timeout:g} s "
                "(--synth-timeout); the command and its children were stopped"
            ) from None
        except BaseException:  # Ctrl-C, SIGTERM: nothing may outlive us
            _end_group(process)
            raise
        if process.returncode != 0 or not (outdir / "manifest.json").is_file():
            output = (err or out).strip() or "(no output)"
            raise TemplateError(
                f"synthesizing {app_dir} with '{command}' failed (exit {process.returncode}):\n"
                + "\n".join(f"  {line}" for line in output.splitlines())
            )
        yield outdir
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(outdir, ignore_errors=True)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
