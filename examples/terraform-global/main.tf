# The payments global endpoint of app.py written in Terraform: buses in us-east-1 and us-west-2
# (an aliased provider), a ledger consumer in each Region (one module, given the secondary
# provider), an audit rule placed by the AWS provider's own `region` argument (version 6),
# and the endpoint with its health check on the primary's ingestion latency.
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "secondary"
  region = var.secondary_region
}

variable "secondary_region" {
  type    = string
  default = "us-west-2"
}

resource "aws_cloudwatch_event_bus" "primary" {
  name = "payments"
}

resource "aws_cloudwatch_event_bus" "secondary" {
  provider = aws.secondary
  name     = "payments"
}

module "ledger_primary" {
  source   = "./modules/ledger"
  bus_name = aws_cloudwatch_event_bus.primary.name
}

module "ledger_secondary" {
  source   = "./modules/ledger"
  bus_name = aws_cloudwatch_event_bus.secondary.name
  providers = {
    aws = aws.secondary
  }
}

resource "aws_sqs_queue" "audit" {
  region = "us-west-2"
  name   = "payments-audit"
}

resource "aws_cloudwatch_event_rule" "audit" {
  region         = "us-west-2"
  name           = "audit"
  event_bus_name = aws_cloudwatch_event_bus.secondary.name
  event_pattern  = jsonencode({ source = ["acme.payments"] })
}

resource "aws_cloudwatch_event_target" "audit" {
  region         = "us-west-2"
  rule           = aws_cloudwatch_event_rule.audit.name
  event_bus_name = aws_cloudwatch_event_bus.secondary.name
  arn            = aws_sqs_queue.audit.arn
}

resource "aws_cloudwatch_metric_alarm" "health" {
  alarm_name          = "payments-health"
  namespace           = "AWS/Events"
  metric_name         = "IngestionToInvocationStartLatency"
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  threshold           = 30000
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "breaching"
}

resource "aws_route53_health_check" "primary" {
  type                            = "CLOUDWATCH_METRIC"
  cloudwatch_alarm_name           = aws_cloudwatch_metric_alarm.health.alarm_name
  cloudwatch_alarm_region         = "us-east-1"
  insufficient_data_health_status = "Unhealthy"
}

resource "aws_cloudwatch_event_endpoint" "payments" {
  name     = "payments"
  role_arn = "arn:aws:iam::123456789012:role/replication"
  event_bus {
    event_bus_arn = aws_cloudwatch_event_bus.primary.arn
  }
  event_bus {
    event_bus_arn = aws_cloudwatch_event_bus.secondary.arn
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
        route = var.secondary_region
      }
    }
  }
}
