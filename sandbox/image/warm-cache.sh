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
# gopls's own cache (type information and export data of every module the lessons import), so a learner's gopls
# answers its first completion without type-checking grpc or otel from their sources. Read-only at run time.
export GOPLSCACHE=/opt/goplscache
mkdir -p "$GOPLSCACHE"
for mod in $(find /opt/warm -name go.mod | sort); do
  dir=$(dirname "$mod")
  files=$(cd "$dir" && find . -name '*.go' | head -n 200)
  [ -n "$files" ] || continue
  echo "warming gopls cache: ${dir#/opt/warm/}"
  (cd "$dir" && gopls check $files >/dev/null 2>&1) || echo "note: gopls reported problems in ${dir#/opt/warm/}"
done
rm -rf /opt/warm
chmod -R a+rX /opt/gocache /opt/gomodcache /opt/goplscache
echo "build cache warmed in $(( $(date +%s) - start ))s"
