################################################################################
# General
################################################################################

variable "name" {
  description = "Name prefix of every resource (cluster, MSK cluster, buckets, roles)."
  type        = string
  default     = "step1x"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name: 2-31 characters, lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the cluster and the MSK brokers."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (at least 3 AZs for MSK with 3 brokers); nodes and brokers live here. Tag them karpenter.sh/discovery = name."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids: at least two subnets in different AZs."
  }
}

variable "control_plane_subnet_ids" {
  description = "Subnets for the EKS control plane ENIs (default: private_subnet_ids)."
  type        = list(string)
  default     = []
}

################################################################################
# EKS + Karpenter
################################################################################

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"
}

variable "endpoint_public_access" {
  description = "Whether the EKS API endpoint is reachable from the internet (the example needs it to install charts)."
  type        = bool
  default     = false
}

variable "system_node_instance_types" {
  description = "Instance types of the small on-demand node group that runs Karpenter, KEDA and CoreDNS."
  type        = list(string)
  default     = ["m7i.large"]
}

variable "gpu_instance_families" {
  description = "EC2 instance families of the GPU NodePool. p5 (H100 80 GB) and p4d (A100 40 GB) / g6e (L40S 48 GB) differ a lot in what fits: see the sizing table in README.md."
  type        = list(string)
  default     = ["p5", "p4d", "g6e"]

  validation {
    condition     = length(var.gpu_instance_families) > 0
    error_message = "gpu_instance_families must not be empty."
  }
}

variable "gpu_capacity_types" {
  description = "Karpenter capacity types of the GPU NodePool: [\"spot\"], or [\"spot\", \"on-demand\"] to fall back to on-demand."
  type        = list(string)
  default     = ["spot"]

  validation {
    condition     = length(var.gpu_capacity_types) > 0 && alltrue([for t in var.gpu_capacity_types : contains(["spot", "on-demand", "reserved"], t)])
    error_message = "gpu_capacity_types: spot, on-demand or reserved."
  }
}

variable "gpu_limit" {
  description = "Most GPUs the NodePool may run at once (a cost guard; set it >= the chart's maxReplicaCount)."
  type        = number
  default     = 16
}

variable "gpu_root_volume_size_gib" {
  description = "Root EBS volume (gp3) of GPU nodes: the container image is ~10 GB with libtorch cu124."
  type        = number
  default     = 200
}

variable "node_imds_hop_limit" {
  description = "IMDSv2 PUT response hop limit of GPU nodes. 1 (default) keeps pods away from the instance metadata service; 2 lets the worker's in-pod spot watcher read the interruption notice (the chart keeps the AWS SDK off IMDS either way)."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2], var.node_imds_hop_limit)
    error_message = "node_imds_hop_limit must be 1 or 2."
  }
}

################################################################################
# MSK
################################################################################

variable "kafka_version" {
  description = "MSK Kafka version (topic management through aws_msk_topic needs > 3.6)."
  type        = string
  default     = "3.9.x"
}

variable "broker_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "broker_count" {
  description = "Number of MSK brokers (a multiple of the number of subnets)."
  type        = number
  default     = 3
}

variable "broker_volume_size_gib" {
  description = "EBS storage per broker (requests and results are small JSON records)."
  type        = number
  default     = 100
}

variable "replication_factor" {
  description = "Replication factor of every topic (min.insync.replicas = replication_factor - 1)."
  type        = number
  default     = 3
}

variable "request_partitions" {
  description = "Partitions of image-edit.requests: the hard ceiling of the worker fleet (KEDA never runs more consumers). The chart's kafka.partitions must equal it."
  type        = number
  default     = 24

  validation {
    condition     = var.request_partitions >= 1 && var.request_partitions <= 1000
    error_message = "request_partitions: 1..1000."
  }
}

variable "result_partitions" {
  description = "Partitions of image-edit.results."
  type        = number
  default     = 12
}

variable "request_retention_hours" {
  description = "Retention of image-edit.requests and its dead-letter topic."
  type        = number
  default     = 168
}

variable "result_retention_hours" {
  description = "Retention of image-edit.results and image-edit.metrics."
  type        = number
  default     = 168
}

################################################################################
# S3
################################################################################

variable "input_bucket_name" {
  description = "Name of the input bucket (default: <name>-<account>-input)."
  type        = string
  default     = null
}

variable "output_bucket_name" {
  description = "Name of the output bucket (default: <name>-<account>-output)."
  type        = string
  default     = null
}

variable "input_retention_days" {
  description = "Inputs are deleted this many days after upload."
  type        = number
  default     = 7
}

variable "output_retention_days" {
  description = "Outputs are deleted this many days after they were written (product decision)."
  type        = number
  default     = 30
}

variable "force_destroy_buckets" {
  description = "Allow terraform destroy to delete non-empty buckets (tests only)."
  type        = bool
  default     = false
}

################################################################################
# Workloads (names the IAM associations bind to)
################################################################################

variable "worker_namespace" {
  description = "Namespace of the worker Helm release."
  type        = string
  default     = "step1x"
}

variable "worker_service_account" {
  description = "Service account of the workers (the chart's default for release name step1x-worker)."
  type        = string
  default     = "step1x-worker"
}

variable "consumer_group" {
  description = "Kafka consumer group of the workers (contracts: image-edit-workers)."
  type        = string
  default     = "image-edit-workers"
}

variable "keda_namespace" {
  description = "Namespace of the KEDA operator."
  type        = string
  default     = "keda"
}

variable "keda_service_account" {
  description = "Service account of the KEDA operator (reads the group's lag through MSK IAM)."
  type        = string
  default     = "keda-operator"
}
