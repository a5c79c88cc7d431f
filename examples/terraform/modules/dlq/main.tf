# The webhook's dead-letter queue (the module main.tf calls as ./modules/dlq).

variable "name" {
  type    = string
  default = "webhook-dlq"
}

resource "aws_sqs_queue" "this" {
  name                    = var.name
  sqs_managed_sse_enabled = true
}

output "queue_arn" {
  value = aws_sqs_queue.this.arn
}
