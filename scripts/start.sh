#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, build the sandbox image and the site, serve it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system.sh
npm ci --no-audit --no-fund
npm run setup
npm run build
echo "open http://localhost:${PORT:-3000}/"
exec npm run serve
