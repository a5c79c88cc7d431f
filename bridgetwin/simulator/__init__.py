"""The offline twin: a SimPy discrete-event model of EventBridge delivery.

It will own the scenario schema, workloads, PutEvents ingestion, routing, API-destination rate
limiting and connection auth, HTTP endpoint behaviour, retries and dead-letter queues, CloudWatch
metrics and alarms, Route 53 health checks and global-endpoint failover. It reads a deployment
graph loaded from CloudFormation and never imports ``aws_cdk``, so it starts fast and runs on any
template.
"""
