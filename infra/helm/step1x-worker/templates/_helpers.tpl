{{/* Names */}}
{{- define "step1x-worker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "step1x-worker.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "step1x-worker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "step1x-worker.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "step1x-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "step1x-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "step1x-worker.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "step1x-worker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: worker
app.kubernetes.io/part-of: step1x-edit
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* A Spring property name as the env var relaxed binding maps it to: dots to _, dashes dropped, upper case. */}}
{{- define "step1x-worker.envName" -}}
{{- if or (contains "[" .) (contains "]" .) -}}
{{- fail (printf "config key %q has [] (a map key or index): put it into applicationProperties instead" .) -}}
{{- end -}}
{{- . | replace "." "_" | replace "-" "" | upper -}}
{{- end -}}

{{/* SIGTERM budget: preStop + batch time budget + publish + exit margin. */}}
{{- define "step1x-worker.drainBudgetSeconds" -}}
{{- $s := .Values.shutdown -}}
{{- add (int $s.preStopSleepSeconds) (int $s.batchTimeBudgetSeconds) (int $s.publishSeconds) (int $s.exitMarginSeconds) -}}
{{- end -}}

{{/* The pod's termination grace: as set, else the SIGTERM budget. */}}
{{- define "step1x-worker.terminationGraceSeconds" -}}
{{- $set := int .Values.shutdown.terminationGracePeriodSeconds -}}
{{- if gt $set 0 -}}{{ $set }}{{- else -}}{{ include "step1x-worker.drainBudgetSeconds" . }}{{- end -}}
{{- end -}}

{{/* The worker's drain grace: the batch time budget + publish (the worker derives the same by default). */}}
{{- define "step1x-worker.drainGraceSeconds" -}}
{{- add (int .Values.shutdown.batchTimeBudgetSeconds) (int .Values.shutdown.publishSeconds) -}}
{{- end -}}

{{/* max.poll.interval.ms: 2 x budget + drain grace + 60 s, at least 300 s (the worker's own derivation). */}}
{{- define "step1x-worker.maxPollIntervalMs" -}}
{{- $s := .Values.shutdown -}}
{{- $ms := mul (add (mul 2 (int $s.batchTimeBudgetSeconds)) (int (include "step1x-worker.drainGraceSeconds" .)) 60) 1000 -}}
{{- max 300000 $ms -}}
{{- end -}}

{{/*
Template-time checks. Included by every workload template; rendering fails with the reason.
*/}}
{{- define "step1x-worker.validate" -}}
{{- $v := .Values -}}
{{- if not $v.kafka.bootstrapServers -}}
{{- fail "kafka.bootstrapServers is required (terraform output msk_bootstrap_brokers_sasl_iam)" -}}
{{- end -}}
{{- if not (has $v.workload.kind (list "Deployment" "StatefulSet")) -}}
{{- fail (printf "workload.kind must be Deployment or StatefulSet, got %v" $v.workload.kind) -}}
{{- end -}}
{{- if ne (int $v.gpu.count) 1 -}}
{{- fail (printf "gpu.count must be 1: one worker owns exactly one GPU (got %v); run more replicas instead" $v.gpu.count) -}}
{{- end -}}
{{- $grace := int (include "step1x-worker.terminationGraceSeconds" .) -}}
{{- $need := int (include "step1x-worker.drainBudgetSeconds" .) -}}
{{- if lt $grace $need -}}
{{- fail (printf "shutdown.terminationGracePeriodSeconds=%d is shorter than preStop %v s + batch time budget %v s + publish %v s + exit margin %v s = %d s: Kubernetes would SIGKILL the worker before its in-flight batch is published" $grace $v.shutdown.preStopSleepSeconds $v.shutdown.batchTimeBudgetSeconds $v.shutdown.publishSeconds $v.shutdown.exitMarginSeconds $need) -}}
{{- end -}}
{{- if and $v.spot (gt $grace 120) (not $v.shutdown.allowGraceBeyondSpotNotice) -}}
{{- fail (printf "shutdown.terminationGracePeriodSeconds=%d exceeds the 120 s a spot instance lives after its interruption notice: shrink the batch time budget (shutdown.batchTimeBudgetSeconds) or set shutdown.allowGraceBeyondSpotNotice" $grace) -}}
{{- end -}}
{{- if $v.autoscaling.enabled -}}
{{- $max := int $v.autoscaling.maxReplicaCount -}}
{{- $min := int $v.autoscaling.minReplicaCount -}}
{{- $parts := int $v.kafka.partitions -}}
{{- if lt $parts 1 -}}
{{- fail "kafka.partitions must be the partition count of kafka.requestsTopic (>= 1)" -}}
{{- end -}}
{{- if gt $max $parts -}}
{{- fail (printf "autoscaling.maxReplicaCount=%d exceeds kafka.partitions=%d: workers beyond the partition count would sit idle on a GPU (raise the topic's partitions first)" $max $parts) -}}
{{- end -}}
{{- if lt $max 1 -}}
{{- fail "autoscaling.maxReplicaCount must be >= 1" -}}
{{- end -}}
{{- if gt $min $max -}}
{{- fail (printf "autoscaling.minReplicaCount=%d exceeds autoscaling.maxReplicaCount=%d" $min $max) -}}
{{- end -}}
{{- if lt (int $v.autoscaling.lagThreshold) 1 -}}
{{- fail "autoscaling.lagThreshold must be >= 1" -}}
{{- end -}}
{{- else if gt (int $v.workload.replicas) (int $v.kafka.partitions) -}}
{{- fail (printf "workload.replicas=%v exceeds kafka.partitions=%v" $v.workload.replicas $v.kafka.partitions) -}}
{{- end -}}
{{- if and $v.kafka.staticMembership.enabled (ne $v.workload.kind "StatefulSet") -}}
{{- fail "kafka.staticMembership.enabled needs stable pod names: set workload.kind=StatefulSet (a Deployment's pods get new names on every restart, so group.instance.id would change and orphaned static members would hold their partitions until the session timeout)" -}}
{{- end -}}
{{- if not (has $v.kafka.auth (list "iam" "scram" "plaintext")) -}}
{{- fail (printf "kafka.auth must be iam, scram or plaintext, got %v" $v.kafka.auth) -}}
{{- end -}}
{{- if and (eq $v.kafka.auth "scram") (not $v.kafka.scram.secretName) -}}
{{- fail "kafka.auth=scram needs kafka.scram.secretName (a Secret with username and password)" -}}
{{- end -}}
{{- if not (has $v.model.type (list "pvc" "hostPath" "emptyDir")) -}}
{{- fail (printf "model.type must be pvc, hostPath or emptyDir, got %v" $v.model.type) -}}
{{- end -}}
{{- end -}}

{{/* Kafka client settings for the binder (all consumers and producers of the worker). */}}
{{- define "step1x-worker.kafkaConfig" -}}
{{- $k := .Values.kafka -}}
spring.cloud.stream.kafka.binder.brokers: {{ $k.bootstrapServers | quote }}
spring.cloud.stream.kafka.binder.consumer-properties.auto.offset.reset: {{ $k.autoOffsetReset | quote }}
spring.cloud.stream.kafka.binder.consumer-properties.max.poll.records: {{ $k.maxPollRecords | int | toString | quote }}
spring.cloud.stream.kafka.binder.consumer-properties.max.poll.interval.ms: {{ include "step1x-worker.maxPollIntervalMs" . | quote }}
{{- if eq $k.auth "iam" }}
spring.cloud.stream.kafka.binder.configuration.security.protocol: "SASL_SSL"
spring.cloud.stream.kafka.binder.configuration.sasl.mechanism: "AWS_MSK_IAM"
spring.cloud.stream.kafka.binder.configuration.sasl.jaas.config: "software.amazon.msk.auth.iam.IAMLoginModule required;"
spring.cloud.stream.kafka.binder.configuration.sasl.client.callback.handler.class: "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
{{- else if eq $k.auth "scram" }}
spring.cloud.stream.kafka.binder.configuration.security.protocol: "SASL_SSL"
spring.cloud.stream.kafka.binder.configuration.sasl.mechanism: "SCRAM-SHA-512"
{{- end }}
{{- if $k.staticMembership.enabled }}
worker.kafka.static-membership: "true"
spring.cloud.stream.kafka.binder.consumer-properties.session.timeout.ms: {{ $k.staticMembership.sessionTimeoutMs | int | toString | quote }}
{{- end }}
{{- end -}}
