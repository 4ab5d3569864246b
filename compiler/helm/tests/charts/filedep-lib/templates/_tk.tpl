{{- define "tk.join" -}}
{{- $ctx := index . 0 -}}{{- $sep := index . 1 -}}
{{ $ctx.Release.Name }}{{ $sep }}{{ $ctx.Chart.Name }}
{{- end -}}
