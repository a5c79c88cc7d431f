"""``Simulation``: a built model (:mod:`.assembly`) run with SimPy as the engine of time.

SimPy drives a few long-lived processes that advance in steps: each Region ingests the calls of
the step, each lane starts what is ready, each alarm closes its periods. Within a step the work is
arithmetic on exact times, so the step size changes when alarms and routing see new data, never
the timings themselves. Processes created in that order run in that order at equal times, so
every datapoint before an alarm's evaluation time exists when the alarm evaluates.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from bridgetwin.graph import Graph
from bridgetwin.simulator.assembly import ModelBuilder
from bridgetwin.simulator.metrics import AlarmModel, evaluation_times
from bridgetwin.simulator.result import Result, build_result
from bridgetwin.simulator.scenario import Scenario


class Simulation(ModelBuilder):
    """A graph and a scenario, ready to run. Use ``run_until(t)`` or ``run()``."""

    def __init__(
        self,
        graph: Graph,
        scenario: Scenario,
        progress: Callable[[float, float], None] | None = None,
    ) -> None:
        super().__init__(graph, scenario)
        self._progress = progress
        self.env = simpy.Environment()
        self._started = False

    # -- running -------------------------------------------------------------------------------

    def _stepper(self, work: Callable[[float, float], None]):
        step = self.scenario.eventbridge.step
        while self.env.now < self.horizon - 1e-9:
            now = self.env.now
            work(now, min(now + step, self.horizon))
            yield self.env.timeout(step)

    def _alarm_process(self, model: AlarmModel):
        for at in evaluation_times(model.period, self.horizon):
            yield self.env.timeout(at - self.env.now)
            model.evaluate(at)

    def _progress_process(self):
        interval = max(self.horizon / 100, self.scenario.eventbridge.step)
        while self.env.now < self.horizon:
            assert self._progress is not None
            self._progress(self.env.now, self.horizon)
            yield self.env.timeout(interval)

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        for region in self.regions.values():
            self.env.process(self._stepper(region.step))
        for lane in self.lanes:
            self.env.process(self._stepper(lambda _, t_end, lane=lane: lane.run_until(t_end)))
        for model in self.alarms:
            if not model.note:  # an alarm on a metric nothing publishes still evaluates: no data
                self.env.process(self._alarm_process(model))
        if self._progress:
            self.env.process(self._progress_process())

    def run_until(self, t: float) -> None:
        """Advance simulated time to ``t`` seconds (at most the scenario's duration)."""
        self._start()
        self.env.run(until=min(t, self.horizon) + 1e-9)
        for lane in self.lanes:
            lane.flush()

    def run(self) -> Result:
        """Run to the scenario's duration and return the result (checking conservation)."""
        self.run_until(self.horizon)
        if self._progress:
            self._progress(self.horizon, self.horizon)
        return build_result(self)
