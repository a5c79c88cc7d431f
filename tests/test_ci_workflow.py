"""``examples/ci/github-actions.yml``, as far as it runs offline: its shape (no step blocks
another, code scanning guarded for missing files and forks, caches, history for the diff), and
every ``run:`` command executed in a git repository laid out as the workflow expects, with a
pull request that lowers the partner's rate limit. GitHub's expressions are filled in as the
runner would; the CDK CLI's synth is the app command from ``cdk.json`` with ``CDK_OUTDIR``, which
is what ``cdk synth`` runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "ci"
WORKFLOW = yaml.safe_load((EXAMPLE / "github-actions.yml").read_text())
STEPS = {s.get("name") or s["uses"]: s for s in WORKFLOW["jobs"]["twin"]["steps"]}


def test_no_step_blocks_another_and_uploads_are_guarded():
    names = list(STEPS)
    after = names[names.index("Synthesize") + 1 :]
    for name in after:
        if name != "Code scanning is read-only for forks":
            assert "!cancelled()" in STEPS[name]["if"], name  # runs whatever failed before
    for name in ("Lint", "SLO verdicts of the scenario", "SLO tests",
                 "Behaviour diff against the base branch"):  # fmt: skip
        assert STEPS[name]["continue-on-error"] is True, name  # the verdict step decides
    for name, sarif in (("Upload the lint findings to code scanning", "bridgetwin.sarif"),
                        ("Upload the violated SLOs to code scanning", "slo.sarif")):  # fmt: skip
        upload = STEPS[name]
        assert f"hashFiles('{sarif}') != ''" in upload["if"]
        assert "head.repo.full_name == github.repository" in upload["if"]
    assert "head.repo.full_name != github.repository" in STEPS[
        "Code scanning is read-only for forks"]["if"]  # fmt: skip
    assert STEPS["actions/checkout@v4"]["with"]["fetch-depth"] == 0
    assert STEPS["actions/setup-python@v5"]["with"]["cache"] == "pip"
    assert STEPS["actions/cache@v4"]["with"]["path"] == "~/.npm"
    assert STEPS["Synthesize"]["env"] == {"CI": ""}


def _expand(command: str, outcomes: dict[str, str]) -> str:
    """GitHub's expressions, as the runner fills them in for this pull request."""
    command = command.replace("${{ github.base_ref }}", "main")
    return re.sub(r"\$\{\{ steps\.(\w+)\.outcome \}\}", lambda m: outcomes[m.group(1)], command)


@pytest.fixture(scope="module")
def pull_request(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose main branch has the example app, with the pull request's change (the
    partner's rate limit lowered from 10/s to 1/s) in the working tree."""
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(EXAMPLE, repo / "examples" / "ci",
                    ignore=shutil.ignore_patterns("cdk.out", "__pycache__"))  # fmt: skip
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "app"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):  # fmt: skip
        subprocess.run([*git, *args], cwd=repo, check=True)
    shop = repo / "examples" / "ci" / "shop.py"
    shop.write_text(shop.read_text().replace("rate_limit_per_second=10", "rate_limit_per_second=1"))
    return repo


@pytest.mark.cdk
def test_every_command_of_the_workflow_runs(pull_request):
    env = {**os.environ, **WORKFLOW["env"], "GITHUB_STEP_SUMMARY": str(pull_request / "summary.md"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    app = pull_request / WORKFLOW["env"]["APP"]
    synth = json.loads((app / "cdk.json").read_text())["app"]  # what `cdk synth` runs
    done = subprocess.run(synth, check=False, shell=True, cwd=app, env={**env, "CDK_OUTDIR": "cdk.out"},
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = {"synth": "success"}
    for step, name in (("lint", "Lint"), ("verdicts", "SLO verdicts of the scenario"),
                       ("slo", "SLO tests"),
                       ("diff", "Behaviour diff against the base branch")):  # fmt: skip
        command = _expand(STEPS[name]["run"], outcomes)
        ran = subprocess.run(["bash", "-c", command], check=False, cwd=pull_request, env=env,
                             capture_output=True, text=True, timeout=600)  # fmt: skip
        assert ran.returncode in (0, 1), f"{name}: {command}\n{ran.stderr[-3000:]}"
        outcomes[step] = "success" if ran.returncode == 0 else "failure"
    for name in ("bridgetwin.sarif", "slo.sarif"):
        sarif = json.loads((pull_request / name).read_text())
        assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"]
    assert "<testsuite" in (pull_request / "slo.xml").read_text()
    summary = (pull_request / "summary.md").read_text()
    assert "rate limit 10/s -> 1/s" in summary and summary.count("|---") >= 2  # tables
    assert outcomes["diff"] == "failure"  # the lowered limit leaves ~3,000 orders unfinished
    assert outcomes["slo"] == "failure"  # ... so the SLO tests (lost nothing) fail too
    assert outcomes["verdicts"] == "failure"  # ... and the scenario's own slo: entries
    verdict = subprocess.run(["bash", "-c", _expand(STEPS["Verdict"]["run"], outcomes)],
                             check=False, capture_output=True, text=True)  # fmt: skip
    failed = [s for s, outcome in outcomes.items() if outcome == "failure"]  # in step order
    assert verdict.returncode == 1 and f"::error::failed: {' '.join(failed)}" in verdict.stdout
    clean = {step: "success" for step in outcomes}
    calm = subprocess.run(["bash", "-c", _expand(STEPS["Verdict"]["run"], clean)], check=False,
                          capture_output=True, text=True)  # fmt: skip
    assert calm.returncode == 0 and "passed" in calm.stdout
