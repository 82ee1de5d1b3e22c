#!/bin/sh
# Runs as PID 1 of every service container: unpack the lesson from stdin, build the service, then become it.
# Lines starting with @@playground: tell the server the stage; the server hides them from the learner.
set -u
src=/work/src
mkdir -p "$src" /tmp/bin || exit 90
cd "$src" || exit 90
if ! tar -x -f - 2>/tmp/unpack.err; then
  cat /tmp/unpack.err >&2
  echo "@@playground:failed could not unpack the lesson files"
  exit 90
fi
if ! cd "$src/$PLAYGROUND_SERVICE_DIR" 2>/dev/null; then
  echo "@@playground:failed the service folder $PLAYGROUND_SERVICE_DIR is missing"
  exit 91
fi
echo "@@playground:building"
if ! go build -o /tmp/bin/service .; then
  echo "@@playground:build-failed"
  exit 2
fi
echo "@@playground:starting"
exec /tmp/bin/service
