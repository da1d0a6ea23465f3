{{/*
fullname is the name of the Deployment, Service and ServiceAccount: coordination-engine, the
name the platform's clients use (http://coordination-engine:8080), whatever the release is called.
*/}}
{{- define "coordination-engine.fullname" -}}
{{- default "coordination-engine" .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
clusterName names cluster-scoped objects, which releases in different namespaces must not share.
*/}}
{{- define "coordination-engine.clusterName" -}}
{{- printf "%s-%s" (include "coordination-engine.fullname" .) .Release.Namespace | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "coordination-engine.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "coordination-engine.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* selectorLabels select the engine's pods; they never change between releases. */}}
{{- define "coordination-engine.selectorLabels" -}}
app.kubernetes.io/name: coordination-engine
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: coordination-engine
{{- end -}}

{{- define "coordination-engine.labels" -}}
{{ include "coordination-engine.selectorLabels" . }}
app.kubernetes.io/part-of: self-healing-platform
app.kubernetes.io/version: {{ (default .Chart.AppVersion .Values.image.tag) | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "coordination-engine.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "coordination-engine.safetyConfigMap" -}}
{{- printf "%s-safety" (include "coordination-engine.fullname" .) -}}
{{- end -}}

{{- define "coordination-engine.autoRemediationConfigMap" -}}
{{- printf "%s-autoremediation" (include "coordination-engine.fullname" .) -}}
{{- end -}}

{{/* apiAuthMode is apiAuth.mode, validated. */}}
{{- define "coordination-engine.apiAuthMode" -}}
{{- $mode := default "none" .Values.apiAuth.mode | lower -}}
{{- if not (has $mode (list "none" "token" "kubernetes")) -}}
{{- fail (printf "apiAuth.mode is %q; use none, token or kubernetes" .Values.apiAuth.mode) -}}
{{- end -}}
{{- $mode -}}
{{- end -}}
