{{- define "sub.helper" -}}{{ .Chart.Name }}:{{ .Values.greeting }}{{- end -}}
