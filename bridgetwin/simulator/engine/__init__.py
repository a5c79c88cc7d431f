"""The machinery that runs a scenario against a graph, with AWS's behaviour (:mod:`..aws`).

Building (once): :mod:`.build` makes the :class:`~.model.Model` from the graph and the scenario
in stages: :mod:`.binding` (the scenario's names bound to the graph), :mod:`.wiring` (lanes and
target states), :mod:`.functions` (Lambda's async queues), :mod:`.matching` (rules by pattern),
:mod:`.stores` (metric stores), :mod:`.alarm_feeds` (what each alarm watches), :mod:`.hops`
(events rules deliver to other buses), :mod:`.pipes`, :mod:`.scheduled`, :mod:`.replays` and
:mod:`.regions` (every Region's ingestion and its feeds); :mod:`.findings` says what the model
could not represent, as warnings and assumptions.

Running: :mod:`.simulation` steps the model with SimPy (:mod:`.lookahead` chooses the steps);
:mod:`.workload` and :mod:`.producers` make producers' PutEvents calls; :mod:`.ingestion` is a
Region's ingestion of its :mod:`.feeds` and their routing, :mod:`.put_admission` its PutEvents
quota, errors and parts; :mod:`.lane`, :mod:`.blocks` and :mod:`.pending` are requests
waiting for and taking one target; :mod:`.targets` tallies each target as the run goes.

Reading: :mod:`.collect` turns the finished model into result records, with
:mod:`.failover_summary` for global endpoints.
"""
