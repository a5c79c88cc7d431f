"""The machinery that runs a scenario against a graph, with AWS's behaviour (:mod:`..aws`):

- :mod:`.assembly` and :mod:`.wiring`: build the model from the graph and the scenario in
  stages; :mod:`.findings`: what the model could not represent, said as warnings and assumptions;
- :mod:`.workload` and :mod:`.producers`: producers' PutEvents calls; :mod:`.ingestion`: a
  Region's ingestion and routing; :mod:`.hops`: events rules deliver to other buses;
- :mod:`.lane`, :mod:`.blocks`, :mod:`.pending`: requests waiting for and taking one target;
  :mod:`.targets`: what is tallied per target while the run goes;
- :mod:`.simulation`: the SimPy process that steps it all; :mod:`.collect`: the result records.
"""
