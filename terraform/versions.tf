terraform {
  # The Karpenter sub-module of terraform-aws-modules/eks v21 needs >= 1.5.7.
  required_version = ">= 1.5.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws_msk_topic (>= 6.40), s3-bucket 5.15 (>= 6.42); the modules below are pinned exactly.
      version = ">= 6.42, < 7.0"
    }
  }
}
