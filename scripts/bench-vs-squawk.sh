#!/usr/bin/env bash
# Whole-process time of `migsafe validate` against squawk on the same files
# (median of several runs, one after the other, with hyperfine).
#
#   python3 -m venv /tmp/sq && /tmp/sq/bin/pip install squawk-cli
#   cargo build --release -p migsafe
#   scripts/bench-vs-squawk.sh [SQUAWK=/tmp/sq/bin/squawk] [CORPORA=../shared/corpora]
set -euo pipefail
cd "$(dirname "$0")/.."
squawk=${1:-/tmp/sq/bin/squawk}
corpora=${2:-../shared/corpora}
migsafe=$PWD/target/release/migsafe
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 2; }
[ -x "$squawk" ] || { echo "needs squawk at $squawk"; exit 2; }
[ -x "$migsafe" ] || { echo "build first: cargo build --release -p migsafe"; exit 2; }

run() { # name dir glob
  local name=$1 dir=$2 glob=$3
  local files; files=$(cd "$dir" && ls -d $glob | wc -l)
  echo "== $name: $files files"
  hyperfine -N -i -w 3 -r "${RUNS:-20}" --export-json "/tmp/bench-$name.json" \
    -n squawk "bash -c 'cd \"$dir\" && exec \"$squawk\" $glob'" \
    -n migsafe "bash -c 'cd \"$dir\" && exec \"$migsafe\" validate .'" >/dev/null 2>&1
  python3 - "/tmp/bench-$name.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
s, m = r["squawk"]["median"], r["migsafe"]["median"]
print(f"   squawk  median {s*1000:7.1f} ms\n   migsafe median {m*1000:7.1f} ms   ({s/m:.1f}x faster)")
PY
}

run langfuse "$corpora/langfuse__langfuse/packages/shared/prisma/migrations" "*/migration.sql"
run trigger.dev "$corpora/triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations" "*/migration.sql"
run harness "$corpora/harness__harness/app/store/database/migrate/postgres" "*up.sql"
