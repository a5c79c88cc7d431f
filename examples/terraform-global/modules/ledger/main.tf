# A ledger queue fed by a rule on the bus it is given, in the Region of its provider.
variable "bus_name" {
  type = string
}

resource "aws_sqs_queue" "ledger" {
  name = "ledger"
}

resource "aws_cloudwatch_event_rule" "to_ledger" {
  name           = "to-ledger"
  event_bus_name = var.bus_name
  event_pattern  = jsonencode({ source = ["acme.payments"], "detail-type" = ["PaymentAccepted"] })
}

resource "aws_cloudwatch_event_target" "ledger" {
  rule           = aws_cloudwatch_event_rule.to_ledger.name
  event_bus_name = var.bus_name
  arn            = aws_sqs_queue.ledger.arn
}
