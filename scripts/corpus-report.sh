#!/usr/bin/env bash
# What migsafe makes of the real migration histories in ../shared/corpora:
# statements, sqlparser coverage, findings by rule, drift and replay issues.
#
#   cargo build --release -p migsafe && scripts/corpus-report.sh [CORPORA=../shared/corpora]
set -euo pipefail
cd "$(dirname "$0")/.."
corpora=${1:-../shared/corpora}
migsafe=$PWD/target/release/migsafe
[ -x "$migsafe" ] || { echo "build first: cargo build --release -p migsafe"; exit 2; }
[ -d "$corpora" ] || { echo "no corpora at $corpora"; exit 2; }

report() { # name migrations-dir
  local name=$1 dir=$2
  echo "== $name ($dir)"
  { "$migsafe" check "$corpora/$dir" --format json --no-color || true; } | python3 -c '
import collections, json, sys
d = json.load(sys.stdin)
s = d["summary"]
n, p, m = s["statements"], s["parsed_statements"], s["migrations"]
print(f"   {m} migrations, {n} statements, {p} parsed by sqlparser ({100*p/max(n,1):.1f}%)")
c = collections.Counter((x["rule"], x["severity"]) for x in d["diagnostics"])
for (rule, sev), k in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])):
    print(f"   {k:5d}  {sev:7s} {rule}")
classes = collections.Counter(st["class"] for m in d["migrations"] for st in m["statements"])
print("   classes: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
'
}

report langfuse langfuse__langfuse/packages/shared/prisma/migrations
report trigger.dev triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations
report trigger.dev-run-ops triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/migrations
report harness harness__harness/app/store/database/migrate/postgres
