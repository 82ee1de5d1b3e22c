#!/bin/sh
# Runs as PID 1 of every service container: unpack the lesson from stdin, build the service, then become it.
# Lines starting with @@playground: tell the server the stage; the server hides them from the learner.
# A failure marker goes to stderr, after the messages it follows: the engine keeps the order within one pipe only.
set -u
src=/work/src
mkdir -p "$src" /tmp/bin || exit 90
cd "$src" || exit 90
# -m: files get the extraction time, so go skips indexing the (read-only cache's) module index for this
# fresh directory instead of failing to write the index entry.
if ! tar -x -m -f - 2>/tmp/unpack.err; then
  cat /tmp/unpack.err >&2
  echo "@@playground:failed could not unpack the lesson files" >&2
  exit 90
fi
if ! cd "$src/$PLAYGROUND_SERVICE_DIR" 2>/dev/null; then
  echo "@@playground:failed the service folder $PLAYGROUND_SERVICE_DIR is missing" >&2
  exit 91
fi
echo "@@playground:building"
# A service that runs a tool of the image (its arguments) instead of a Go program of the lesson.
if [ "$#" -gt 0 ]; then
  echo "@@playground:starting"
  exec "$@"
fi
# Generated code (e.g. gRPC stubs from a .proto) is regenerated on every Run, so editing the .proto is enough.
if [ -n "$(find . -name '*.go' -exec grep -l '^//go:generate' {} + 2>/dev/null | head -n 1)" ]; then
  echo "go generate ./..."
  if ! go generate ./... 2>/tmp/generate.err; then
    cat /tmp/generate.err >&2
    echo "@@playground:build-failed" >&2
    exit 2
  fi
fi
build() { go build -o /tmp/bin/service . 2>/tmp/build.err; }
if ! build; then
  # The warm cache is read-only; should go still insist on writing its module index there, build without it.
  if grep -q "/opt/gocache/.*read-only" /tmp/build.err; then
    GODEBUG="goindex=0${GODEBUG:+,$GODEBUG}" build || { cat /tmp/build.err >&2; echo "@@playground:build-failed" >&2; exit 2; }
  else
    cat /tmp/build.err >&2
    echo "@@playground:build-failed" >&2
    exit 2
  fi
fi
cat /tmp/build.err >&2
echo "@@playground:starting"
exec /tmp/bin/service
