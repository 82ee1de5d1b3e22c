//go:build tools

// Imports kube-router, so `go mod tidy` keeps its dependencies.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
