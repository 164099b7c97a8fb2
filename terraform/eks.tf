################################################################################
# EKS: a small on-demand node group for the controllers (Karpenter, KEDA, CoreDNS); every GPU node comes
# from Karpenter's NodePool (templates/karpenter-gpu.yaml.tftpl). Pod Identity agent for the workloads.
################################################################################

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "21.19.0"

  name               = var.name
  kubernetes_version = var.kubernetes_version

  endpoint_public_access                   = var.endpoint_public_access
  enable_cluster_creator_admin_permissions = true

  addons = {
    coredns = {}
    eks-pod-identity-agent = {
      before_compute = true
    }
    kube-proxy = {}
    vpc-cni = {
      before_compute = true
    }
  }

  vpc_id                   = var.vpc_id
  subnet_ids               = var.private_subnet_ids
  control_plane_subnet_ids = local.control_plane_subnet_ids

  eks_managed_node_groups = {
    system = {
      ami_type       = "AL2023_x86_64_STANDARD"
      instance_types = var.system_node_instance_types
      min_size       = 2
      max_size       = 3
      desired_size   = 2
      labels = {
        # Karpenter must not run on nodes it manages.
        "karpenter.sh/controller" = "true"
      }
    }
  }

  # Karpenter discovers the node security group by this tag (only one group may carry it).
  node_security_group_tags = merge(local.tags, {
    "karpenter.sh/discovery" = var.name
  })

  tags = local.tags
}

################################################################################
# Karpenter: controller role (Pod Identity), node role, and the SQS interruption queue fed by EventBridge
# (spot interruption warnings, rebalance recommendations, scheduled health events, instance state changes).
# Install the chart with settings.interruptionQueue = karpenter_interruption_queue (NOT interruptionQueueName:
# that old key is silently ignored and spot notices then never drain the node).
################################################################################

module "karpenter" {
  source  = "terraform-aws-modules/eks/aws//modules/karpenter"
  version = "21.19.0"

  cluster_name = module.eks.cluster_name

  # The EC2NodeClass names this role.
  node_iam_role_use_name_prefix   = false
  node_iam_role_name              = "${var.name}-karpenter-node"
  create_pod_identity_association = true
  enable_spot_termination         = true

  node_iam_role_additional_policies = {
    AmazonSSMManagedInstanceCore = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
  }

  tags = local.tags
}

locals {
  karpenter_manifests = templatefile("${path.module}/templates/karpenter-gpu.yaml.tftpl", {
    name              = var.name
    node_role         = module.karpenter.node_iam_role_name
    instance_families = var.gpu_instance_families
    capacity_types    = var.gpu_capacity_types
    gpu_limit         = var.gpu_limit
    root_volume_size  = var.gpu_root_volume_size_gib
    imds_hop_limit    = var.node_imds_hop_limit
    tags              = local.tags
  })
}
