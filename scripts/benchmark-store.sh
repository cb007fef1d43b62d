#!/usr/bin/env bash
# The document store beside plain SQLite, on the same file system, in one run:
#   - single-row commit rate of a plain SQLite file (WAL, synchronous=FULL), python3 sqlite3;
#   - durable ingest of 10 KiB documents through `signtool store add`, WRITERS processes at once
#     (each add is a process: start-up, blob fsyncs, one commit), documents per second;
#   - `store show` (lookup by id) and an Arabic `store search` over what was ingested.
#
#   scripts/benchmark-store.sh                 # DOCS=2000 WRITERS=4
#   BENCH_DIR=/tmp scripts/benchmark-store.sh  # on disk instead of tmpfs
#
# Not yet measured here (issue 10): group commit inside one process, 1,000,000 versions,
# export and archive verify against sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${DOCS:-2000}
WRITERS=${WRITERS:-4}
base=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")}
work=$(mktemp -d "$base/signtool-store-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
swift build -c release --product signtool >/dev/null
signtool=$(swift build -c release --show-bin-path)/signtool
export SIGNTOOL_DATA=$work/data SIGNTOOL_ACTOR=benchmark
cd "$work"

echo "== plain SQLite: single-row commits (WAL, synchronous=FULL)"
sqlite_rate=$(python3 - <<'PY'
import sqlite3, time
db = sqlite3.connect("plain.sqlite", isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
n, start = 0, time.perf_counter()
while time.perf_counter() - start < 3:
    db.execute("BEGIN IMMEDIATE"); db.execute("INSERT INTO t (v) VALUES (?)", (b"x" * 100,)); db.execute("COMMIT"); n += 1
print(f"{n / (time.perf_counter() - start):.0f}")
PY
)

echo "== $DOCS documents of 10 KiB, $WRITERS writers"
python3 - "$DOCS" <<'PY'
import os, sys
os.makedirs("docs", exist_ok=True)
words = ["قرار", "وزارة", "الإسكان", "اجتماع", "كتاب", "2026", "تقرير", "خطة"]
for i in range(int(sys.argv[1])):
    body = (" ".join(words[(i + k) % len(words)] for k in range(40)) + "\n").encode()
    with open(f"docs/d{i:06d}.txt", "wb") as f:
        f.write((body * (10240 // len(body) + 1))[:10240])
PY
"$signtool" store init >/dev/null
start=$(date +%s.%N)
ls docs/*.txt | xargs -P "$WRITERS" -I{} "$signtool" store add --title "وثيقة {}" --kind report --agency MOCT {} > ids.txt
end=$(date +%s.%N)
ingested=$(grep -c ' version 1 ' ids.txt || true)
[ "$ingested" -eq "$DOCS" ] || { echo "benchmark-store: $ingested of $DOCS documents acknowledged" >&2; exit 1; }

id=$(head -1 ids.txt | cut -d' ' -f1)
show_ms=$(python3 - "$signtool" "$id" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(20):
    t = time.perf_counter(); subprocess.run([sys.argv[1], "store", "show", sys.argv[2], "--json"], stdout=subprocess.DEVNULL, check=True)
    runs.append((time.perf_counter() - t) * 1000)
runs.sort(); print(f"{runs[len(runs) // 2]:.1f}")
PY
)
search_ms=$(python3 - "$signtool" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(20):
    t = time.perf_counter(); subprocess.run([sys.argv[1], "store", "search", "والاسكان", "--json"], stdout=subprocess.DEVNULL, check=True)
    runs.append((time.perf_counter() - t) * 1000)
runs.sort(); print(f"{runs[int(len(runs) * 0.95) - 1]:.1f}")
PY
)
noop_ms=$(python3 - "$signtool" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(20):
    t = time.perf_counter(); subprocess.run([sys.argv[1], "--version"], stdout=subprocess.DEVNULL, check=True)
    runs.append((time.perf_counter() - t) * 1000)
runs.sort(); print(f"{runs[len(runs) // 2]:.1f}")
PY
)
python3 - "$sqlite_rate" "$DOCS" "$start" "$end" "$WRITERS" "$show_ms" "$search_ms" "$noop_ms" <<'PY'
import sys
sqlite_rate, docs, start, end, writers, show, search, noop = sys.argv[1:]
rate = int(docs) / (float(end) - float(start))
print()
print(f"{'measure':52} {'figure':>14}")
print(f"{'plain SQLite single-row commits (synchronous=FULL)':52} {float(sqlite_rate):>11,.0f} /s")
print(f"{'store add, 10 KiB, ' + writers + ' processes at once (durable)':52} {rate:>11,.0f} /s")
print(f"{'  per add':52} {1000 * float(writers) / rate:>11.1f} ms")
print(f"{'store show (lookup by id), median, whole process':52} {float(show):>11.1f} ms")
print(f"{'store search (Arabic), p95 of 20, whole process':52} {float(search):>11.1f} ms")
print(f"{'signtool --version, median (process start-up)':52} {float(noop):>11.1f} ms")
PY
