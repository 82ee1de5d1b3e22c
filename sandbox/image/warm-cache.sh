#!/bin/sh
# Image build step: compile every lesson service once, with the same settings as a Run, so GOCACHE is warm.
# Best effort: a service that does not build here still gets its dependencies compiled where possible.
set -u
start=$(date +%s)
for mod in $(find /opt/warm -name go.mod | sort); do
  dir=$(dirname "$mod")
  echo "warming build cache: ${dir#/opt/warm/}"
  (cd "$dir" && go build -o /dev/null ./... 2>&1) || echo "warning: ${dir#/opt/warm/} did not build; its first Run will be slower"
done
rm -rf /opt/warm
chmod -R a+rX /opt/gocache /opt/gomodcache
echo "build cache warmed in $(( $(date +%s) - start ))s"
