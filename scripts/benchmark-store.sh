#!/usr/bin/env bash
# The document store's speed figures (issue 10), all on the same file system, in one run:
#   1. the single-row commit rate of a plain SQLite file (WAL, synchronous=FULL), python3 sqlite3;
#   2. durable ingest of 10 KiB documents through `signtool store ingest` (many writers in one
#      process, group commit: a document is acknowledged once its batch is on disk), for plain
#      Arabic text (indexed word by word) and for PDF-like files (not indexed);
#   3. `store export` (tar) and `archive verify` beside `sha256sum` over the same blobs;
#   4. a store filled to VERSIONS versions by the bulk loader (StoreBenchmark fill), then
#      lookups by id and by register number and Arabic full-text queries through the normal
#      calls, in one process (StoreBenchmark query): p50, p95, p99.
#
#   scripts/benchmark-store.sh                        # DOCS=20000 EXPORT_MIB=1024 VERSIONS=1000000
#   VERSIONS=100000 scripts/benchmark-store.sh        # a quicker run
#   FILLED=/path/to/data scripts/benchmark-store.sh   # query a store filled before (skips the fill)
#   BENCH_DIR=/dev/shm scripts/benchmark-store.sh     # tmpfs instead of the disk (flushes cost nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${DOCS:-20000}
JOBS=${JOBS:-256}
EXPORT_MIB=${EXPORT_MIB:-1024}
VERSIONS=${VERSIONS:-1000000}
base=${BENCH_DIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/signtool-store-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
swift build -c release --product signtool >/dev/null
swift build -c release --product StoreBenchmark >/dev/null
bin=$(swift build -c release --show-bin-path)
signtool=$bin/signtool
export SIGNTOOL_ACTOR=benchmark
cd "$work"
echo "== on $(df --output=source,fstype "$work" | tail -1 | tr -s ' ') ($work)"

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

echo "== $DOCS documents of 10 KiB each, text and PDF-like, through store ingest --jobs $JOBS"
python3 - "$DOCS" <<'PY'
import os, random, sys
random.seed(10)
os.makedirs("docs", exist_ok=True)
words = ["قرار", "وزارة", "الإسكان", "اجتماع", "كتاب", "2026", "تقرير", "خطة", "المواطنين", "الخدمات", "مديرية", "التخطيط"]
with open("text.jsonl", "w") as text, open("pdf.jsonl", "w") as pdf:
    for i in range(int(sys.argv[1])):
        body = (" ".join(random.choice(words) for _ in range(40)) + f" {i}\n").encode()
        with open(f"docs/t{i:06d}.txt", "wb") as f:
            f.write((body * (10240 // len(body) + 1))[:10240])
        with open(f"docs/p{i:06d}.pdf", "wb") as f:
            f.write(b"%PDF-1.7\n" + os.urandom(10240 - 9))
        text.write('{"file": "docs/t%06d.txt", "title": "وثيقة %d"}\n' % (i, i))
        pdf.write('{"file": "docs/p%06d.pdf", "title": "مسح %d"}\n' % (i, i))
PY
sync
ingest() {  # $1: manifest, $2: data directory; prints documents per second
    SIGNTOOL_DATA=$2 "$signtool" store init >/dev/null
    local start end
    start=$(date +%s.%N)
    SIGNTOOL_DATA=$2 "$signtool" store ingest --agency MOCT --kind report --jobs "$JOBS" "$1" > "$2.out"
    end=$(date +%s.%N)
    [ "$(grep -c ' version 1 ' "$2.out")" -eq "$DOCS" ] || { echo "benchmark-store: not every document of $1 was acknowledged" >&2; exit 1; }
    python3 -c "print(f'{$DOCS / ($end - $start):.0f}')"
}
text_rate=$(ingest text.jsonl text-data)
pdf_rate=$(ingest pdf.jsonl pdf-data)
rm -rf docs

echo "== export and archive verify of $EXPORT_MIB MiB (8 documents), beside sha256sum of the same blobs"
export SIGNTOOL_DATA=$work/export-data SIGNTOOL_CA_PASSPHRASE="benchmark passphrase"
"$signtool" ca init --subject "C=SY, O=Benchmark, CN=Benchmark CA" >/dev/null
"$signtool" ca export --root --out root.pem >/dev/null
for i in 1 2 3 4 5 6 7 8; do
    head -c $((EXPORT_MIB * 1048576 / 8)) /dev/urandom > big.bin
    "$signtool" store add --title "ملف كبير $i" --kind report --agency MOCT big.bin >/dev/null
done
rm big.bin
"$signtool" store audit checkpoint >/dev/null
blobs=$(find "$SIGNTOOL_DATA/store/blobs" -type f -size +1M)
# Warm: every reader below finds the bytes in the page cache; and each step starts with no
# writeback pending from the one before (sync), so it pays for its own writes only.
cat $blobs > /dev/null
sync
t0=$(date +%s.%N); sha256sum $blobs > /dev/null; t1=$(date +%s.%N)
today=$(date -u +%F)
"$signtool" store export --since 2000-01-01 --until "$today" --out all.tar >/dev/null; t2=$(date +%s.%N)
sync
t2=$(date +%s.%N)
"$signtool" archive verify --trust root.pem all.tar >/dev/null; t3=$(date +%s.%N)
unset SIGNTOOL_DATA

echo "== $VERSIONS versions: bulk fill, then lookups and Arabic queries in one process"
if [ -n "${FILLED:-}" ]; then
    filled=$FILLED
else
    filled=$work/filled
    "$bin/StoreBenchmark" fill "$filled" "$VERSIONS" | tail -1
fi
# Warm, like a server that has been answering: the database in the page cache (read from a
# cold disk, a lookup by id takes about 1.7 ms at p50 here, nearly all of it disk reads).
cat "$filled/store/store.sqlite" > /dev/null
"$bin/StoreBenchmark" query "$filled" 2000 | tee query.txt

python3 - "$sqlite_rate" "$text_rate" "$pdf_rate" "$JOBS" "$EXPORT_MIB" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
sqlite_rate, text_rate, pdf_rate, jobs, mib = sys.argv[1:6]
t0, t1, t2, t3 = map(float, sys.argv[6:10])
mb = int(mib) * 1048576 / 1e6
sha, export, verify = mb / (t1 - t0), mb / (t2 - t1), mb / (t3 - t2)
print()
print(f"{'measure':62} {'figure':>16}")
print(f"{'plain SQLite single-row commits (synchronous=FULL)':62} {float(sqlite_rate):>13,.0f} /s")
print(f"{'store ingest, 10 KiB Arabic text, ' + jobs + ' writers (durable)':62} {float(text_rate):>13,.0f} /s")
print(f"{'store ingest, 10 KiB PDF-like, ' + jobs + ' writers (durable)':62} {float(pdf_rate):>13,.0f} /s")
print(f"{'sha256sum over the exported blobs':62} {sha:>11,.0f} MB/s")
print(f"{'store export (tar, each blob checked as packed)':62} {export:>11,.0f} MB/s  {100 * export / sha:.0f} % of sha256sum")
print(f"{'archive verify (unpack, every digest, signatures, audit)':62} {verify:>11,.0f} MB/s  {100 * verify / sha:.0f} % of sha256sum")
PY
