{{- define "lib.header" }}
# header from the library chart for {{ .Chart.Name }} in {{ .Values.global.region }}
{{- end }}
