{{/* Names and switches of the sidecar half (injection webhook, certificates, config server). */}}

{{/* The operator's Service for the webhook and the config server. */}}
{{- define "jussi.operatorServiceName" -}}
{{- include "jussi.operatorName" . -}}
{{- end -}}

{{- define "jussi.webhookSecretName" -}}
{{- printf "%s-operator-webhook-tls" (include "jussi.fullname" .) -}}
{{- end -}}

{{/* Cluster-scoped, so the release namespace is part of the name. */}}
{{- define "jussi.webhookConfigurationName" -}}
{{- printf "%s-%s-sidecar-injector" .Release.Namespace (include "jussi.fullname" .) -}}
{{- end -}}

{{/* "true" when the operator runs the sidecar half. */}}
{{- define "jussi.sidecarsOn" -}}
{{- if and .Values.sidecar.enabled .Values.operator.enabled -}}true{{- end -}}
{{- end -}}

{{/* The URL sidecars poll for their config. */}}
{{- define "jussi.sidecarConfigUrl" -}}
{{- default (printf "https://%s.%s.svc:%d" (include "jussi.operatorServiceName" .) .Release.Namespace (int .Values.sidecar.config.port)) .Values.sidecar.config.url -}}
{{- end -}}

{{/* The sidecar's extra environment as JSON (OPERATOR_SIDECAR_ENV). */}}
{{- define "jussi.sidecarEnv" -}}
{{- $env := dict "LOG_LEVEL" .Values.sidecar.logLevel -}}
{{- with include "jussi.redisUrl" . -}}
{{- $_ := set $env "JUSSI_REDIS_URL" . -}}
{{- end -}}
{{- toJson (merge (deepCopy .Values.sidecar.env) $env) -}}
{{- end -}}

{{/* The label selector of the operator's own pods (peers). */}}
{{- define "jussi.operatorSelector" -}}
{{- $labels := include "jussi.selectorLabels" (dict "ctx" . "component" "operator") | fromYaml -}}
{{- $pairs := list -}}
{{- range $k := keys $labels | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (get $labels $k)) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* The operator's environment for the sidecar half (settings in operator/src/sidecar-settings.ts). */}}
{{- define "jussi.operatorSidecarEnv" -}}
{{- $s := .Values.sidecar -}}
{{- $res := $s.resources | default dict -}}
{{- $req := $res.requests | default dict -}}
{{- $lim := $res.limits | default dict -}}
- name: OPERATOR_SIDECARS
  value: "true"
- name: OPERATOR_WEBHOOK_PORT
  value: {{ $s.webhook.port | quote }}
- name: OPERATOR_WEBHOOK_SERVICE
  value: {{ printf "%s/%s" .Release.Namespace (include "jussi.operatorServiceName" .) | quote }}
{{- if eq $s.certificates.mode "cert-manager" }}
- name: OPERATOR_WEBHOOK_CERT_DIR
  value: /etc/jussi-operator/webhook-certs
{{- else }}
- name: OPERATOR_WEBHOOK_SECRET
  value: {{ printf "%s/%s" .Release.Namespace (include "jussi.webhookSecretName" .) | quote }}
- name: OPERATOR_WEBHOOK_CONFIGURATION
  value: {{ include "jussi.webhookConfigurationName" . | quote }}
- name: OPERATOR_CERT_VALIDITY_DAYS
  value: {{ $s.certificates.validityDays | quote }}
{{- with $s.certificates.extraHosts }}
- name: OPERATOR_WEBHOOK_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- with $s.webhook.excludeNamespaces }}
- name: OPERATOR_INJECT_EXCLUDE_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
- name: OPERATOR_CONFIG_PORT
  value: {{ $s.config.port | quote }}
- name: OPERATOR_CONFIG_URL
  value: {{ include "jussi.sidecarConfigUrl" . | quote }}
- name: OPERATOR_CONFIG_AUDIENCE
  value: {{ $s.config.audience | quote }}
{{- with $s.config.allowedNamespaces }}
- name: OPERATOR_CONFIG_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
- name: OPERATOR_PEER_SELECTOR
  value: {{ include "jussi.operatorSelector" . | quote }}
- name: OPERATOR_SIDECAR_SAMPLE
  value: {{ $s.sampleSize | quote }}
- name: OPERATOR_SIDECAR_IMAGE
  value: {{ include "jussi.image" (dict "ctx" . "image" .Values.proxy.image) | quote }}
- name: OPERATOR_SIDECAR_IMAGE_PULL_POLICY
  value: {{ .Values.proxy.image.pullPolicy | quote }}
- name: OPERATOR_SIDECAR_PORT
  value: {{ $s.port | quote }}
- name: OPERATOR_SIDECAR_ADMIN_PORT
  value: {{ $s.adminPort | quote }}
- name: OPERATOR_SIDECAR_CPU_REQUEST
  value: {{ get $req "cpu" | default "none" | toString | quote }}
- name: OPERATOR_SIDECAR_MEMORY_REQUEST
  value: {{ get $req "memory" | default "none" | toString | quote }}
- name: OPERATOR_SIDECAR_CPU_LIMIT
  value: {{ get $lim "cpu" | default "none" | toString | quote }}
- name: OPERATOR_SIDECAR_MEMORY_LIMIT
  value: {{ get $lim "memory" | default "none" | toString | quote }}
- name: OPERATOR_SIDECAR_MEMORY_CACHE_BYTES
  value: {{ $s.memoryCacheMaxBytes | int64 | toString | quote }}
- name: OPERATOR_SIDECAR_CONFIGMAP
  value: {{ include "jussi.configMapName" . | quote }}
- name: OPERATOR_SIDECAR_ENV
  value: {{ include "jussi.sidecarEnv" . | quote }}
{{- end -}}
