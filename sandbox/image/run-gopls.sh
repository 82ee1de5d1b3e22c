#!/bin/sh
# Runs as PID 1 of a gopls container: the lesson's Go files come first on stdin as a tar of exactly
# $PLAYGROUND_TAR_BYTES bytes, then the same stdin carries LSP to gopls. dd reads exactly that many bytes
# (fullblock: a pipe's short reads are topped up) so not one byte of the first LSP message is swallowed.
set -u
mkdir -p /work/src || exit 90
cd /work/src || exit 90
if ! dd bs=65536 count="$PLAYGROUND_TAR_BYTES" iflag=count_bytes,fullblock 2>/dev/null | tar -x -m -f - 2>/tmp/unpack.err; then
  cat /tmp/unpack.err >&2
  exit 90
fi
# go list (which gopls runs) records entries for the lesson's own packages in the build cache, and fails when it
# cannot; the image's warm cache is read-only. A writable cache made of it at start keeps every warm entry: links to
# its outputs, and copies of its index entries (go rewrites those in place, which a link to a read-only file refuses).
# About 5k links and 3k files of a few hundred bytes: a fraction of a second.
if cp -rs /opt/gocache "$GOCACHE" 2>/dev/null; then
  find "$GOCACHE" -name '*-a' -type l -exec rm -f {} +
  (cd /opt/gocache && tar -c -f - $(find . -name '*-a')) | tar -x -f - -C "$GOCACHE"
else
  mkdir -p "$GOCACHE"
fi
exec gopls
