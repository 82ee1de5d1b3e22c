module playground/kubernetes/web

go 1.25
