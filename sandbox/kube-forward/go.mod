module playground/kube-forward

go 1.26.0
