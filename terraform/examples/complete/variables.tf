variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix."
  type        = string
  default     = "step1x"
}

variable "worker_image" {
  description = "Worker image built from infra/image/Dockerfile and pushed to a registry the nodes can pull from (e.g. ECR)."
  type        = string
  default     = "registry.example.com/step1x/step1x-worker:0.1.0"
}

variable "install_worker" {
  description = "Install the worker chart (needs the image and the model volume; off for a first apply)."
  type        = bool
  default     = false
}
