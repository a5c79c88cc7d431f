"""``Simulation``: a built model (:mod:`.assembly`) run with SimPy as the engine of time.

SimPy drives a few long-lived processes that advance in steps: in each step every Region ingests
the calls of the step and every lane starts what is ready (then, for events rules delivered to
other buses, the receiving Regions and the lanes again); each alarm closes its periods. Within a
step the work is arithmetic on exact times, so the step size changes when alarms and routing see
new data, never the timings themselves. Processes created in that order run in that order at
equal times, so every datapoint before an alarm's evaluation time exists when it evaluates.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from bridgetwin.graph import Graph
from bridgetwin.simulator.aws.metrics import AlarmModel, evaluation_times
from bridgetwin.simulator.engine.assembly import ModelBuilder
from bridgetwin.simulator.engine.collect import build_result
from bridgetwin.simulator.results import Result
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

    def _stepper(self):
        """Each step: every Region ingests, then every lane starts what is ready. Events a
        rule delivered to another bus during the step arrive there in the same step: the
        Regions ingest them and the lanes run again, wave after wave, until none is due
        (at most ``max_hops`` waves follow one another)."""
        step = self.scenario.eventbridge.step
        regions, lanes = list(self.regions.values()), self.lanes
        with_hops = [r for r in regions if any(f.kind == "hop" for f in r.feeds)]
        while self.env.now < self.horizon - 1e-9:
            now = self.env.now
            t1 = min(now + step, self.horizon)
            for region in regions:
                region.step(now, t1)
            for lane in lanes:
                lane.run_until(t1)
            due = [r for r in with_hops if r.hops_due(t1)]
            while due:
                for region in due:
                    region.step(now, t1, hops_only=True)
                for lane in lanes:
                    lane.run_until(t1)
                due = [r for r in with_hops if r.hops_due(t1)]
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
        self.env.process(self._stepper())
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
