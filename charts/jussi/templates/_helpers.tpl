{{/*
Names. Every object is "<prefix>-<part>" where the prefix is fullnameOverride or the release
name, so the proxy config ConfigMap is "<release>-proxy-config" as the programs expect.
*/}}
{{- define "jussi.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "jussi.proxyName" -}}
{{- printf "%s-proxy" (include "jussi.fullname" .) -}}
{{- end -}}

{{- define "jussi.operatorName" -}}
{{- printf "%s-operator" (include "jussi.fullname" .) -}}
{{- end -}}

{{- define "jussi.redisName" -}}
{{- printf "%s-redis" (include "jussi.fullname" .) -}}
{{- end -}}

{{- define "jussi.configMapName" -}}
{{- printf "%s-proxy-config" (include "jussi.fullname" .) -}}
{{- end -}}

{{- define "jussi.leaseName" -}}
{{- printf "%s-operator-leader" (include "jussi.fullname" .) -}}
{{- end -}}

{{- define "jussi.proxyServiceAccountName" -}}
{{- if .Values.proxy.serviceAccount.create -}}
{{- default (include "jussi.proxyName" .) .Values.proxy.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.proxy.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "jussi.operatorServiceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (include "jussi.operatorName" .) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels. The component is passed as (dict "ctx" $ "component" "proxy"). */}}
{{- define "jussi.selectorLabels" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "jussi.labels" -}}
{{ include "jussi.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: jussi
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* "<repository>:<tag>", the tag defaulting to the chart's appVersion. */}}
{{- define "jussi.image" -}}
{{- printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/* The label selector the operator uses to find the proxy pods. */}}
{{- define "jussi.proxySelector" -}}
{{- $labels := include "jussi.selectorLabels" (dict "ctx" . "component" "proxy") | fromYaml -}}
{{- $pairs := list -}}
{{- range $k := keys $labels | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (get $labels $k)) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/*
A Kubernetes memory quantity in MiB (floor): accepts plain bytes and the suffixes
Ki Mi Gi Ti k K M G T (what people write in resources.limits.memory).
*/}}
{{- define "jussi.memoryMiB" -}}
{{- $q := toString . -}}
{{- $mib := 0.0 -}}
{{- if hasSuffix "Ki" $q -}}{{- $mib = divf (trimSuffix "Ki" $q | float64) 1024 -}}
{{- else if hasSuffix "Mi" $q -}}{{- $mib = trimSuffix "Mi" $q | float64 -}}
{{- else if hasSuffix "Gi" $q -}}{{- $mib = mulf (trimSuffix "Gi" $q | float64) 1024 -}}
{{- else if hasSuffix "Ti" $q -}}{{- $mib = mulf (trimSuffix "Ti" $q | float64) 1048576 -}}
{{- else if or (hasSuffix "k" $q) (hasSuffix "K" $q) -}}{{- $mib = divf (mulf (trimSuffix "K" (trimSuffix "k" $q) | float64) 1000) 1048576 -}}
{{- else if hasSuffix "M" $q -}}{{- $mib = divf (mulf (trimSuffix "M" $q | float64) 1000000) 1048576 -}}
{{- else if hasSuffix "G" $q -}}{{- $mib = divf (mulf (trimSuffix "G" $q | float64) 1000000000) 1048576 -}}
{{- else if hasSuffix "T" $q -}}{{- $mib = divf (mulf (trimSuffix "T" $q | float64) 1000000000000) 1048576 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?$" $q -}}{{- $mib = divf ($q | float64) 1048576 -}}
{{- else -}}{{- fail (printf "cannot read the memory quantity %q: use bytes or a suffix Ki, Mi, Gi, Ti, k, M, G, T" $q) -}}
{{- end -}}
{{- floor $mib | int -}}
{{- end -}}

{{/* A Kubernetes CPU quantity ("2", "1.5", "500m") rounded up to whole CPUs, at least 1. */}}
{{- define "jussi.cpuCeil" -}}
{{- $q := toString . -}}
{{- $cpu := 0.0 -}}
{{- if hasSuffix "m" $q -}}{{- $cpu = divf (trimSuffix "m" $q | float64) 1000 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?$" $q -}}{{- $cpu = $q | float64 -}}
{{- else -}}{{- fail (printf "cannot read the CPU quantity %q: use cores (\"2\", \"1.5\") or millicores (\"500m\")" $q) -}}
{{- end -}}
{{- max 1 (ceil $cpu | int) -}}
{{- end -}}

{{/* Proxy worker processes: proxy.workers, else the CPU limit, else the CPU request, else 1. */}}
{{- define "jussi.proxyWorkers" -}}
{{- $res := .Values.proxy.resources | default dict -}}
{{- $cpu := or (get ($res.limits | default dict) "cpu") (get ($res.requests | default dict) "cpu") -}}
{{- if not (kindIs "invalid" .Values.proxy.workers) -}}
{{- .Values.proxy.workers | int -}}
{{- else if $cpu -}}
{{- include "jussi.cpuCeil" $cpu -}}
{{- else -}}
1
{{- end -}}
{{- end -}}

{{/*
NODE_OPTIONS: --max-old-space-size at about 75% of the memory limit, divided among the worker
processes (each has its own heap), then any extra flags. Empty without a memory limit and flags.
Called with (dict "resources" ... "processes" n "extra" "...").
*/}}
{{- define "jussi.nodeOptions" -}}
{{- $flags := list -}}
{{- $limits := (.resources | default dict).limits | default dict -}}
{{- with get $limits "memory" -}}
{{- $mib := include "jussi.memoryMiB" . | int -}}
{{- $heap := div (mul $mib 3) (mul 4 $.processes) -}}
{{- if lt $heap 64 -}}
{{- fail (printf "the memory limit %s leaves %d MiB of heap per process (75%% split over %d): raise the limit or lower the workers" (toString .) $heap (int $.processes)) -}}
{{- end -}}
{{- $flags = append $flags (printf "--max-old-space-size=%d" $heap) -}}
{{- end -}}
{{- with .extra -}}
{{- $flags = append $flags . -}}
{{- end -}}
{{- join " " $flags -}}
{{- end -}}

{{/* The Redis URL the proxies use: the bundled Redis, else redis.url, else none. */}}
{{- define "jussi.redisUrl" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s.%s.svc:6379" (include "jussi.redisName" .) .Release.Namespace -}}
{{- else -}}
{{- .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/* Pod and container security contexts shared by every workload (HELM_SM.md §7). */}}
{{- define "jussi.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "jussi.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
{{- end -}}

{{/* The namespaces whose custom resources the operator watches (as a list; empty = all). */}}
{{- define "jussi.watchNamespaces" -}}
{{- join "," .Values.operator.watchNamespaces -}}
{{- end -}}

{{/*
What the operator may do with the custom resources: read them, patch their status (server-side
apply is a PATCH), and record events on them. Cluster-wide when it watches every namespace,
otherwise one Role per watched namespace.
*/}}
{{- define "jussi.operatorResourceRules" -}}
- apiGroups: ["jussi.io"]
  resources: ["jsonrpcupstreams", "cacherules", "ratelimitpolicies"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["jussi.io"]
  resources: ["jsonrpcupstreams/status", "cacherules/status", "ratelimitpolicies/status"]
  verbs: ["patch"]
- apiGroups: ["", "events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}

{{/* NetworkPolicy egress rules shared by the proxy and the operator. */}}
{{- define "jussi.netpolDns" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}
{{- define "jussi.netpolApiServer" -}}
- ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end -}}
  {{- with .cidrs }}
  to:
    {{- range . }}
    - ipBlock:
        cidr: {{ . }}
    {{- end -}}
  {{- end -}}
{{- end -}}

{{/*
The config document's `edge` member from the `edge` values (OPERATOR_EDGE, JSON): CORS,
security headers, auth and trusted proxies. RateLimitPolicy resources add the buckets. Key
material is referenced by the paths the proxy pods mount it at, never copied in.
*/}}
{{- define "jussi.apiKeysDir" -}}/etc/jussi/api-keys{{- end -}}
{{- define "jussi.jwtSecretDir" -}}/etc/jussi/jwt{{- end -}}
{{- define "jussi.edgeDocument" -}}
{{- $e := .Values.edge -}}
{{- $doc := dict -}}
{{- with $e.trustedProxies }}{{- $_ := set $doc "trusted_proxies" . }}{{- end }}
{{- with $e.cors.allowedOrigins }}
{{- $cors := dict "allowed_origins" . "max_age" $e.cors.maxAge "allow_credentials" $e.cors.allowCredentials }}
{{- with $e.cors.allowedMethods }}{{- $_ := set $cors "allowed_methods" . }}{{- end }}
{{- with $e.cors.allowedHeaders }}{{- $_ := set $cors "allowed_headers" . }}{{- end }}
{{- $_ := set $doc "cors" $cors }}
{{- end }}
{{- if $e.securityHeaders.enabled }}
{{- $_ := set $doc "security_headers" (dict "enabled" true "hsts_max_age" $e.securityHeaders.hstsMaxAge) }}
{{- end }}
{{- if ne $e.auth.mode "off" }}
{{- $auth := dict "mode" $e.auth.mode "anonymous_tier" $e.auth.anonymousTier }}
{{- if $e.auth.apiKeys.existingSecret }}
{{- $_ := set $auth "api_keys" (dict "file" (printf "%s/keys" (include "jussi.apiKeysDir" .))) }}
{{- end }}
{{- with $e.auth.jwt.algorithms }}
{{- $j := $e.auth.jwt }}
{{- $jwt := dict "algorithms" . "clock_skew" $j.clockSkew "tier_claim" $j.tierClaim "default_tier" $j.defaultTier }}
{{- with $j.jwksUrl }}{{- $_ := set $jwt "jwks_url" . }}{{- end }}
{{- with $j.issuer }}{{- $_ := set $jwt "issuer" . }}{{- end }}
{{- with $j.audience }}{{- $_ := set $jwt "audience" . }}{{- end }}
{{- if $j.hs256SecretName }}{{- $_ := set $jwt "secret_file" (printf "%s/secret" (include "jussi.jwtSecretDir" $)) }}{{- end }}
{{- $_ := set $auth "jwt" $jwt }}
{{- end }}
{{- $_ := set $doc "auth" $auth }}
{{- end }}
{{- if $doc }}{{ toJson $doc }}{{ end }}
{{- end -}}
