"""Calibration: production metrics in, a scenario out; and a backtest of the twin against them.

- :mod:`.recording`: CloudWatch metrics as aligned series (:class:`Recording`, :class:`MetricKey`);
- :mod:`.metric_exports`: ``get-metric-data`` JSON and CSV files, and the queries to export them;
- :mod:`.cloudwatch_fetch`: the same metrics fetched with boto3 (imported only when used);
- :mod:`.deployment_metrics`: which metrics describe a deployment; recorded names -> rules;
- :mod:`.traffic_fit`, :mod:`.target_fit`, :mod:`.function_fit`, :mod:`.calibrated_scenario`:
  the scenario the metrics tell, its events shaped by :mod:`.schema_events`;
  :mod:`.scenario_yaml`: that scenario written with its provenance;
- :mod:`.twin_recording`: a run in CloudWatch's terms; :mod:`.backtest` and
  :mod:`.backtest_report`: predicted against recorded, period by period.
"""

from __future__ import annotations

from bridgetwin.calibration.backtest import Backtest, MetricFit, backtest
from bridgetwin.calibration.calibrated_scenario import Calibration, calibrate
from bridgetwin.calibration.deployment_metrics import RuleMetrics, deployment_keys, rule_metrics
from bridgetwin.calibration.errors import CalibrationError
from bridgetwin.calibration.metric_exports import (
    metric_data_output,
    metric_data_queries,
    read_metrics,
)
from bridgetwin.calibration.recording import MetricKey, Recording
from bridgetwin.calibration.twin_recording import twin_recording

__all__ = [
    "Backtest",
    "Calibration",
    "CalibrationError",
    "MetricFit",
    "MetricKey",
    "Recording",
    "RuleMetrics",
    "backtest",
    "calibrate",
    "deployment_keys",
    "metric_data_output",
    "metric_data_queries",
    "read_metrics",
    "rule_metrics",
    "twin_recording",
]
