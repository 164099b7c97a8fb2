terraform {
  required_version = ">= 1.5.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.42, < 7.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = ">= 3.0, < 4.0"
    }
    kubectl = {
      # Applies the Karpenter NodePool/EC2NodeClass without needing their CRDs at plan time.
      source  = "alekc/kubectl"
      version = ">= 2.1, < 3.0"
    }
  }
}
