{{- define "kustomize-controller.name" -}}
{{- default "kustomize-controller" .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kustomize-controller.labels" -}}
app.kubernetes.io/name: {{ include "kustomize-controller.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: tide
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kustomize-controller.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kustomize-controller.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kustomize-controller.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kustomize-controller.name" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}
