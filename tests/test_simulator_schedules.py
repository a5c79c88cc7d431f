"""Schedules as AWS evaluates them: rules' cron in UTC, Scheduler's cron in a time zone across
daylight-saving changes, flexible windows, at() and rate(). The references are calendars worked
out by hand in each test (UTC instants of local times, weekdays of given dates)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario, simulate
from bridgetwin.simulator.aws.schedules import ScheduleError, firing_times

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


def test_a_rules_cron_fires_in_utc_on_the_listed_minutes_and_days():
    """Every 15 minutes from 09:00 to 17:45 UTC on weekdays, over Saturday 3 to Tuesday 6 Jan
    2026: nothing at the weekend, then 36 a day on Monday and Tuesday."""
    saturday = datetime(2026, 1, 3, tzinfo=UTC)
    got = firing_times("cron(0/15 9-17 ? * MON-FRI *)", saturday, 4 * 86_400)
    day = [h * 3600 + m * 60 for h in range(9, 18) for m in (0, 15, 30, 45)]
    assert got == [2 * 86_400 + t for t in day] + [3 * 86_400 + t for t in day]


@pytest.mark.parametrize(
    ("expression", "first_fires"),
    [
        ("cron(0 12 L * ? *)", [datetime(2026, 2, 28, 12), datetime(2026, 3, 31, 12)]),
        ("cron(0 12 ? * 6L *)", [datetime(2026, 2, 27, 12), datetime(2026, 3, 27, 12)]),
        ("cron(0 12 ? * 3#2 *)", [datetime(2026, 2, 10, 12), datetime(2026, 3, 10, 12)]),
        ("cron(0 12 15W * ? *)", [datetime(2026, 2, 16, 12), datetime(2026, 3, 16, 12)]),
        ("cron(0 8 1 JAN-MAR ? 2026)", [datetime(2026, 2, 1, 8), datetime(2026, 3, 1, 8)]),
    ],
)
def test_cron_day_rules(expression, first_fires):
    """Last day, last Friday (6L), second Tuesday (3#2), nearest weekday to the 15th (15W:
    Sunday 15 Feb -> Monday 16; Sunday 15 Mar -> Monday 16), and a year field."""
    origin = datetime(2026, 2, 1, tzinfo=UTC)
    got = firing_times(expression, origin, 59 * 86_400)
    expected = [(f.replace(tzinfo=UTC) - origin).total_seconds() for f in first_fires]
    assert got[:2] == expected


def test_scheduler_skips_the_spring_gap_and_runs_once_in_the_autumn_overlap():
    """02:30 in Paris does not exist on 29 Mar 2026 (clocks jump from 02:00 to 03:00); 02:30
    happens twice on 25 Oct 2026 and the schedule runs once (the first, 00:30 UTC)."""
    spring = datetime(2026, 3, 28, tzinfo=UTC)
    got = firing_times("cron(30 2 * * ? *)", spring, 3 * 86_400, timezone="Europe/Paris")
    assert got == [1.5 * 3600, 2 * 86_400 + 0.5 * 3600]  # 01:30 UTC (CET), then 00:30 (CEST)
    autumn = datetime(2026, 10, 24, tzinfo=UTC)
    got = firing_times("cron(30 2 * * ? *)", autumn, 3 * 86_400, timezone="Europe/Paris")
    assert got == [0.5 * 3600, 86_400 + 0.5 * 3600, 2 * 86_400 + 1.5 * 3600]


def test_rate_at_and_bad_expressions():
    assert firing_times("rate(20 minutes)", MONDAY, 3600) == [1200.0, 2400.0]  # rules
    assert firing_times("rate(20 minutes)", MONDAY, 3600, immediately=True) == [0, 1200, 2400]
    start = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)
    assert firing_times("rate(20 minutes)", MONDAY, 3600, start=start) == [1800.0, 3000.0]
    at = firing_times("at(2026-01-05T09:00:00)", MONDAY, 86_400, timezone="America/New_York")
    assert at == [14 * 3600]  # 09:00 EST is 14:00 UTC
    for bad in ("cron(0 12 * * * *)", "cron(0 12 * *)", "cron(61 * * * ? *)", "every day"):
        with pytest.raises(ScheduleError):
            firing_times(bad, MONDAY, 3600)


def scheduler_template(schedule: dict) -> dict:
    target = {"Arn": {"Fn::GetAtt": ["Bus", "Arn"]}, "RoleArn": "arn:aws:iam::1:role/r",
              "EventBridgeParameters": {"Source": "acme.billing", "DetailType": "Invoice"},
              "Input": '{"run": "nightly"}'}  # fmt: skip
    return {"Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "billing"}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"},
            "EventPattern": {"source": ["acme.billing"], "detail": {"run": ["nightly"]}},
            "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}]}},
        "Nightly": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target, **schedule}},
    }}  # fmt: skip


def test_a_scheduler_schedule_puts_its_event_on_the_bus_in_its_time_zone():
    """Nightly at 02:30 Paris time from 27 to 31 March 2026: four runs, not five (the 29th
    has no 02:30); its event matches the rule by source and by the Input detail."""
    template = scheduler_template({"ScheduleExpression": "cron(30 2 * * ? *)",
                                   "ScheduleExpressionTimezone": "Europe/Paris"})  # fmt: skip
    spec = {"duration": "5d", "start_time": "2026-03-27T00:00:00Z"}
    result = simulate(load_graph(template), load_scenario(spec))
    assert result.target("Rule").counts["ingested"] == 4
    assert not [w for w in result.warnings if w["code"] == "schedule-not-simulated"]
    default_start = simulate(load_graph(template), load_scenario({"duration": "1d"}))
    assert any(a.startswith("schedules are evaluated from 2026-01-05T00:00:00Z")
               for a in default_start.assumptions)  # fmt: skip


def test_a_flexible_window_spreads_each_run_within_it():
    template = scheduler_template({"ScheduleExpression": "rate(1 hour)",
                                   "FlexibleTimeWindow": {"Mode": "FLEXIBLE",
                                                          "MaximumWindowInMinutes": 15}})  # fmt: skip
    sim = Simulation(load_graph(template), load_scenario({"duration": "1d", "seed": 4}))
    ((_, feed),) = sim.model.scheduled.feeds
    times = np.sort(feed.source.stream.peek(86_400))
    nominal = np.arange(24) * 3600.0
    delays = times - nominal
    assert len(times) == 24 and (delays >= 0).all() and (delays < 900).all()
    assert delays.std() > 60  # spread, not all at the start of the window


def test_disabled_schedules_and_other_targets():
    template = scheduler_template({"ScheduleExpression": "rate(5 minutes)", "State": "DISABLED"})
    result = simulate(load_graph(template), load_scenario({"duration": "1h"}))
    assert result.target("Rule").counts["ingested"] == 0
    template = scheduler_template({"ScheduleExpression": "rate(5 minutes)"})
    template["Resources"]["Nightly"]["Properties"]["Target"]["Arn"] = (
        "arn:aws:lambda:us-east-1:123456789012:function:billing"
    )
    result = simulate(load_graph(template), load_scenario({"duration": "1h"}))
    assert not [w for w in result.warnings if w["code"] == "schedule-not-simulated"]
    assert result.target("Nightly").counts["ingested"] == 12  # invoked directly: 0, 5, ... 55
    assert result.target("Rule").counts["ingested"] == 0  # nothing on the bus


@pytest.mark.parametrize(
    ("expression", "words"),
    [("cron(0 12 ? * 2#6 *)", "k in 1-5"), ("cron(0 12 ? * 9#1 *)", "n in 1-7"),
     ("cron(０ 12 * * ? *)", "only ASCII"), ("cron(" + "1," * 300 + "1 12 * * ? *)", "at most 256"),
     ("rate(1 minutes)", "write rate(1 minute)"), ("rate(2 minute)", "write rate(2 minutes)"),
     ("rate(100000000000000000000 days)", "it never fires within a run")],
)  # fmt: skip
def test_what_aws_refuses_is_not_simulated_and_says_why(expression, words):
    with pytest.raises(ScheduleError, match=re.escape(words)):
        firing_times(expression, MONDAY, 86_400)


def test_a_start_after_the_end_is_refused_and_the_warning_stays_short():
    with pytest.raises(
        ScheduleError, match="StartDate 2027-01-01T00:00:00\\+00:00 is after EndDate"
    ):
        firing_times("rate(5 minutes)", MONDAY, 86_400, start=datetime(2027, 1, 1, tzinfo=UTC),
                     end=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "S": {
        "Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "cron(" + "1," * 100_000 + "1 12 * * ? *)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": {"Fn::GetAtt": ["Q", "Arn"]}, "RoleArn": "arn:aws:iam::123456789012:role/r"}}}}}  # fmt: skip
    result = simulate(load_graph(template), load_scenario({"duration": "1h"}))
    (warning,) = [w for w in result.warnings if w["code"] == "schedule-not-simulated"]
    assert "at most 256" in warning["message"] and len(warning["message"]) < 500


def test_a_start_date_in_year_9999_fires_nothing_in_the_run():
    """Found by hand: far dates must neither overflow nor fire."""
    assert firing_times("rate(1 hour)", MONDAY, 86_400,
                        start=datetime(9999, 12, 31, 23, tzinfo=UTC), immediately=True) == []  # fmt: skip
