"""``Simulation``: a built :class:`~.model.Model` (:mod:`.build`) run with SimPy as the engine
of time.

One SimPy process advances the model in steps whose length the engine chooses (:mod:`.lookahead`:
as far as nothing inside the step could change what it assumed). In each step every Region ingests
the calls made in it and every lane starts what is ready; events rules delivered to other buses
arrive in the same step, wave after wave. Before each step, every alarm evaluation due by then is
made, in time order, from datapoints that all exist by then; routing reads the alarms' states.
Within a step the work is arithmetic on exact times, so the steps change no timing.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from bridgetwin.graph import Graph
from bridgetwin.simulator.aws.metrics import evaluation_times
from bridgetwin.simulator.engine.build import build_model
from bridgetwin.simulator.engine.collect import build_result
from bridgetwin.simulator.engine.lookahead import Lookahead
from bridgetwin.simulator.engine.model import Model
from bridgetwin.simulator.engine.producers import ProducerSource
from bridgetwin.simulator.results import Result
from bridgetwin.simulator.scenario import Scenario


class Simulation:
    """A graph and a scenario, built into a :class:`~.model.Model` (``model``) and ready to
    run. Use ``run_until(t)`` or ``run()``."""

    def __init__(
        self,
        graph: Graph,
        scenario: Scenario,
        progress: Callable[[float, float], None] | None = None,
        *,
        latency_by_minute: bool = True,
    ) -> None:
        self.model: Model = build_model(graph, scenario, latency_by_minute=latency_by_minute)
        self._progress = progress
        self.env = simpy.Environment()
        self._started = False

    # -- running -------------------------------------------------------------------------------

    def _stepper(self):
        """Each step: the alarms due by its start, then every Region ingests (in parts, see
        ``_ingest``) and every lane starts what is ready. Events handed from one Region or bus
        to another during the step (a rule's delivery to another bus, a global endpoint's
        replication) arrive there in the same step: the Regions ingest them and the lanes run
        again, wave after wave, until none is due (at most ``max_hops`` waves follow one another
        for hops). At its end, each global endpoint condenses what its primary accepted."""
        model = self.model
        regions, lanes, alarms = list(model.regions.values()), model.lanes, model.alarms
        backlogs = [state.backlog for state in model.states if state.backlog is not None]
        producers = [f.source for r in regions for f in r.feeds
                     if isinstance(f.source, ProducerSource)]  # fmt: skip
        producers += [router.source for router in model.routers]
        lookahead = Lookahead(
            model.horizon, list(model.routers), producers, model.scenario.eventbridge.step,
            marks=[replay.start for replay in model.scenario.replays],
        )  # fmt: skip
        evaluations = sorted(
            (at, index)
            for index, alarm in enumerate(alarms)
            if not alarm.note  # an alarm on a metric nothing publishes still evaluates: no data
            for at in evaluation_times(alarm.period, model.horizon)
        )
        done = 0
        while self.env.now < model.horizon - 1e-9:
            now = self.env.now
            while done < len(evaluations) and evaluations[done][0] <= now + 1e-9:
                at, index = evaluations[done]
                alarms[index].evaluate(at)
                done += 1
            t1 = lookahead.next_stop(now)
            t = now
            while t < t1:
                t = self._ingest(t, t1)
            for lane in lanes:
                lane.run_until(t1)
            due = [r for r in regions if r.handed_over(t1)]
            while due:
                for region in due:
                    region.step(now, t1, handed_over=True)
                for lane in lanes:
                    lane.run_until(t1)
                due = [r for r in regions if r.handed_over(t1)]
            model.functions.run_until(t1)  # every acceptance before t1 is known by now
            for router in model.routers:
                router.settle(t1)
            for backlog in backlogs:  # every event received or finished before t1 is known
                backlog.advance(t1)
            yield self.env.timeout(t1 - now)
        for at, index in evaluations[done:]:
            alarms[index].evaluate(at)

    def _ingest(self, t: float, t1: float) -> float:
        """Every Region ingests one part of the step from ``t``; returns where the part ended.

        While a Region answers calls with errors, a part runs to ``t1`` and the producers'
        retries that fall inside it are taken in waves, when the PutEvents quota cannot bind
        in it; otherwise (and where the quota binds) the part ends before the earliest retry a
        rejection could cause, so every retry is made at its time either way."""
        regions = list(self.model.regions.values())
        cuts: list[float | None] = []
        errors = tuple(w for region in regions for w in region.rejections(t, t1))
        if errors:
            cuts = [region.safe_until(t, t1, errors=errors) for region in regions]
        waves = bool(cuts) and None not in cuts
        if not waves:
            cuts = [region.safe_until(t, t1) for region in regions]
        cut = min((c for c in cuts if c is not None), default=t1)
        for region in regions:
            region.step(t, cut)
        retrying = [region for region in regions if waves and region.retries_due(cut)]
        while retrying:
            for region in retrying:
                region.step(t, cut, retried=True)
            retrying = [region for region in regions if region.retries_due(cut)]
        for region in regions:
            region.end_part()
        return cut

    def _progress_process(self):
        horizon = self.model.horizon
        interval = horizon / 100
        while self.env.now < horizon:
            assert self._progress is not None
            self._progress(self.env.now, horizon)
            yield self.env.timeout(interval)

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        self.env.process(self._stepper())
        if self._progress:
            self.env.process(self._progress_process())

    def run_until(self, t: float) -> None:
        """Advance simulated time to ``t`` seconds (at most the scenario's duration)."""
        self._start()
        self.env.run(until=min(t, self.model.horizon) + 1e-9)
        for lane in self.model.lanes:
            lane.flush()

    def run(self) -> Result:
        """Run to the scenario's duration and return the result (checking conservation)."""
        horizon = self.model.horizon
        self.run_until(horizon)
        if self._progress:
            self._progress(horizon, horizon)
        return build_result(self.model)
