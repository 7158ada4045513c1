// Command kube-apiserver is the real Kubernetes API server, built from Go modules so that
// Tide's tests can run against it on machines that cannot download release binaries.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
