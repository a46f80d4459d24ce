#!/usr/bin/env bash
# Whole-process wall time, CPU time and peak memory of migsafe against squawk
# on the same files: the two tools alternate, median of RUNS runs (default 7).
# Three ways migsafe is called: `validate DIR`, `validate FILE...` (what the
# pre-commit framework and xargs pass) and `check DIR` (validate + rollback +
# drift, the history replayed); squawk lints the same files.
#
#   python3 -m venv /tmp/sq && /tmp/sq/bin/pip install squawk-cli
#   cargo build --release -p migsafe -p migsafe-benches
#   scripts/bench-vs-squawk.sh [SQUAWK] [CORPORA] > table.md
#
# SETS="10000 100000" adds generated Prisma sets of that many migrations
# (written once to $TMPDIR/migsafe-bench-N by gen-migrations, seed 42).
# Prints a Markdown table (docs/performance.md holds the last one).
set -euo pipefail
cd "$(dirname "$0")/.."
export SQUAWK=${1:-/tmp/sq/bin/squawk}
export CORPORA=${2:-../shared/corpora}
export MIGSAFE=$PWD/target/release/migsafe
export GEN=$PWD/target/release/gen-migrations
export RUNS=${RUNS:-7}
export SETS=${SETS:-10000}
[ -x "$SQUAWK" ] || { echo "needs squawk at $SQUAWK (see the header of this script)" >&2; exit 2; }
[ -x "$MIGSAFE" ] && [ -x "$GEN" ] || {
  echo "build first: cargo build --release -p migsafe -p migsafe-benches" >&2
  exit 2
}
exec python3 - <<'PY'
import glob, os, statistics, subprocess, sys, tempfile, time

squawk, migsafe, corpora = os.environ["SQUAWK"], os.environ["MIGSAFE"], os.environ["CORPORA"]
runs = int(os.environ["RUNS"])

def measure(argv, cwd):
    """Wall seconds, CPU seconds and peak resident MB of one process."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{argv[0]} exited {code} in {cwd}: {' '.join(argv[:4])} …")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024

def median_runs(commands, cwd):
    """The commands alternate; per command the median wall, CPU and peak."""
    samples = {k: [] for k in commands}
    for _ in range(runs):
        for k, argv in commands.items():
            samples[k].append(measure(argv, cwd))
    return {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in samples.items()}

sets = []
for name, rel, pattern in [
    ("langfuse", "langfuse__langfuse/packages/shared/prisma/migrations", "*/migration.sql"),
    ("trigger.dev", "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations", "*/migration.sql"),
    ("trigger.dev run-ops", "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/migrations", "*/migration.sql"),
    ("harness (up files)", "harness__harness/app/store/database/migrate/postgres", "*up.sql"),
]:
    d = os.path.join(corpora, rel)
    if os.path.isdir(d):
        sets.append((name, os.path.abspath(d), pattern))
    else:
        print(f"<!-- {d} absent: {name} not measured -->")
for n in os.environ["SETS"].split():
    d = os.path.join(tempfile.gettempdir(), f"migsafe-bench-{n}")
    if not os.path.isdir(d):
        subprocess.run([os.environ["GEN"], d, n, "42"], check=True, stdout=subprocess.DEVNULL)
    sets.append((f"generated {int(n):,}", d, "*/migration.sql"))

print(f"| set | files | MB | squawk | migsafe `validate DIR` | `validate FILE…` | `check DIR` | peak MB (validate / check) | CPU/wall (validate) |")
print("|---|---|---|---|---|---|---|---|---|")
for name, d, pattern in sets:
    files = sorted(glob.glob(pattern, root_dir=d))
    mb = sum(os.path.getsize(os.path.join(d, f)) for f in files) / 1e6
    too_long = sum(len(f) + 1 for f in files) > 1_500_000  # argv limit
    # squawk expands a quoted pattern itself; the same files either way.
    cmds = {
        "squawk": [squawk, pattern] if too_long else [squawk, *files],
        "dir": [migsafe, "validate", "."],
        "check": [migsafe, "check", "."]
        + (["--schema", "../schema.prisma"] if os.path.isfile(os.path.join(d, "../schema.prisma")) else []),
    }
    if not too_long:
        cmds["files"] = [migsafe, "validate", *files]
    r = median_runs(cmds, d)
    s = r["squawk"][0]
    cell = lambda k: f"{r[k][0]*1000:.0f} ms ({r[k][0]/s:.2f}×)" if k in r else "— (argv too long)"
    print(f"| {name} | {len(files):,} | {mb:.1f} | {s*1000:.0f} ms | {cell('dir')} | {cell('files')} | {cell('check')} "
          f"| {r['dir'][2]:.0f} / {r['check'][2]:.0f} | {r['dir'][1]/r['dir'][0]:.2f} |", flush=True)
print(f"\nMedian of {runs} alternating runs; ratios are migsafe's wall time over squawk's "
      f"(goal: validate ≤ 0.25×, check ≤ 0.5×). {os.cpu_count()} cores, "
      f"{time.strftime('%Y-%m-%d')}, squawk {subprocess.run([squawk, '--version'], capture_output=True, text=True).stdout.split()[-1]}.")
PY
