"""bridgetwin.testing, its pytest plugin, and the CDK validation plugin, as a CI user uses them.

The expected values in messages are the result's own figures, read independently from the
result JSON; the example's tests run through pytester exactly as in the user's repository.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from bridgetwin.testing import SloAssertionError, assert_slo, expect, twin
from tests._templates import scenario, webhook_template

EXAMPLE = Path(__file__).parent.parent / "examples" / "ci"
OUTAGE = EXAMPLE / "outage.yaml"


def test_a_failing_check_shows_expected_against_predicted_with_the_seed():
    spec = scenario(
        "5m", endpoints=[{"match": "*", "latency": 0, "responses": {503: 1}}], drain="10m"
    )  # every event ends in the DLQ: the counts are final
    run = twin(webhook_template(retries=2)).simulate(spec)
    counts = json.loads(run.result.to_json())["targets"][0]["counts"]
    with pytest.raises(SloAssertionError) as info:
        expect(run).target("Rule").delivered(min=0).dlq(0)
    lines = str(info.value).splitlines()
    assert lines[0] == "bridgetwin: 1 of 2 check(s) failed (scenario seed 1, 900 s simulated)"
    assert lines[1].split() == ["target", "check", "expected", "predicted"]
    assert lines[2].split() == [
        "Rule/Api",
        "delivered",
        ">=",
        "0",
        f"{counts['delivered']:,}",
        "ok",
    ]
    assert lines[3].split() == [
        "Rule/Api",
        "DLQ",
        "messages",
        "<=",
        "0",
        f"{counts['dlq']:,}",
        "FAIL",
    ]
    assert counts["dlq"] > 0


def test_expect_all_reports_every_failure_of_the_block_together():
    """Three failing checks (and one passing) on two names, one of which addresses nothing:
    one error at the block's end lists all four rows; a block of passes raises nothing."""
    from bridgetwin.testing import expect_all

    spec = scenario(
        "5m", endpoints=[{"match": "*", "latency": 0, "responses": {503: 1}}], drain="10m"
    )  # every event ends in the DLQ
    run = twin(webhook_template(retries=2)).simulate(spec)
    counts = run.result.target("Rule").counts
    with pytest.raises(SloAssertionError) as info, expect_all(run) as check:
        check.target("Rule").dlq(0).delivered(min=1).retries(max=10**9)
        check.target("NoSuchRule").lost(0)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("bridgetwin: 3 of 4 check(s) failed")
    rows = [line.split() for line in lines[2:]]
    assert rows[0][:4] == ["Rule/Api", "DLQ", "messages", "<="] and rows[0][-1] == "FAIL"
    assert f"{counts['dlq']:,}" in rows[0] and rows[1][-1] == "FAIL" and rows[2][-1] == "ok"
    assert rows[3][0] == "NoSuchRule" and "names no rule target" in lines[5]
    with expect_all(run) as check:  # nothing fails: nothing is raised
        check.target("Rule").delivered(max=0).retries(max=10**9)


def test_latency_checks_are_not_vacuous():
    quiet = twin(webhook_template()).simulate(scenario("1m", traffic=[]))
    with pytest.raises(SloAssertionError, match="received no events"):
        expect(quiet).target("Rule").start_latency(p99="1s")
    expect(quiet).target("Rule", allow_empty=True).start_latency(p99="1s").dlq(0)
    spec = scenario("1m", traffic=[], slo=[{"metric": "latency.start.p99", "max": "1s"}])
    run = twin(webhook_template()).simulate(spec)
    assert not run.result.slo_passed  # the scenario's own verdict is the same (--check fails)
    with pytest.raises(SloAssertionError, match="received no events"):
        assert_slo(run)
    assert_slo(run, allow_empty=True)


def test_an_unknown_name_lists_the_known_ones():
    run = twin(webhook_template()).simulate(scenario("1m"))
    with pytest.raises(SloAssertionError, match="'Nope' names no rule target; known: Rule/Api"):
        expect(run).target("Nope")


@pytest.fixture(scope="module")
def shop():
    sys.path.insert(0, str(EXAMPLE))
    try:
        from shop import ShopStack
    finally:
        sys.path.remove(str(EXAMPLE))
    return ShopStack


@pytest.mark.cdk
def test_names_are_the_same_from_a_stack_a_dict_and_a_cloud_assembly(shop, tmp_path):
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from_stack = twin(shop(cdk.App(), "Shop"))
    app = cdk.App(outdir=str(tmp_path), context={"aws:cdk:enable-path-metadata": True})
    stack = shop(app, "Shop")
    app.synth()
    from_assembly = twin(str(tmp_path))
    from_dict = twin(Template.from_stack(shop(cdk.App(), "Shop")).to_json())
    (rule_id,) = [r.id for r in from_stack.graph.rules]
    outage = {"duration": "2m", "traffic": [{"bus": "orders", "rate": 2, "events": [
        {"event": {"source": "acme.orders", "detail-type": "OrderCreated"}}]}]}  # fmt: skip
    for built in (from_stack, from_assembly, from_dict):
        run = built.simulate(outage)
        assert len(run.targets(rule_id)) == 1  # the logical id, everywhere
        assert len(run.targets(f"{rule_id}/Target0")) == 1
    for built in (from_stack, from_assembly):  # construct paths where the source has them
        run = built.simulate(outage)
        for name in ("OrderWebhook", "Shop/OrderWebhook", "Shop/OrderWebhook/Rule"):
            ((display, _),) = run.targets(name)
            assert display == "Shop/OrderWebhook/Rule/Target0"
    assert stack.stack_name == "Shop"


@pytest.mark.cdk
def test_the_ci_example_passes_and_a_broken_objective_fails_with_its_table(pytester):
    for name in ("shop.py", "outage.yaml", "test_shop.py", "conftest.py"):
        shutil.copy(EXAMPLE / name, pytester.path / name)
    passed = pytester.runpytest("-q", "-p", "no:cacheprovider")
    passed.assert_outcomes(passed=2)
    pytester.makepyfile(
        test_too_strict="""
        import aws_cdk as cdk
        from shop import ShopStack
        from bridgetwin.testing import expect

        def test_no_order_waits_a_minute_even_in_an_outage(twin):
            run = twin(ShopStack(cdk.App(), "Shop")).simulate("outage.yaml")
            expect(run).target("OrderWebhook").start_latency(p99="60s")
        """
    )
    failed = pytester.runpytest("-q", "-p", "no:cacheprovider", "test_too_strict.py",
                                "--bridgetwin-results", "results")  # fmt: skip
    failed.assert_outcomes(failed=1)
    failed.stdout.fnmatch_lines([
        "*SloAssertionError: bridgetwin: 1 of 1 check(s) failed (scenario seed 11, 3,600 s simulated)",
        "*target*check*expected*predicted*",
        "*Shop/OrderWebhook/Rule/Target0*start latency p99*<= 60 s*FAIL",
    ])  # fmt: skip
    kept = (
        pytester.path
        / "results"
        / "test_too_strict.py_test_no_order_waits_a_minute_even_in_an_outage"
    )
    assert json.loads((kept / "run-1.json").read_text())["seed"] == 11
    assert "Delivery over 3,600 s" in (kept / "run-1.txt").read_text()
    assert (kept / "run-1.html").read_text().count("<svg") >= 4


@pytest.mark.cdk
def test_the_validation_plugin_fails_synth_on_a_predicted_violation(shop, tmp_path):
    import aws_cdk as cdk

    from bridgetwin.testing import TwinValidation

    def synth(slo: list[dict]) -> None:
        app = cdk.App(outdir=str(tmp_path / str(len(slo) + len(str(slo)))))
        shop(app, "Shop")
        spec = {**__import__("yaml").safe_load(OUTAGE.read_text()), "slo": slo}
        cdk.Validations.of(app).add_plugins(TwinValidation(scenario=spec))
        app.synth()

    synth([{"metric": "counts.dlq", "max": 0}])  # 185 retries within 6 h outlast the outage
    with pytest.raises(Exception, match="ValidationFailed") as info:
        synth([{"metric": "latency.start.p99", "max": "60s"}])
    message = str(info.value)
    assert "/Target0: latency.start.p99 should be <= 60 s; the twin predicts " in message
    assert "Shop/OrderWebhook/Rule/Resource" in message  # CDK points at the construct


def test_the_old_import_path_of_the_validation_plugin_still_works_with_a_warning():
    """TwinValidation moved to bridgetwin.testing (constructs never import the simulator); the old
    name resolves to the same class for one release, with a DeprecationWarning."""
    import bridgetwin.constructs
    from bridgetwin.testing.cdk_validation import TwinValidation

    with pytest.warns(DeprecationWarning, match="moved to bridgetwin.testing"):
        old = bridgetwin.constructs.TwinValidation
    assert old is TwinValidation
    with pytest.raises(AttributeError):
        bridgetwin.constructs.NoSuchConstruct  # noqa: B018


def test_a_check_over_several_seeds_holds_only_on_each_and_says_how_many_did():
    """``simulate(..., seeds=5)``: each seed's DLQ is worked out here with the simulator alone
    (the scenario's seed, then the seeds the sweeps derive from it); a bound between the fewest
    and the most holds on exactly the seeds at or under it, and the failure says so with the
    95 % Student-t interval of the five values."""
    from scipy import stats

    from bridgetwin.graph import load_graph
    from bridgetwin.planning.grid import seeds as derived
    from bridgetwin.simulator import load_scenario, simulate

    template = webhook_template(rate=100, retries=2)
    spec = {"duration": "10m", "seed": 4, "drain": "30m",
            "traffic": [{"bus": "orders", "rate": 3, "events": [
                {"event": {"source": "acme.orders", "detail-type": "OrderCreated"}}]}],
            "endpoints": [{"match": "*", "latency": 0, "responses": {200: 0.8, 503: 0.2}}]}  # fmt: skip
    loaded = load_scenario(spec)
    graph = load_graph(template)
    dlq = [simulate(graph, loaded, seed=s).targets[0].counts["dlq"]
           for s in (4, *derived(4, 4))]  # fmt: skip
    assert len(set(dlq)) > 1  # the seeds differ, so the bound splits them
    bound = sorted(dlq)[2]
    held = sum(d <= bound for d in dlq)
    run = twin(template).simulate(spec, seeds=5)
    assert [r.targets[0].counts["dlq"] for r in run.results] == dlq
    with pytest.raises(SloAssertionError) as failure:
        expect(run).target("Rule").dlq(max=bound)
    mean = sum(dlq) / 5
    low, high = stats.t.interval(0.95, 4, loc=mean, scale=stats.sem(dlq))
    text = str(failure.value)
    assert f"{held}/5 seeds held" in text and "5 seeds from 4" in text
    assert f"{mean:,.0f} [{max(0.0, low):,.0f}, {high:,.0f}]" in text
    expect(run).target("Rule").dlq(max=max(dlq))  # holds on every seed
    with pytest.raises(ValueError, match="seeds must be an integer from 1 to 1000"):
        twin(template).simulate(spec, seeds=0)
