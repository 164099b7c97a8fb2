output "cluster_name" {
  description = "EKS cluster (aws eks update-kubeconfig --name <this>)."
  value       = module.step1x.cluster_name
}

output "msk_bootstrap_brokers_sasl_iam" {
  description = "Kafka bootstrap servers (SASL/IAM over TLS)."
  value       = module.step1x.msk_bootstrap_brokers_sasl_iam
}

output "input_bucket" {
  description = "Where producers put input images."
  value       = module.step1x.input_bucket
}

output "output_bucket" {
  description = "Where the workers write edited images."
  value       = module.step1x.output_bucket
}

output "helm_values" {
  description = "Values for infra/helm/step1x-worker."
  value       = module.step1x.helm_values
}
