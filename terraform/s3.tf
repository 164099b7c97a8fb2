################################################################################
# S3: input and output buckets. Private (public access blocked, ACLs disabled), SSE-KMS with S3 Bucket Keys
# (one data key per bucket instead of a KMS call per object), TLS-only and latest-TLS bucket policies, PUTs
# with a wrong KMS key or encryption header denied, versioned (results overwrite deterministic keys), and
# lifecycle rules (inputs short, outputs product-defined, stale multipart uploads and old versions removed).
################################################################################

module "input_bucket" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "5.15.4"

  bucket        = local.input_bucket
  force_destroy = var.force_destroy_buckets

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true

  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  versioning = {
    enabled = true
  }

  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.data.arn
      }
      bucket_key_enabled = true
    }
  }

  attach_deny_insecure_transport_policy    = true
  attach_require_latest_tls_policy         = true
  attach_deny_incorrect_encryption_headers = true
  attach_deny_incorrect_kms_key_sse        = true
  allowed_kms_key_arn                      = aws_kms_key.data.arn

  lifecycle_rule = [
    {
      id                                     = "expire-inputs"
      enabled                                = true
      filter                                 = {}
      abort_incomplete_multipart_upload_days = 1
      expiration = {
        days = var.input_retention_days
      }
      noncurrent_version_expiration = {
        days = 1
      }
    }
  ]

  tags = local.tags
}

module "output_bucket" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "5.15.4"

  bucket        = local.output_bucket
  force_destroy = var.force_destroy_buckets

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true

  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  versioning = {
    enabled = true
  }

  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.data.arn
      }
      bucket_key_enabled = true
    }
  }

  attach_deny_insecure_transport_policy    = true
  attach_require_latest_tls_policy         = true
  attach_deny_incorrect_encryption_headers = true
  attach_deny_incorrect_kms_key_sse        = true
  allowed_kms_key_arn                      = aws_kms_key.data.arn

  lifecycle_rule = [
    {
      id                                     = "expire-outputs"
      enabled                                = true
      filter                                 = {}
      abort_incomplete_multipart_upload_days = 1
      expiration = {
        days = var.output_retention_days
      }
      # A retry overwrites the same key; the replaced version is not needed.
      noncurrent_version_expiration = {
        days = 1
      }
    }
  ]

  tags = local.tags
}
