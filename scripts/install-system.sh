#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for the playground and starts the Docker Engine if none answers.
# Usage: scripts/install-system.sh [--with-browser]   (the browser is only needed by the end-to-end tests)
set -euo pipefail

MIN_GO_MINOR=26
packages=(docker.io busybox-static iptables ipset ca-certificates tar curl protobuf-compiler libprotobuf-dev)
# The local Kubernetes cluster (npm run cluster): its own containerd instance, runc, certificates, a static pause binary.
packages+=(containerd runc openssl gcc libc6-dev)
# Class mode's SQLite driver (better-sqlite3) compiles at `npm ci` against the headers Debian's nodejs ships.
packages+=(g++ make python3)
# fonts-noto-cjk: the lessons are Chinese first; without a CJK font the browser draws empty boxes.
[[ "${1:-}" == "--with-browser" ]] && packages+=(chromium fonts-noto-cjk)

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The sandbox image takes its Go toolchain from this machine (no registry to pull golang:… from).
go_ok() { command -v go >/dev/null && [[ $(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/') -ge $MIN_GO_MINOR ]]; }
if ! go_ok; then
  echo "Go 1.${MIN_GO_MINOR} or newer is needed: fetching the toolchain module from the Go module proxy"
  version=go1.26.8
  proxy=${GOPROXY:-https://proxy.golang.org}; proxy=${proxy%%,*}
  tmp=$(mktemp -d)
  curl -fsSL "$proxy/golang.org/toolchain/@v/v0.0.1-$version.linux-amd64.zip" -o "$tmp/go.zip"
  as_root rm -rf /usr/local/go
  (cd "$tmp" && python3 -c "import zipfile; zipfile.ZipFile('go.zip').extractall('.')")
  as_root mv "$tmp/golang.org/toolchain@v0.0.1-$version.linux-amd64" /usr/local/go
  as_root chmod -R a+rX /usr/local/go && as_root chmod a+x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/*
  export PATH=/usr/local/go/bin:$PATH
  go_ok || { echo "could not install Go" >&2; exit 1; }
fi

if ! docker version >/dev/null 2>&1; then
  if ! pgrep -x dockerd >/dev/null; then
    echo "starting dockerd"
    as_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 120); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/dockerd.log" >&2; exit 1; }
fi
echo "Docker Engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
