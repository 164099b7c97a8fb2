################################################################################
# The whole fleet in one account: VPC, the step1x stack (EKS + Karpenter, MSK + topics, S3, KMS, IAM),
# Karpenter, KEDA and the NVIDIA device plugin from their Helm charts, the spot GPU NodePool, and
# (install_worker = true) the worker chart from infra/helm/step1x-worker.
#
#   terraform init
#   terraform apply -target=module.vpc -target=module.step1x   # the cluster first: providers below need it
#   terraform apply
#
# helm and kubectl authenticate with `aws eks get-token` (AWS CLI on the machine running terraform).
################################################################################

provider "aws" {
  region = var.region
}

provider "helm" {
  kubernetes = {
    host                   = module.step1x.cluster_endpoint
    cluster_ca_certificate = base64decode(module.step1x.cluster_certificate_authority_data)
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.step1x.cluster_name, "--region", var.region]
    }
  }
}

provider "kubectl" {
  host                   = module.step1x.cluster_endpoint
  cluster_ca_certificate = base64decode(module.step1x.cluster_certificate_authority_data)
  load_config_file       = false
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", module.step1x.cluster_name, "--region", var.region]
  }
}

data "aws_availability_zones" "available" {
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  vpc_cidr = "10.20.0.0/16"
  azs      = slice(data.aws_availability_zones.available.names, 0, 3)
  tags = {
    Example = "step1x-complete"
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "6.6.0"

  name = var.name
  cidr = local.vpc_cidr

  azs             = local.azs
  private_subnets = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 4, k)]
  public_subnets  = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 48)]
  intra_subnets   = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 52)]

  enable_nat_gateway = true
  single_nat_gateway = true

  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = 1
    "karpenter.sh/discovery"          = var.name
  }

  tags = local.tags
}

module "step1x" {
  source = "../.."

  name                     = var.name
  vpc_id                   = module.vpc.vpc_id
  private_subnet_ids       = module.vpc.private_subnets
  control_plane_subnet_ids = module.vpc.intra_subnets
  endpoint_public_access   = true

  gpu_instance_families = ["p5", "p4d", "g6e"]
  gpu_capacity_types    = ["spot"]
  gpu_limit             = 16
  request_partitions    = 24

  # Tests only: lets `terraform destroy` remove buckets with objects in them.
  force_destroy_buckets = true

  tags = local.tags
}

################################################################################
# Cluster add-ons
################################################################################

resource "helm_release" "karpenter" {
  namespace  = "kube-system"
  name       = "karpenter"
  repository = "oci://public.ecr.aws/karpenter"
  chart      = "karpenter"
  version    = "1.12.0"
  wait       = false

  values = [yamlencode({
    nodeSelector = { "karpenter.sh/controller" = "true" }
    dnsPolicy    = "Default"
    settings = {
      clusterName     = module.step1x.cluster_name
      clusterEndpoint = module.step1x.cluster_endpoint
      # The key is interruptionQueue (eksctl#7697: a stale, renamed key silently disabled spot handling).
      interruptionQueue = module.step1x.karpenter_interruption_queue
    }
    webhook = { enabled = false }
  })]
}

resource "kubectl_manifest" "karpenter_gpu" {
  for_each  = { for i, doc in split("\n---\n", module.step1x.karpenter_manifests) : i => doc }
  yaml_body = each.value

  depends_on = [helm_release.karpenter]
}

resource "helm_release" "keda" {
  namespace        = "keda"
  create_namespace = true
  name             = "keda"
  repository       = "https://kedacore.github.io/charts"
  chart            = "keda"
  version          = "2.17.0"

  values = [yamlencode({
    nodeSelector = { "karpenter.sh/controller" = "true" }
    # The Pod Identity association of terraform/ binds keda/keda-operator to the lag-reading role.
    podIdentity = { aws = { irsa = { enabled = false } } }
  })]
}

resource "helm_release" "nvidia_device_plugin" {
  namespace        = "nvidia-device-plugin"
  create_namespace = true
  name             = "nvidia-device-plugin"
  repository       = "https://nvidia.github.io/k8s-device-plugin"
  chart            = "nvidia-device-plugin"
  version          = "0.17.1"

  values = [yamlencode({
    tolerations  = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
    nodeSelector = { "step1x.dev/role" = "gpu-worker" }
  })]
}

################################################################################
# The workers (off until the image is pushed and the model volume exists)
################################################################################

resource "helm_release" "worker" {
  count = var.install_worker ? 1 : 0

  namespace        = "step1x"
  create_namespace = true
  name             = "step1x-worker"
  chart            = "${path.module}/../../../infra/helm/step1x-worker"

  values = [
    module.step1x.helm_values,
    yamlencode({
      image = {
        repository = split(":", var.worker_image)[0]
        tag        = split(":", var.worker_image)[1]
      }
    }),
  ]

  depends_on = [helm_release.keda, kubectl_manifest.karpenter_gpu, helm_release.nvidia_device_plugin]
}
