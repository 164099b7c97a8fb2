data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  input_bucket  = coalesce(var.input_bucket_name, "${var.name}-${local.account_id}-input")
  output_bucket = coalesce(var.output_bucket_name, "${var.name}-${local.account_id}-output")

  control_plane_subnet_ids = length(var.control_plane_subnet_ids) > 0 ? var.control_plane_subnet_ids : var.private_subnet_ids

  # The contracts (contracts/README.md): topic names, the worker group.
  topics = {
    requests = {
      name       = "image-edit.requests"
      partitions = var.request_partitions
      retention  = var.request_retention_hours
    }
    results = {
      name       = "image-edit.results"
      partitions = var.result_partitions
      retention  = var.result_retention_hours
    }
    metrics = {
      name       = "image-edit.metrics"
      partitions = 3
      retention  = var.result_retention_hours
    }
    dlq = {
      name       = "image-edit.requests.dlq"
      partitions = 3
      retention  = var.request_retention_hours
    }
  }

  tags = merge(var.tags, {
    "step1x.dev/stack" = var.name
  })
}
