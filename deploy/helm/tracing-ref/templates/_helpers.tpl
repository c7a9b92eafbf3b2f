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

{{/* Each service's values under secrets: (secrets.apiGateway, ...), and
the Secret keys that service may hold, no other (tests/k8s/check.py keeps
the same table). */}}
{{- define "tracing-ref.secretValuesKey" -}}
{{- get (dict "api-gateway" "apiGateway" "inventory-service" "inventoryService" "order-service" "orderService" "notification-service" "notificationService") . -}}
{{- end -}}

{{/* The name of a service's Secret: its secrets.<service>.existingSecret,
or the chart's own <fullname>-<service>-secrets. Called with (list $ NAME). */}}
{{- define "tracing-ref.secretName" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $v := index $root.Values.secrets (include "tracing-ref.secretValuesKey" $name) | default dict -}}
{{- if $v.existingSecret -}}
{{- $v.existingSecret -}}
{{- else -}}
{{- printf "%s-%s-secrets" (include "tracing-ref.fullname" $root) $name -}}
{{- end -}}
{{- end -}}

{{/* The port of an endpoint given as [scheme://]host[:port][/path], or the
default. Called with (list URL DEFAULT). */}}
{{- define "tracing-ref.urlPort" -}}
{{- $u := index . 0 | toString -}}
{{- $hostport := regexReplaceAll "^[A-Za-z][A-Za-z0-9+.-]*://" $u "" -}}
{{- $hostport = regexReplaceAll "[/?#].*$" $hostport "" -}}
{{- $hostport = regexReplaceAll "^.*@" $hostport "" -}}
{{- if regexMatch ":[0-9]+$" $hostport -}}
{{- regexFind "[0-9]+$" $hostport -}}
{{- else -}}
{{- index . 1 -}}
{{- end -}}
{{- end -}}

{{/* Selects the pods of one role of this release. */}}
{{- define "tracing-ref.podSelector" -}}
{{- $root := index . 0 -}}
matchLabels:
  app.kubernetes.io/instance: {{ $root.Release.Name }}
  app.kubernetes.io/name: {{ index . 1 }}
{{- end -}}
