#!/usr/bin/env bash
# Image tool script: builds the Consul agent from its Go module into $OUT/bin/consul (lesson 16.3 runs it in -dev mode).
# `go install` refuses Consul because its go.mod replaces its nested modules (api, sdk, …) with ./folders, and
# the module zip leaves those folders out. So: fetch the root module and each nested module from the module proxy
# at the versions the root go.mod requires, lay them out where the replace directives point, and build there.
#
# v1.15.7 is the newest Consul release that is open source (MPL-2.0) from top to bottom and whose nested modules
# the proxy serves: later releases are under the Business Source License, and 1.16.3 needs an envoyextensions
# version that was never published. The agent's HTTP API used by the lesson (agent, health, catalog, status) is
# the same in current releases, and the current api client talks to it.
set -euo pipefail

CONSUL_MODULE=github.com/hashicorp/consul
CONSUL_VERSION=v1.15.7

: "${OUT:?OUT must name the folder whose bin/ receives the tools}"
# A module cache of this script's own (image.ts passes one): Consul's dependency tree is large and must not end up
# in the lessons' module cache, which is copied into the image.
: "${GOMODCACHE:?GOMODCACHE must be set to a module cache for tool builds}"
export GOMODCACHE GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off

started=$(date +%s)
src="$OUT/src"
rm -rf "$src"
mkdir -p "$OUT/bin"

# Prints the extracted folder of module@version in the module cache, downloading it first if needed.
module_dir() {
  go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

echo "fetching $CONSUL_MODULE@$CONSUL_VERSION"
root=$(module_dir "$CONSUL_MODULE" "$CONSUL_VERSION")
[ -d "$root" ] || { echo "could not fetch $CONSUL_MODULE@$CONSUL_VERSION" >&2; exit 1; }
cp -r "$root" "$src"
chmod -R u+w "$src"

# Every `github.com/hashicorp/consul/<x> => ./<x>` replace: fetch <x> at the version the root go.mod requires.
go mod edit -json "$src/go.mod" >"$OUT/go.mod.json"
while IFS=$'\t' read -r path dir; do
  version=$(jq -r --arg p "$path" '.Require[] | select(.Path == $p) | .Version' "$OUT/go.mod.json")
  [ -n "$version" ] || { echo "the go.mod requires no version of $path" >&2; exit 1; }
  echo "fetching $path@$version into ./$dir"
  nested=$(module_dir "$path" "$version")
  [ -d "$nested" ] || { echo "could not fetch $path@$version" >&2; exit 1; }
  rm -rf "${src:?}/$dir"
  cp -r "$nested" "$src/$dir"
  chmod -R u+w "$src/$dir"
done < <(jq -r '.Replace[] | select(.New.Path | startswith("./")) | [.Old.Path, (.New.Path | ltrimstr("./"))] | @tsv' "$OUT/go.mod.json")

# The published troubleshoot module lists Envoy's protobuf packages of an older go-control-plane; three of them
# have since moved. Consul's own build-support/scripts/envoy-library-references.sh writes this list for both
# agent/xds and troubleshoot/proxy from the go-control-plane the root requires; do what it does, from the
# agent's copy that the release ships.
if [ -f "$src/troubleshoot/proxy/z_xds_packages.go" ] && [ -f "$src/agent/xds/z_xds_packages.go" ]; then
  sed 's/^package xds$/package troubleshoot/' "$src/agent/xds/z_xds_packages.go" >"$src/troubleshoot/proxy/z_xds_packages.go"
fi

echo "building consul $CONSUL_VERSION (static, trimmed)"
cd "$src"
go build -trimpath -ldflags "-s -w" -o "$OUT/bin/consul" .
"$OUT/bin/consul" version
rm -rf "$src" "$OUT/go.mod.json"
echo "consul built in $(($(date +%s) - started)) s"
