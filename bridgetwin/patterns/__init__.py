"""The EventBridge event-pattern language: compile (validate with AWS-style errors) and match.

Pure Python with no dependencies; used by the constructs (synth-time validation), the simulator
(routing) and the CLI (``bridgetwin test-pattern``).
"""
