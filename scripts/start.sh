#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, build the sandbox image and the site, serve it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system.sh
npm ci --no-audit --no-fund
npm run setup
# Lesson 16.8.2's Kubernetes cluster builds (first time ~20 min) and starts in the background: the site and every other
# lesson do not wait for it; that lesson's page shows its progress (the cluster's progress log) and runs once it is up.
if [ "${PLAYGROUND_NO_CLUSTER:-}" != "1" ]; then
  mkdir -p /var/log/go-microservices-playground
  nohup npm run cluster -- up >/var/log/go-microservices-playground/cluster-up.log 2>&1 &
  echo "the Kubernetes cluster is starting in the background (log: /var/log/go-microservices-playground/cluster-up.log)"
fi
npm run build
echo "open http://localhost:${PORT:-3000}/"
exec npm run serve
