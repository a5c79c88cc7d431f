"""CDK L3 constructs for EventBridge deployments (the only package that imports ``aws_cdk``).

It will own ``ApiDelivery`` (connection, API destination, rules, retry policy, dead-letter queue
and alarms) and ``GlobalEventBus`` (two regional buses, the latency alarm, the Route 53 health
check, the replication role and the global endpoint). Until then, ``app.py`` builds its example
from CDK L2.
"""
