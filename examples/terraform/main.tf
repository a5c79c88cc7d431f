# The configuration examples/terraform/plan.json was planned from (terraform plan -out tfplan;
# terraform show -json tfplan > plan.json). bridgetwin reads either: the plan, or this folder.

provider "aws" {
  region = "us-east-1"
}

variable "partner_api_key" {
  type      = string
  sensitive = true
}

resource "aws_cloudwatch_event_bus" "orders" {
  name = "orders"
}

resource "aws_cloudwatch_event_connection" "partner" {
  name               = "partner"
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "x-api-key"
      value = var.partner_api_key
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "dest" {
  name                             = "dest"
  invocation_endpoint              = "https://api.example.com/hook"
  http_method                      = "POST"
  invocation_rate_limit_per_second = 3
  connection_arn                   = aws_cloudwatch_event_connection.partner.arn
}

resource "aws_cloudwatch_event_rule" "to_webhook" {
  name           = "to-webhook"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern = jsonencode({
    source        = ["acme.orders"]
    "detail-type" = ["OrderCreated"]
  })
}

module "dlq" {
  source = "./modules/dlq" # one aws_sqs_queue "this" named webhook-dlq; output queue_arn
}

resource "aws_cloudwatch_event_target" "api" {
  rule           = aws_cloudwatch_event_rule.to_webhook.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  target_id      = "Api"
  arn            = aws_cloudwatch_event_api_destination.dest.arn

  retry_policy {
    maximum_retry_attempts       = 5
    maximum_event_age_in_seconds = 600
  }

  dead_letter_config {
    arn = module.dlq.queue_arn
  }
}
