"""When schedules fire: ``rate()``, ``cron()`` and ``at()`` expressions, as AWS evaluates them.

- **Rules** (``AWS::Events::Rule`` ``ScheduleExpression``): ``rate(value unit)`` or a six-field
  ``cron(minutes hours day-of-month month day-of-week year)``, always in **UTC**
  (eventbridge-facts §10). A rate rule's first event comes one interval after it is created
  (the start of the run here).
- **EventBridge Scheduler** (``AWS::Scheduler::Schedule``): the same ``rate`` and ``cron`` plus
  ``at(yyyy-mm-ddThh:mm:ss)``, evaluated in ``ScheduleExpressionTimezone`` (default UTC). Across
  daylight-saving changes AWS documents: in spring "your schedule invocation gets skipped if the
  cron expression falls on a non-existent date and time"; in autumn it "runs only once and
  doesn't repeat". A rate schedule starts at ``StartDate`` (else at once) and days are 24 hours.

Cron fields, as the EventBridge user guide lists them: minutes 0-59, hours 0-23, day-of-month 1-31
(``L`` last day, ``W`` nearest weekday, ``LW``), month 1-12 or JAN-DEC, day-of-week 1-7 (SUN=1)
or SUN-SAT (``nL`` last weekday n of the month, ``n#k`` the k-th), year 1970-2199; ``*``, ``,``,
``-`` and ``/`` everywhere; ``?`` in one of day-of-month and day-of-week. Written here rather
than taken from a cron library because AWS's dialect (six fields, 1-based weekdays, ``?``, its
DST rule) is not what general cron libraries implement. Times are exact minutes: AWS invokes
"with 60 second precision" (somewhere in that minute); the twin uses its start.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


class ScheduleError(ValueError):
    """A schedule expression the twin cannot read (the message names the part)."""


def _numbers(text: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """``*``, ``a``, ``a-b``, ``*/s``, ``a/s``, ``a-b/s`` and lists of them."""
    out: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        else:
            first_text, dash, last_text = base.partition("-")
            first = names.get(first_text.upper()) or int(first_text)
            last = (
                (names.get(last_text.upper()) or int(last_text))
                if dash
                else (high if step_text else first)
            )
        if not (low <= first <= high and low <= last <= high) or step < 1:
            raise ScheduleError(f"'{part}' is outside {low}-{high}")
        out.update(range(first, last + 1, step))
    return out


def _day_of_month(text: str) -> Callable[[date], bool]:
    if text == "?":
        return lambda _: True
    last = lambda d: calendar.monthrange(d.year, d.month)[1]  # noqa: E731
    if text == "L":
        return lambda d: d.day == last(d)
    if text == "LW" or text.endswith("W"):

        def nearest_weekday(d: date) -> bool:
            target = last(d) if text == "LW" else int(text[:-1])
            if target > last(d):
                return False
            day = date(d.year, d.month, target)
            if day.weekday() == 5:  # Saturday: Friday before, unless that leaves the month
                day = day - timedelta(1) if target > 1 else day + timedelta(2)
            elif day.weekday() == 6:  # Sunday: Monday after, unless that leaves the month
                day = day + timedelta(1) if target < last(d) else day - timedelta(2)
            return d == day

        return nearest_weekday
    days = _numbers(text, 1, 31, {})
    return lambda d: d.day in days


def _aws_weekday(d: date) -> int:
    return (d.weekday() + 1) % 7 + 1  # Monday=0 in Python; SUN=1 ... SAT=7 in AWS


def _day_of_week(text: str) -> Callable[[date], bool]:
    if text == "?":
        return lambda _: True
    if "#" in text:
        day_text, _, nth = text.partition("#")
        weekday, k = DAYS.get(day_text.upper()) or int(day_text), int(nth)
        if not (1 <= weekday <= 7 and 1 <= k <= 5):
            raise ScheduleError(f"'{text}': day-of-week n#k needs n in 1-7 and k in 1-5 (no "
                                "month has a sixth weekday)")  # fmt: skip
        return lambda d: _aws_weekday(d) == weekday and (d.day - 1) // 7 + 1 == k
    if text.endswith("L") and text != "L":
        weekday = DAYS.get(text[:-1].upper()) or int(text[:-1])
        return lambda d: (
            _aws_weekday(d) == weekday and d.day + 7 > calendar.monthrange(d.year, d.month)[1]
        )
    days = _numbers("7" if text == "L" else text, 1, 7, DAYS)
    return lambda d: _aws_weekday(d) in days


class Cron:
    """A six-field AWS cron expression."""

    def __init__(self, fields: str) -> None:
        if not fields.isascii():
            raise ScheduleError(
                f"cron({fields}): only ASCII digits, names and * , - / ? L W # (AWS refuses "
                "other characters, full-width digits too)"
            )
        parts = fields.split()
        if len(parts) != 6:
            raise ScheduleError(
                f"cron({fields}) needs 6 fields (minutes hours day-of-month month day-of-week "
                f"year), got {len(parts)}"
            )
        minutes, hours, dom, month, dow, year = parts
        if (dom == "?") == (dow == "?"):
            raise ScheduleError(f"cron({fields}): exactly one of day-of-month and day-of-week "
                                "must be '?'")  # fmt: skip
        try:
            self.minutes = sorted(_numbers(minutes, 0, 59, {}))
            self.hours = sorted(_numbers(hours, 0, 23, {}))
            self.months = _numbers(month, 1, 12, MONTHS)
            self.years = _numbers(year, 1970, 2199, {})
            self._dom, self._dow = _day_of_month(dom), _day_of_week(dow)
        except (ValueError, KeyError) as exc:
            raise ScheduleError(f"cron({fields}): {exc}") from None

    def day_matches(self, d: date) -> bool:
        return d.year in self.years and d.month in self.months and self._dom(d) and self._dow(d)

    def local_times(self, first: date, last: date) -> Iterator[datetime]:
        """Matching wall-clock times (naive) on the days ``first``..``last``."""
        day = first
        while day <= last:
            if self.day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        yield datetime(day.year, day.month, day.day, hour, minute)
            day += timedelta(1)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone '{name}' (an IANA name, e.g. Europe/Paris)"
        ) from None


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time exists in ``zone`` (not inside a spring-forward gap)."""
    there_and_back = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return there_and_back.replace(tzinfo=None) == local


def _rate_interval(expression: str, rate: re.Match[str]) -> int:
    """Seconds between firings of ``rate(N unit)``; AWS wants ``1 minute`` and ``5 minutes``."""
    value, unit = int(rate.group(1)), rate.group(2)
    if value <= 0:
        raise ScheduleError(f"{expression}: the rate must be positive")
    if (value == 1) == unit.endswith("s"):
        right = unit.rstrip("s") if value == 1 else unit + "s"
        raise ScheduleError(f"{expression}: write rate({value} {right}) (AWS refuses the other)")
    if value * _UNIT[unit] > LONGEST_RATE:
        raise ScheduleError(f"{expression}: an interval over {LONGEST_RATE // 86_400 // 365:,} "
                            "years: it never fires within a run")  # fmt: skip
    return value * _UNIT[unit]


LONGEST_RATE = 1_000 * 365 * 86_400
"""A rate interval longer than this (1,000 years) fires in no run the twin can make (its runs
are bounded far below), and dates that far ahead overflow Python's calendar."""


MAX_EXPRESSION_CHARS = 256
"""ScheduleExpression's length limit, for rules and Scheduler alike (their API references)."""


def _checked(expression: str) -> str:
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ScheduleError(f"the expression is {len(expression):,} characters; AWS accepts at "
                            f"most {MAX_EXPRESSION_CHARS}")  # fmt: skip
    return expression.strip()


def firings_bound(expression: str, horizon: float) -> float:
    """At most how many times ``expression`` fires in ``horizon`` seconds, without listing
    them: a rate's count, one a minute for cron (its finest step), one for at()."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        return 0.0  # not simulated: a warning says why
    text = expression.strip()
    if (rate := _RATE.match(text)) is not None:
        try:
            return horizon / _rate_interval(expression, rate) + 1
        except ScheduleError:
            return 0.0  # not simulated: a warning says why
    if text.startswith("cron("):
        return horizon / 60 + 1
    return 1.0


def firing_times(
    expression: str,
    origin: datetime,
    horizon: float,
    *,
    timezone: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    immediately: bool = False,
) -> list[float]:
    """Seconds after ``origin`` (an aware UTC datetime, the run's start) at which the schedule
    fires before ``horizon``; ``start``/``end`` bound it (Scheduler's StartDate/EndDate);
    ``immediately``: a rate schedule without a start fires at once (Scheduler), not one
    interval later (rules)."""
    text = _checked(expression)
    if start is not None and end is not None and start > end:
        raise ScheduleError(f"StartDate {start.isoformat()} is after EndDate {end.isoformat()} "
                            "(AWS refuses it)")  # fmt: skip
    zone = _zone(timezone)
    begin = max(origin, start) if start else origin
    stop = origin + timedelta(seconds=horizon)
    if end is not None:
        stop = min(stop, end)
    if (rate := _RATE.match(text)) is not None:
        interval = _rate_interval(expression, rate)
        # the first firing: StartDate (Scheduler), else at once (Scheduler) or one interval
        # after the rule is created (rules)
        anchor = start or (origin if immediately else origin + timedelta(seconds=interval))
        skip = max(0, math.ceil((begin - anchor).total_seconds() / interval))
        t = (anchor - origin).total_seconds() + skip * interval
        times = []
        while t < (stop - origin).total_seconds():
            times.append(t)
            t += interval
        return times
    if text.startswith("at(") and text.endswith(")"):
        try:
            local = datetime.fromisoformat(text[3:-1])
        except ValueError:
            raise ScheduleError(f"{expression}: needs at(yyyy-mm-ddThh:mm:ss)") from None
        moment = local.replace(tzinfo=zone).astimezone(UTC)
        return [(moment - origin).total_seconds()] if begin <= moment < stop else []
    if text.startswith("cron(") and text.endswith(")"):
        cron = Cron(text[5:-1])
        seen: set[datetime] = set()
        times = []
        first_day = begin.astimezone(zone).date() - timedelta(1)
        last_day = stop.astimezone(zone).date() + timedelta(1)
        for local in cron.local_times(first_day, last_day):
            if not _exists(local, zone):
                continue  # spring forward: the time does not exist that day, skipped
            moment = local.replace(tzinfo=zone, fold=0).astimezone(UTC)  # autumn: once
            if begin <= moment < stop and moment not in seen:
                seen.add(moment)
                times.append((moment - origin).total_seconds())
        return sorted(times)
    raise ScheduleError(f"'{expression}' is not rate(...), cron(...) or at(...)")
