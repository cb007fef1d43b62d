#!/usr/bin/env bash
# Throughput and latency of `signtool serve` for RFC 3161 timestamps and OCSP, measured
# with wrk over loopback, beside a shell loop of `openssl ts -reply` and the
# `openssl speed` signing rate of the same key type (ECDSA P-256).
#
#   scripts/benchmark-service.sh                     # 10 s per endpoint, 32 connections
#   DURATION=5 CONNECTIONS=64 scripts/benchmark-service.sh
#
# Needs wrk (Debian package `wrk`; installed here if missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
LOOP_SECONDS=${LOOP_SECONDS:-5}
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get update >/dev/null && apt-get install -y wrk >/dev/null; else
        echo "benchmark-service: wrk is needed (apt-get install wrk)" >&2; exit 1; fi
fi

swift build -c release --product signtool >/dev/null
signtool=$(swift build -c release --show-bin-path)/signtool
work=$(mktemp -d "${TMPDIR:-/tmp}/signtool-serve-bench.XXXXXX")
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

export SIGNTOOL_CA_PASSPHRASE=benchmark-only SIGNTOOL_DATA="$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$signtool" ca init --subject "C=SY, O=Benchmark, CN=Benchmark CA" --public-url "http://127.0.0.1:$port" 2>/dev/null
"$signtool" ca export --root --out root.pem
"$signtool" ca export --issuing --out issuing.pem
"$signtool" cert issue --profile official --subject "C=SY, CN=Subject" --key-out subject.key --no-key-passphrase --out subject.pem 2>/dev/null
"$signtool" serve --listen "127.0.0.1:$port" --log-level "${LOG_LEVEL:-info}" > serve.log 2>&1 &
server=$!
for _ in $(seq 100); do grep -q serving serve.log 2>/dev/null && break; sleep 0.1; done

echo "hello" > doc.txt
openssl ts -query -data doc.txt -sha256 -cert -out query.tsq 2>/dev/null
openssl ocsp -issuer issuing.pem -cert subject.pem -no_nonce -reqout query.ocsp >/dev/null 2>&1
token=$(cat data/service/tsa-token)
cat > tsa.lua <<LUA
wrk.method = "POST"
local f = io.open("query.tsq", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/timestamp-query"
wrk.headers["Authorization"] = "Bearer $token"
LUA
cat > ocsp.lua <<'LUA'
wrk.method = "POST"
local f = io.open("query.ocsp", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/ocsp-request"
LUA

# A sanity check that the answers are real before measuring them.
curl -s -H "Content-Type: application/timestamp-query" -H "Authorization: Bearer $token" --data-binary @query.tsq \
    "http://127.0.0.1:$port/tsa" -o reply.tsr
openssl ts -verify -in reply.tsr -queryfile query.tsq -CAfile root.pem -untrusted issuing.pem >/dev/null 2>&1 \
    || { echo "benchmark-service: the TSA's answer does not verify" >&2; exit 1; }

run_wrk() { # name script path
    local out
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "http://127.0.0.1:$port$3")
    local rate p50 p99 errors
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    printf "%-28s %10.0f/s   p50 %-8s p99 %-8s %s\n" "$1" "$rate" "$p50" "$p99" "$errors"
}

echo "== signtool serve on 127.0.0.1:$port, wrk -t2 -c$CONNECTIONS -d${DURATION}s ($(nproc) cores shared by server and wrk)"
run_wrk "timestamps (POST /tsa)" tsa.lua /tsa
run_wrk "OCSP (POST /ocsp)" ocsp.lua /ocsp

# /healthz while /tsa and /ocsp are loaded to saturation: signing and register reads run
# on a thread pool, so the event loops still answer at once (target: p99 < 10 ms).
wrk -t1 -c"$((CONNECTIONS / 2))" -d"$((DURATION + 2))s" -s tsa.lua "http://127.0.0.1:$port/tsa" > load-tsa.txt &
load_tsa=$!
wrk -t1 -c"$((CONNECTIONS / 2))" -d"$((DURATION + 2))s" -s ocsp.lua "http://127.0.0.1:$port/ocsp" > load-ocsp.txt &
load_ocsp=$!
sleep 1
health=$(wrk -t1 -c1 -d"${DURATION}s" --latency "http://127.0.0.1:$port/healthz")
wait $load_tsa $load_ocsp
h50=$(echo "$health" | awk '$1 == "50%" {print $2}')
h99=$(echo "$health" | awk '$1 == "99%" {print $2}')
hrate=$(echo "$health" | awk '/Requests\/sec/ {print $2}')
trate=$(awk '/Requests\/sec/ {print $2}' load-tsa.txt)
orate=$(awk '/Requests\/sec/ {print $2}' load-ocsp.txt)
printf "%-28s %10.0f/s   p50 %-8s p99 %-8s (meanwhile /tsa %.0f/s, /ocsp %.0f/s)\n" "/healthz under load" "$hrate" "$h50" "$h99" "$trate" "$orate"

# The same timestamps made by a shell loop of openssl ts -reply (one process per stamp).
cp data/service/tsa.key tsa.key; cp data/service/tsa.pem tsa.pem
cat issuing.pem root.pem > chain.pem
cat > ts.cnf <<'CNF'
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ./tsaserial
crypto_device = builtin
signer_cert = ./tsa.pem
certs = ./chain.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 2.999.760.1.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_alg = sha256
CNF
echo 01 > tsaserial
count=0
end=$((SECONDS + LOOP_SECONDS))
while [ $SECONDS -lt $end ]; do
    openssl ts -reply -config ts.cnf -queryfile query.tsq -passin env:SIGNTOOL_CA_PASSPHRASE -out loop.tsr 2>/dev/null
    count=$((count + 1))
done
printf "%-28s %10.0f/s\n" "shell loop of openssl ts -reply" "$(echo "$count / $LOOP_SECONDS" | bc -l)"
speed=$(openssl speed -multi "$(nproc)" -seconds 3 ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print $(NF-1)}' | tail -1)
printf "%-28s %10.0f/s  (openssl speed -multi %s ecdsap256, sign)\n" "ECDSA P-256 signatures" "$speed" "$(nproc)"
echo "server peak RSS: $(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$server/status)"
