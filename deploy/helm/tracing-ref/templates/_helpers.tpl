{{/* SPDX-License-Identifier: Apache-2.0 */}}
{{/*
_helpers.tpl: the names, labels and hardening every object of the chart
shares.
*/}}

{{- define "tracing-ref.fullname" -}}
{{- printf "%s" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "tracing-ref.labels" -}}
app.kubernetes.io/part-of: tracing-ref
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The pod security of a Kore service: its parent starts as root only to
chroot and drop to the image's `kore` user (docker-compose.yml keeps the
same capabilities); nothing else, a read-only root, no escalation. */}}
{{- define "tracing-ref.koreSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsUser: 0
capabilities:
  drop: [ALL]
  add: [CHOWN, SETUID, SETGID, SYS_CHROOT, KILL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Jaeger's roles need no privilege at all. */}}
{{- define "tracing-ref.jaegerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tracing-ref.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- printf "%s-secrets" (include "tracing-ref.fullname" .) -}}
{{- end -}}
{{- end -}}
