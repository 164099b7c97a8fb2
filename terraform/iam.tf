################################################################################
# Least-privilege roles for EKS Pod Identity (trust: pods.eks.amazonaws.com, sts:AssumeRole + sts:TagSession).
#   worker: read the input bucket, write (and read back, for previousRequestId) the output bucket, use the
#           data key through S3 only, connect to MSK, read the request topic, write the result, metrics and
#           dead-letter topics, use its consumer group. Nothing else.
#   keda:   connect to MSK and describe the group and the request topic (lag), nothing else.
################################################################################

locals {
  # MSK IAM resource ARNs: arn:aws:kafka:<region>:<account>:{cluster,topic,group}/<cluster name>/<cluster uuid>/<name>
  msk_cluster_arn   = module.msk.arn
  msk_topic_prefix  = replace(module.msk.arn, ":cluster/", ":topic/")
  msk_group_prefix  = replace(module.msk.arn, ":cluster/", ":group/")
  msk_request_topic = "${local.msk_topic_prefix}/${local.topics.requests.name}"
  msk_write_topics = [
    "${local.msk_topic_prefix}/${local.topics.results.name}",
    "${local.msk_topic_prefix}/${local.topics.metrics.name}",
    "${local.msk_topic_prefix}/${local.topics.dlq.name}",
  ]
  msk_worker_group = "${local.msk_group_prefix}/${var.consumer_group}"
}

data "aws_iam_policy_document" "pod_identity_trust" {
  statement {
    sid     = "EksPodIdentity"
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# ------------------------------------------------------------------------------------------------- worker

data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "ReadInputs"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${module.input_bucket.s3_bucket_arn}/*"]
  }

  # Lets a missing input answer 404 (INPUT_NOT_FOUND) instead of 403 (ACCESS_DENIED).
  statement {
    sid       = "ListInputs"
    actions   = ["s3:ListBucket"]
    resources = [module.input_bucket.s3_bucket_arn]
  }

  statement {
    sid       = "WriteOutputs"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${module.output_bucket.s3_bucket_arn}/*"]
  }

  # previousRequestId: an edit of an earlier output reads it back.
  statement {
    sid       = "ReadOutputs"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${module.output_bucket.s3_bucket_arn}/*"]
  }

  statement {
    sid       = "ListOutputs"
    actions   = ["s3:ListBucket"]
    resources = [module.output_bucket.s3_bucket_arn]
  }

  statement {
    sid       = "DataKeyThroughS3Only"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid = "KafkaConnect"
    actions = [
      "kafka-cluster:Connect",
      # enable.idempotence=true on the worker's producers
      "kafka-cluster:WriteDataIdempotently",
    ]
    resources = [local.msk_cluster_arn]
  }

  statement {
    sid       = "ReadRequests"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
    resources = [local.msk_request_topic]
  }

  statement {
    sid       = "WriteResultsMetricsDeadLetters"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
    resources = local.msk_write_topics
  }

  statement {
    sid       = "ConsumerGroup"
    actions   = ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
    resources = [local.msk_worker_group]
  }
}

resource "aws_iam_role" "worker" {
  name                 = "${var.name}-worker"
  description          = "Step1X-Edit workers (EKS Pod Identity ${var.worker_namespace}/${var.worker_service_account})"
  assume_role_policy   = data.aws_iam_policy_document.pod_identity_trust.json
  max_session_duration = 3600
  tags                 = local.tags
}

resource "aws_iam_role_policy" "worker" {
  name   = "${var.name}-worker"
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.worker.json
}

resource "aws_eks_pod_identity_association" "worker" {
  cluster_name    = module.eks.cluster_name
  namespace       = var.worker_namespace
  service_account = var.worker_service_account
  role_arn        = aws_iam_role.worker.arn
  tags            = local.tags
}

# --------------------------------------------------------------------------------------------------- KEDA

data "aws_iam_policy_document" "keda" {
  statement {
    sid       = "KafkaConnect"
    actions   = ["kafka-cluster:Connect"]
    resources = [local.msk_cluster_arn]
  }

  statement {
    sid       = "DescribeRequestTopic"
    actions   = ["kafka-cluster:DescribeTopic"]
    resources = [local.msk_request_topic]
  }

  statement {
    sid       = "DescribeWorkerGroup"
    actions   = ["kafka-cluster:DescribeGroup"]
    resources = [local.msk_worker_group]
  }
}

resource "aws_iam_role" "keda" {
  name               = "${var.name}-keda"
  description        = "KEDA operator: consumer lag of ${var.consumer_group} (EKS Pod Identity ${var.keda_namespace}/${var.keda_service_account})"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_trust.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "keda" {
  name   = "${var.name}-keda"
  role   = aws_iam_role.keda.id
  policy = data.aws_iam_policy_document.keda.json
}

resource "aws_eks_pod_identity_association" "keda" {
  cluster_name    = module.eks.cluster_name
  namespace       = var.keda_namespace
  service_account = var.keda_service_account
  role_arn        = aws_iam_role.keda.arn
  tags            = local.tags
}
