#!/usr/bin/env bash
# Production-install smoke test: a clean clone of this checkout's HEAD, `npm ci --omit=dev` (no tsx, no TypeScript:
# the prepare step compiles to dist/), then `geofed doctor` and a one-round synthetic simulation from the installed
# tree. Run by .ci/run; needs Redis and Fashion-MNIST like doctor does (scripts/setup.sh provides them).
# Usage: scripts/smoke-production.sh [WORK_DIR]   (default: a fresh temporary folder, removed afterwards)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d -t geofed-smoke-XXXXXX)}"
[ $# -ge 1 ] || trap 'rm -rf "$work"' EXIT

echo "smoke: cloning $(git -C "$repo" rev-parse --short HEAD) into $work/geofed"
git clone --quiet --no-hardlinks "$repo" "$work/geofed"
cd "$work/geofed"
npm ci --omit=dev --no-audit --no-fund
for dev_only in tsx typescript; do
  if [ -e "node_modules/$dev_only" ]; then echo "smoke: $dev_only is installed by npm ci --omit=dev; it must stay a dev dependency" >&2; exit 1; fi
done

npx --no-install geofed doctor

cat > "$work/synthetic.yaml" <<'EOF'
dataset: { name: synthetic, numClasses: 3, dim: 6, trainSize: 300, testSize: 150, seed: 1 }
model: { type: head, hidden: 8 }
clients: 3
partition: { scheme: iid }
rounds: 1
local: { batchSize: 16, lr: 0.1 }
backend: cpu
EOF
npx --no-install geofed simulate --config "$work/synthetic.yaml" --out "$work/run"
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  if (r.rounds.length !== 1) throw new Error(`result.json holds ${r.rounds.length} rounds, expected 1`);
' "$work/run/result.json"
echo "smoke: production install runs doctor and a one-round simulation"
