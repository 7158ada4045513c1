#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver + etcd) from Go modules into a cache outside
# the work tree and prints, as its last line, the directory holding both binaries.
# With KUBEBUILDER_ASSETS set it builds nothing and prints that directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for bin in kube-apiserver etcd; do
    [[ -x "$KUBEBUILDER_ASSETS/$bin" ]] || { echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $bin" >&2; exit 1; }
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

out="${XDG_CACHE_HOME:-$HOME/.cache}/tide/envtest/$K8S_VERSION"
mkdir -p "$out"
export CGO_ENABLED=0 GOTOOLCHAIN=local

# A stamp per binary records the inputs it was built from; a matching stamp is a cache hit.
stamp_of() { cat "$here/$1/go.mod" "$here/$1/go.sum" "$here/$1/main.go" | sha256sum | cut -d' ' -f1; }

build() { # name, ldflags
  local name=$1 ldflags=$2 stamp
  stamp=$(stamp_of "$name")
  if [[ -x "$out/$name" && "$(cat "$out/$name.stamp" 2>/dev/null)" == "$stamp" ]]; then
    return 0
  fi
  echo "building $name (cold builds take minutes) ..." >&2
  (cd "$here/$name" && go build -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" .)
  mv "$out/$name.tmp" "$out/$name"
  echo "$stamp" > "$out/$name.stamp"
}

minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
vpkg=k8s.io/component-base/version
build etcd "-s -w"
build kube-apiserver "-s -w -X $vpkg.gitVersion=$K8S_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
echo "$out"
