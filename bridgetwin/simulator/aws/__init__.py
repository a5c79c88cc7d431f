"""Documented AWS behaviour, one module per component, each opening with what AWS does and what
the twin simplifies (``shared/reference/eventbridge-facts.md``):

- :mod:`.behaviour`: an HTTPS endpoint behind an API destination (5 s timeout, which statuses are
  retried, Retry-After, OAuth refresh) and other targets' latency and failures;
- :mod:`.gates`: an API destination's rate limit (GCRA token bucket) and concurrency limits;
- :mod:`.policy`: the retry policy (attempts, event age, backoff) and the dead-letter queue;
- :mod:`.quotas`: the Regions' PutEvents and invocation quotas;
- :mod:`.metrics`: CloudWatch metrics and alarm evaluation with missing-data semantics;
- :mod:`.failover`: Route 53 health checks and global-endpoint routing and replication, with
  :mod:`.replication_risk` for the events at risk when producers switch Regions.

Nothing here imports the engine (:mod:`bridgetwin.simulator.engine`), which drives these pieces.
"""
