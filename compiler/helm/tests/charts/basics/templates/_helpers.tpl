{{/* Named templates used with include, template and block. */}}
{{- define "basics.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "basics.labels" -}}
app: {{ .name }}
{{- with .extra }}
extra: {{ . | quote }}
{{- else }}
extra: none
{{- end }}
{{- end -}}

{{- define "basics.pair" -}}
{{ index . 0 }}={{ index . 1 }}
{{- end -}}

{{- define "basics.ctx" -}}
{{ .top.Release.Namespace }}/{{ .key }}
{{- end -}}

{{- define "basics.empty" }}{{ end -}}
