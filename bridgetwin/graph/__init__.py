"""The deployment graph: frozen dataclasses describing an EventBridge deployment, and the loader
that builds them from CloudFormation (a cloud assembly, a template file, or an in-memory dict).

Imports neither ``aws_cdk`` nor ``simpy``.
"""
