#!/usr/bin/env bash
# Speed of signtool sign/verify beside OpenSSL's own figures, from one run on this machine.
#
#   scripts/benchmark.sh                 # 10,000 files of 1 KiB and a 2 GiB file
#   FILES=2000 BIG_MIB=256 scripts/benchmark.sh   # a quicker run
#
# Work files go to BENCH_DIR (default: a new directory under /dev/shm, so the figures
# measure signtool rather than the disk; set BENCH_DIR to a disk path to include it).
# Everything it creates is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${FILES:-10000}
BIG_MIB=${BIG_MIB:-2048}
LOOP=${LOOP:-300}
CORES=$(nproc)
base=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")}
work=$(mktemp -d "$base/signtool-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

swift build -c release --product signtool >/dev/null
signtool=$(swift build -c release --show-bin-path)/signtool

# Seconds (wall clock) and peak resident memory (KiB) of a command, output discarded.
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if status != 0:
    sys.exit(f"benchmark: {sys.argv[1]} exited {status}")
print(f"{elapsed:.4f} {peak}")
PY
}

echo "== preparing $FILES files of 1 KiB and a P-256 signer in $work"
repo=$(pwd)
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem \
    -subj "/C=SY/CN=Benchmark Root" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout signer.key -out signer.csr \
    -subj "/C=SY/O=وزارة الاتصالات والتقانة/CN=سامر البرني" -utf8 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' > ext.cnf
openssl x509 -req -in signer.csr -CA root.pem -CAkey root.key -set_serial 7 -days 30 -out signer.pem \
    -extfile ext.cnf 2>/dev/null
mkdir files
python3 - "$FILES" <<'PY'
import os, sys
for i in range(int(sys.argv[1])):
    with open(f"files/doc-{i:05d}.bin", "wb") as f:
        f.write(os.urandom(1024))
PY
# Let the file system settle: some (ext4 without a journal) slow down inode allocation
# for seconds after mass deletions.
sync

echo "== signtool sign: one call over $FILES files (P-256, detached)"
read -r sign_s _ < <(measure "$signtool" sign -q --key signer.key --cert signer.pem files/*.bin)
[ "$(ls files/*.p7s | wc -l)" -eq "$FILES" ] || { echo "benchmark: not every file was signed" >&2; exit 1; }

echo "== signtool verify: one call over the $FILES signatures"
read -r verify_s _ < <(measure "$signtool" verify --json --trust root.pem files/*.p7s)

WIDE_SIGNERS=${WIDE_SIGNERS:-20000}
WIDE_CERTS=${WIDE_CERTS:-15000}
echo "== one signature file with $WIDE_SIGNERS signers and $WIDE_CERTS certificates"
python3 "$repo/scripts/wide_signature.py" files/doc-00000.bin.p7s "$WIDE_SIGNERS" "$WIDE_CERTS" wide.p7s
read -r wide_s _ < <(measure "$signtool" verify --json --offline --trust root.pem --content files/doc-00000.bin wide.p7s)

echo "== openssl speed -multi $CORES ecdsap256"
speed=$(openssl speed -seconds 3 -multi "$CORES" ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $(NF-1), $NF}' | tail -1)
read -r prim_sign prim_verify <<<"$speed"

echo "== shell loop of openssl cms -sign over $LOOP files"
cat > loop.sh <<'SH'
for f in files/doc-*.bin; do
    n=$((n + 1)); [ "$n" -gt "$1" ] && break
    openssl cms -sign -binary -in "$f" -signer signer.pem -inkey signer.key -outform DER -out "$f.openssl.p7s"
done
SH
read -r loop_s _ < <(measure bash loop.sh "$LOOP")

echo "== $BIG_MIB MiB file: openssl dgst -sha256 against signtool sign"
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom > big.bin
cat big.bin > /dev/null
read -r dgst_s _ < <(measure openssl dgst -sha256 big.bin)
read -r big_s big_kib < <(measure "$signtool" sign -q --key signer.key --cert signer.pem big.bin)
read -r dgst_s2 _ < <(measure openssl dgst -sha256 big.bin)
dgst_best=$(python3 -c "print(min($dgst_s, $dgst_s2))")

python3 - "$FILES" "$sign_s" "$verify_s" "$prim_sign" "$prim_verify" "$LOOP" "$loop_s" \
    "$BIG_MIB" "$dgst_best" "$big_s" "$big_kib" "$CORES" "$WIDE_SIGNERS" "$WIDE_CERTS" "$wide_s" <<'PY'
import sys
files, sign_s, verify_s, prim_sign, prim_verify, loop, loop_s, mib, dgst_s, big_s, big_kib, cores, wide_signers, wide_certs, wide_s = sys.argv[1:]
files, loop, mib, cores = int(files), int(loop), int(mib), int(cores)
sign_rate, verify_rate = files / float(sign_s), files / float(verify_s)
prim_sign, prim_verify = float(prim_sign), float(prim_verify)
loop_rate = loop / float(loop_s)
dgst_tp, big_tp = mib / float(dgst_s), mib / float(big_s)
peak_mib = int(big_kib) / 1024
def verdict(ok): return "met" if ok else "NOT MET"
print()
print(f"{'measure':46} {'figure':>16} {'target':>22}")
print(f"{'signtool sign, 1 call, %d x 1 KiB (P-256)' % files:46} {sign_rate:>12,.0f} /s {'>= 25% of primitive':>22}")
print(f"{'  share of openssl speed sign rate':46} {100*sign_rate/prim_sign:>14.1f} % {verdict(sign_rate >= 0.25*prim_sign):>22}")
print(f"{'signtool verify, 1 call, %d signatures' % files:46} {verify_rate:>12,.0f} /s {'>= 25% of primitive':>22}")
print(f"{'  share of openssl speed verify rate':46} {100*verify_rate/prim_verify:>14.1f} % {verdict(verify_rate >= 0.25*prim_verify):>22}")
print(f"{'openssl speed -multi %d ecdsap256 sign' % cores:46} {prim_sign:>12,.0f} /s")
print(f"{'openssl speed -multi %d ecdsap256 verify' % cores:46} {prim_verify:>12,.0f} /s")
print(f"{'shell loop of openssl cms -sign (%d files)' % loop:46} {loop_rate:>12,.0f} /s")
print(f"{'openssl dgst -sha256, %d MiB' % mib:46} {dgst_tp:>10,.0f} MiB/s")
print(f"{'signtool sign, %d MiB' % mib:46} {big_tp:>10,.0f} MiB/s")
print(f"{'  share of openssl dgst throughput':46} {100*big_tp/dgst_tp:>14.1f} % {verdict(big_tp >= 0.85*dgst_tp):>22}")
print(f"{'  peak memory (max RSS)':46} {peak_mib:>12.1f} MiB {verdict(peak_mib < 64):>22}")
print(f"{'verify, 1 file, %s signers x %s certificates' % (wide_signers, wide_certs):46} {float(wide_s):>14.2f} s")
PY
