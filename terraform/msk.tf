################################################################################
# MSK: TLS between clients and brokers and inside the cluster, IAM authentication only (no unauthenticated,
# no plaintext), encrypted at rest with a customer key, topics managed by Terraform (aws_msk_topic, through
# the module's "topics"), broker logs to CloudWatch, Prometheus open monitoring exporters on.
################################################################################

resource "aws_security_group" "msk" {
  name_prefix = "${var.name}-msk-"
  description = "MSK brokers: SASL/IAM over TLS (9098) from the EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "msk_from_nodes" {
  security_group_id            = aws_security_group.msk.id
  description                  = "Kafka SASL/IAM over TLS from EKS nodes (workers, KEDA)"
  ip_protocol                  = "tcp"
  from_port                    = 9098
  to_port                      = 9098
  referenced_security_group_id = module.eks.node_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "msk_all" {
  security_group_id = aws_security_group.msk.id
  description       = "Brokers replicate among themselves"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

module "msk" {
  source  = "terraform-aws-modules/msk-kafka-cluster/aws"
  version = "3.3.0"

  name                   = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker_count

  broker_node_client_subnets  = var.private_subnet_ids
  broker_node_instance_type   = var.broker_instance_type
  broker_node_security_groups = [aws_security_group.msk.id]
  broker_node_storage_info = {
    ebs_storage_info = { volume_size = var.broker_volume_size_gib }
  }

  encryption_in_transit_client_broker = "TLS"
  encryption_in_transit_in_cluster    = true
  encryption_at_rest_kms_key_arn      = aws_kms_key.msk.arn

  client_authentication = {
    sasl = {
      iam = true
    }
    unauthenticated = false
  }

  configuration_name        = "${var.name}-config"
  configuration_description = "${var.name}: no auto-created topics, durable writes"
  configuration_server_properties = {
    "auto.create.topics.enable"      = false
    "delete.topic.enable"            = true
    "default.replication.factor"     = var.replication_factor
    "min.insync.replicas"            = var.replication_factor - 1
    "unclean.leader.election.enable" = false
  }

  jmx_exporter_enabled    = true
  node_exporter_enabled   = true
  cloudwatch_logs_enabled = true
  enhanced_monitoring     = "PER_TOPIC_PER_PARTITION"

  # The contracts' four topics. The request topic's partition count is the ceiling of the worker fleet.
  topics = {
    for k, t in local.topics : k => {
      name               = t.name
      partition_count    = t.partitions
      replication_factor = var.replication_factor
      configs = jsonencode({
        "retention.ms"        = tostring(t.retention * 3600 * 1000)
        "min.insync.replicas" = tostring(var.replication_factor - 1)
        "cleanup.policy"      = "delete"
      })
    }
  }

  tags = local.tags
}
