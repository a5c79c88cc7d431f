"""Pipes, Scheduler schedules, a global endpoint with its health check and a Lambda invoke
configuration written in Terraform load as their CloudFormation forms do (written by hand here),
and the pipe's deployment simulates alike."""

from __future__ import annotations

import json

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate

FILTER = {"detail": {"amount": [{"numeric": [">", 100]}]}}

HCL = """
resource "aws_cloudwatch_event_bus" "orders" {
  name = "orders"
}

resource "aws_sqs_queue" "work" {
  name = "work"
}

resource "aws_sqs_queue" "out" {
  name = "out"
}

resource "aws_cloudwatch_event_rule" "to_queue" {
  name           = "to-queue"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern  = jsonencode({ source = ["acme.orders"] })
}

resource "aws_cloudwatch_event_target" "queue" {
  rule           = aws_cloudwatch_event_rule.to_queue.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  target_id      = "Q"
  arn            = aws_sqs_queue.work.arn
}

resource "aws_pipes_pipe" "large" {
  name     = "large-orders"
  role_arn = "arn:aws:iam::123456789012:role/pipe"
  source   = aws_sqs_queue.work.arn
  target   = aws_sqs_queue.out.arn

  source_parameters {
    sqs_queue_parameters {
      batch_size                         = 5
      maximum_batching_window_in_seconds = 2
    }
    filter_criteria {
      filter {
        pattern = jsonencode({ detail = { amount = [{ numeric = [">", 100] }] } })
      }
    }
  }
}

resource "aws_scheduler_schedule" "nightly" {
  name                         = "nightly"
  schedule_expression          = "cron(30 2 * * ? *)"
  schedule_expression_timezone = "Europe/Paris"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_sqs_queue.work.arn
    role_arn = "arn:aws:iam::123456789012:role/scheduler"
    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 600
    }
    dead_letter_config {
      arn = aws_sqs_queue.out.arn
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "health" {
  alarm_name          = "orders-health"
  namespace           = "AWS/Events"
  metric_name         = "IngestionToInvocationStartLatency"
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  threshold           = 30000
  comparison_operator = "GreaterThanThreshold"
}

resource "aws_route53_health_check" "primary" {
  type                            = "CLOUDWATCH_METRIC"
  cloudwatch_alarm_name           = aws_cloudwatch_metric_alarm.health.alarm_name
  cloudwatch_alarm_region         = "us-east-1"
  insufficient_data_health_status = "Healthy"
}

resource "aws_cloudwatch_event_endpoint" "global" {
  name     = "orders-global"
  role_arn = "arn:aws:iam::123456789012:role/replication"
  event_bus {
    event_bus_arn = aws_cloudwatch_event_bus.orders.arn
  }
  event_bus {
    event_bus_arn = "arn:aws:events:us-west-2:123456789012:event-bus/orders"
  }
  replication_config {
    state = "ENABLED"
  }
  routing_config {
    failover_config {
      primary {
        health_check = aws_route53_health_check.primary.arn
      }
      secondary {
        route = "us-west-2"
      }
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "handler" {
  function_name                = "handler"
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 120
}
"""

CFN = {"Resources": {
    "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
    "Work": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "work"}},
    "Out": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "out"}},
    "ToQueue": {"Type": "AWS::Events::Rule", "Properties": {
        "Name": "to-queue", "EventBusName": {"Ref": "Bus"},
        "EventPattern": {"source": ["acme.orders"]},
        "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Work", "Arn"]}}]}},
    "Large": {"Type": "AWS::Pipes::Pipe", "Properties": {
        "Name": "large-orders", "RoleArn": "arn:aws:iam::123456789012:role/pipe",
        "Source": {"Fn::GetAtt": ["Work", "Arn"]}, "Target": {"Fn::GetAtt": ["Out", "Arn"]},
        "SourceParameters": {"SqsQueueParameters": {"BatchSize": 5,
                                                    "MaximumBatchingWindowInSeconds": 2},
                             "FilterCriteria": {"Filters": [{"Pattern": json.dumps(FILTER)}]}}}},
    "Nightly": {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "Name": "nightly", "ScheduleExpression": "cron(30 2 * * ? *)",
        "ScheduleExpressionTimezone": "Europe/Paris", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": {"Fn::GetAtt": ["Work", "Arn"]},
                   "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
                   "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
                   "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Out", "Arn"]}}}}},
}}  # fmt: skip


def test_pipes_and_schedules_load_as_their_cloudformation_forms(tmp_path):
    (tmp_path / "main.tf").write_text(HCL)
    tf, cfn = load_graph(str(tmp_path)), load_graph(CFN)
    ((pipe_t,), (pipe_c,)) = tf.pipes, cfn.pipes
    assert (pipe_t.source, pipe_c.source) == ("aws_sqs_queue.work", "Work")
    assert (pipe_t.target.resource, pipe_c.target.resource) == ("aws_sqs_queue.out", "Out")
    for field in ("name", "source_kind", "batch_size", "batching_window_seconds", "running"):
        assert getattr(pipe_t, field) == getattr(pipe_c, field), field
    assert [f.to_dict() for f in pipe_t.filters] == [f.to_dict() for f in pipe_c.filters] != []
    ((schedule_t,), (schedule_c,)) = tf.schedules, cfn.schedules
    assert schedule_t.target.retry_policy == schedule_c.target.retry_policy
    assert schedule_t.target.dead_letter_queue == "aws_sqs_queue.out"
    for field in ("name", "expression", "timezone", "enabled"):
        assert getattr(schedule_t, field) == getattr(schedule_c, field), field
    spec = load_scenario({"duration": "10m", "seed": 4, "eventbridge": {"processing_latency": 0},
                          "traffic": [{"bus": "orders", "region": "us-east-1", "rate": 4, "events": [
                              {"weight": 1, "event": {"source": "acme.orders", "detail-type": "O",
                                                      "detail": {"amount": 50}}},
                              {"weight": 1, "event": {"source": "acme.orders", "detail-type": "O",
                                                      "detail": {"amount": 500}}}]}],
                          "targets": [{"match": "*", "latency": "10ms"}]})  # fmt: skip
    got_t, got_c = simulate(tf, spec), simulate(cfn, spec)
    assert got_t.pipes[0]["received"] == got_c.pipes[0]["received"] > 0
    assert got_t.pipes[0]["filtered_out"] == got_c.pipes[0]["filtered_out"] > 0


def test_an_endpoint_its_health_check_and_an_invoke_config_are_read(tmp_path):
    (tmp_path / "main.tf").write_text(HCL)
    graph = load_graph(str(tmp_path))
    (endpoint,), (check,) = graph.endpoints, graph.health_checks
    assert endpoint.health_check == check.id == "aws_route53_health_check.primary"
    assert (endpoint.secondary_region, endpoint.replication_enabled) == ("us-west-2", True)
    assert endpoint.event_buses[0] == "aws_cloudwatch_event_bus.orders"
    assert check.alarm == "aws_cloudwatch_metric_alarm.health" and check.type == "CLOUDWATCH_METRIC"
    (config,) = graph.invoke_configs
    assert (config.function, config.qualifier) == ("handler", "$LATEST")
    assert (config.config.maximum_retry_attempts, config.config.maximum_event_age_seconds) == (
        0, 120)  # fmt: skip
