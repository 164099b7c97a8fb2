output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "EKS API endpoint."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "EKS cluster CA (base64)."
  value       = module.eks.cluster_certificate_authority_data
}

output "karpenter_interruption_queue" {
  description = "SQS queue of spot interruption and health events: Karpenter's Helm value settings.interruptionQueue."
  value       = module.karpenter.queue_name
}

output "karpenter_node_role_name" {
  description = "IAM role of Karpenter-launched nodes."
  value       = module.karpenter.node_iam_role_name
}

output "karpenter_manifests" {
  description = "EC2NodeClass + NodePool (YAML, two documents) for the spot GPU nodes."
  value       = local.karpenter_manifests
}

output "msk_cluster_arn" {
  description = "MSK cluster ARN."
  value       = module.msk.arn
}

output "msk_bootstrap_brokers_sasl_iam" {
  description = "Bootstrap brokers for SASL/IAM over TLS (port 9098): the chart's kafka.bootstrapServers."
  value       = module.msk.bootstrap_brokers_sasl_iam
}

output "kafka_topics" {
  description = "Topic name -> partition count."
  value       = { for k, t in local.topics : t.name => t.partitions }
}

output "input_bucket" {
  description = "Input bucket name."
  value       = module.input_bucket.s3_bucket_id
}

output "output_bucket" {
  description = "Output bucket name."
  value       = module.output_bucket.s3_bucket_id
}

output "s3_kms_key_arn" {
  description = "KMS key of both buckets (the worker's worker.storage.sse-kms-key-id)."
  value       = aws_kms_key.data.arn
}

output "worker_role_arn" {
  description = "IAM role of the workers (Pod Identity association already made for worker_namespace/worker_service_account)."
  value       = aws_iam_role.worker.arn
}

output "keda_role_arn" {
  description = "IAM role of the KEDA operator (Pod Identity association for keda_namespace/keda_service_account)."
  value       = aws_iam_role.keda.arn
}

output "helm_values" {
  description = "Values for infra/helm/step1x-worker that tie the chart to this stack (helm install ... -f <(terraform output -raw helm_values))."
  value = yamlencode({
    kafka = {
      bootstrapServers = module.msk.bootstrap_brokers_sasl_iam
      consumerGroup    = var.consumer_group
      partitions       = var.request_partitions
      auth             = "iam"
    }
    aws = {
      region = local.region
    }
    autoscaling = {
      maxReplicaCount = min(var.request_partitions, var.gpu_limit)
    }
    config = {
      "worker.storage.region"                 = local.region
      "worker.storage.allowed-input-buckets"  = module.input_bucket.s3_bucket_id
      "worker.storage.allowed-output-buckets" = module.output_bucket.s3_bucket_id
      "worker.storage.sse"                    = "aws:kms"
      "worker.storage.sse-kms-key-id"         = aws_kms_key.data.arn
      # every S3 call names this account as the bucket owner (ExpectedBucketOwner)
      "worker.storage.expected-bucket-owner" = local.account_id
    }
  })
}
