#!/usr/bin/env bash
# Memory-leak check of the signtool CLI over an error corpus, under valgrind.
#
#   scripts/leak-check.sh            # builds (release), runs every case, prints a table
#   JOBS=1 scripts/leak-check.sh     # one case at a time (default: one per core)
#   KEEP=1 scripts/leak-check.sh     # keep the work directory (valgrind logs per case)
#   ONLY=verify scripts/leak-check.sh  # only the cases whose name contains "verify"
#   SIGNTOOL_BIN=path scripts/leak-check.sh  # check that binary instead of building one
#
# Builds signtool in release mode and runs a copy without debug information (valgrind
# 3.19 cannot read the DWARF 5 Swift emits; the symbol table stays, so stacks name our
# functions). A throw-away PKI is made with openssl (root, issuing CA, signers: good,
# revoked with a CRL, expired, one whose CRL and OCSP addresses answer garbage, a TSA),
# plus a local HTTP server (python3) acting as a real TSA (`openssl ts -reply`) and as
# hostile TSA/CRL/OCSP servers, and a TLS server whose certificate nobody trusts.
# Every case runs `signtool ...` under valgrind and must
#   - exit with the status it is meant to (a crash or another status is a failure), and
#   - leave no "definitely lost" block whose allocation stack passes through signtool's
#     own code (Swift frames or OpenSSL/libarchive allocations called from it).
#   - draw no memcheck error (invalid read/write/free, use of uninitialised values).
# Leaks of the Swift runtime or Foundation that do not go through our code are listed as
# "other"; memcheck reports that were examined and found not to be errors (in the Swift
# runtime and SwiftNIO, not our code) are suppressed by scripts/valgrind.supp, each entry
# with why. The table shows how many reports each case had suppressed.
# A case that valgrind could not check (valgrind itself died, or the log has no leak
# summary because the process never reached exit) is reported as NOT CHECKED, with the
# reason, and counts as a failure: it is never passed silently.
#
# valgrind's --error-exitcode would replace signtool's exit status, which the check also
# wants, so the leak verdict is read from each log instead (--errors-for-leak-kinds=definite
# makes definite leaks the only leak kind counted as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

JOBS=${JOBS:-$(nproc)}
ONLY=${ONLY:-}
command -v valgrind >/dev/null || { echo "leak-check: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "leak-check: python3 is needed" >&2; exit 2; }
command -v gcc >/dev/null || { echo "leak-check: gcc is needed (for the sigsuspend shim)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/signtool-leak.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -n "${KEEP:-}" ]; then echo "leak-check: work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [ -n "${SIGNTOOL_BIN:-}" ]; then
    echo "== using $SIGNTOOL_BIN (SIGNTOOL_BIN; no build)"
    built=$SIGNTOOL_BIN
else
    echo "== building signtool (release)"
    swift build -c release --product signtool >/dev/null 2>&1 || swift build -c release --product signtool
    built=$(swift build -c release --show-bin-path)/signtool
fi
bin=$work/signtool
objcopy --strip-debug "$built" "$bin"

# valgrind 3.19's rt_sigsuspend wrapper removes its own signal (VG_SIGVGKILL) from the
# caller's mask in place, i.e. it writes to the client's sigset_t. libdispatch's
# dispatch_main(), which Swift's async main ends in on Linux (AsyncParsableCommand: `verify`,
# `timestamp`), parks the main thread in sigsuspend() on a `static const sigset_t` that lives
# in libdispatch's .rodata, so valgrind's write faults inside valgrind ("VALGRIND INTERNAL
# ERROR: Valgrind received a signal 11", si_code=2 at _dispatch_sigsuspend.mask, host stack
# vgPlain_sigdelset <- vgPlain_client_syscall). No valgrind option avoids that write. This
# preloaded shim passes sigsuspend() a writable copy of the mask (same signals, same
# semantics), which is all it takes; it is preloaded for the valgrind runs only (valgrind
# adds its own preloads to LD_PRELOAD). Observed with valgrind 3.19 (Debian 12).
cat > "$work/sigsuspend-shim.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
int sigsuspend(const sigset_t *mask) {
    static int (*real)(const sigset_t *);
    if (!real) real = (int (*)(const sigset_t *))dlsym(RTLD_NEXT, "sigsuspend");
    sigset_t copy = *mask;
    return real(&copy);
}
C
gcc -O2 -shared -fPIC -o "$work/sigsuspend-shim.so" "$work/sigsuspend-shim.c"
# NO_SIGSUSPEND_SHIM=1 runs without it (to see whether another valgrind still needs it).
preload=("LD_PRELOAD=$work/sigsuspend-shim.so")
if [ -n "${NO_SIGSUSPEND_SHIM:-}" ]; then preload=(); fi

echo "== making the corpus in $work"
pki=$work/pki
mkdir -p "$pki" "$work/logs" "$work/cache"
export XDG_CACHE_HOME=$work/cache
# The corpus TSA is under the corpus root: sign --tsa checks its answers against it.
export SIGNTOOL_TSA_TRUST=$pki/root.pem
cd "$pki"
ossl() { openssl "$@" >/dev/null 2>&1 || { echo "leak-check: openssl $* failed" >&2; exit 2; }; }

# The local server's port is fixed before the certificates that name it are made.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port

: > index.txt
echo 1000 > crlnumber
cat > ca.cnf <<EOF
[ ca ]
default_ca = issuing
[ issuing ]
dir = $pki
database = \$dir/index.txt
new_certs_dir = \$dir
certificate = \$dir/issuing.pem
private_key = \$dir/issuing.key
crlnumber = \$dir/crlnumber
rand_serial = yes
default_md = sha256
default_days = 365
default_crl_days = 30
policy = anything
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only
[ anything ]
commonName = supplied
organizationName = optional
countryName = optional
[ official ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection, 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ hostile ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$url/garbage
authorityInfoAccess = OCSP;URI:$url/garbage
[ tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
[ issuing_ca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ req ]
distinguished_name = dn
utf8 = yes
string_mask = utf8only
[ dn ]
[ tsa_section ]
default_tsa = tsa_config
[ tsa_config ]
dir = $pki
serial = \$dir/tsaserial
signer_cert = \$dir/tsa.pem
certs = \$dir/issuing.pem
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
EOF
echo 01 > tsaserial
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
ossl req -x509 "${ec[@]}" -keyout root.key -out root.pem -subj "/C=SY/O=Leak Check/CN=Leak Root" -days 3650 \
    -config ca.cnf -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
ossl req -new "${ec[@]}" -keyout issuing.key -out issuing.csr -subj "/C=SY/O=Leak Check/CN=Leak Issuing CA" -config ca.cnf
ossl x509 -req -in issuing.csr -CA root.pem -CAkey root.key -set_serial 2 -days 3000 -out issuing.pem \
    -extfile ca.cnf -extensions issuing_ca
issue() { # name profile [openssl ca options]
    local name=$1 profile=$2; shift 2
    ossl req -new "${ec[@]}" -keyout "$name.key" -out "$name.csr" -subj "/C=SY/O=Leak Check/CN=$name" -config ca.cnf
    ossl ca -batch -config ca.cnf -in "$name.csr" -out "$name.pem" -extensions "$profile" -notext "$@"
}
issue signer official
issue revoked official
issue expired official -startdate 20200101000000Z -enddate 20210101000000Z
issue hostile hostile
issue tsa tsa
ossl ca -config ca.cnf -revoke revoked.pem -crl_reason keyCompromise
ossl ca -config ca.cnf -gencrl -out issuing.crl
ossl crl -in issuing.crl -outform DER -out issuing.crl.der
ossl req -x509 "${ec[@]}" -keyout tls.key -out tls.pem -subj "/CN=127.0.0.1" -days 30 -config ca.cnf
ossl pkcs8 -topk8 -v2 aes-256-cbc -in signer.key -out signer-encrypted.key -passout pass:right
ossl pkcs12 -export -inkey signer.key -in signer.pem -certfile issuing.pem -out signer.p12 -passout pass:right
echo wrong > wrong.pass
echo right > right.pass

# Documents and good signatures (made outside valgrind; the cases read them).
printf 'قرار رقم 7: leak check\n' > doc.txt
printf 'another document\n' > other.txt
: > empty.p7s
sign() { "$bin" sign -q --key signer.key --cert signer.pem --chain issuing.pem "$@" >/dev/null 2>&1 \
    || { echo "leak-check: signtool sign $* failed" >&2; exit 2; }; }
sign doc.txt
sign --attached --out attached.p7m doc.txt
cp doc.txt revoked-doc.txt; "$bin" sign -q --key revoked.key --cert revoked.pem --chain issuing.pem revoked-doc.txt
cp doc.txt expired-doc.txt
"$bin" sign -q --allow-invalid-certificate --key expired.key --cert expired.pem --chain issuing.pem expired-doc.txt
cp doc.txt hostile-doc.txt; "$bin" sign -q --key hostile.key --cert hostile.pem --chain issuing.pem hostile-doc.txt
sign --asic good.asice doc.txt other.txt

# Hostile inputs derived from the good signature.
python3 -W ignore - <<'PY'
import os, random, zipfile
good = open("doc.txt.p7s", "rb").read()
random.seed(7)
open("garbage.p7s", "wb").write(bytes(random.randrange(256) for _ in range(700)))
open("truncated.p7s", "wb").write(good[: len(good) // 2])
for name, at in (("flip-signature.p7s", len(good) - 20), ("flip-certificate.p7s", len(good) // 3),
                 ("flip-attributes.p7s", len(good) - 120)):
    damaged = bytearray(good)
    damaged[at] ^= 0x10
    open(name, "wb").write(damaged)
import base64, textwrap
pem = "-----BEGIN CMS-----\n" + "\n".join(textwrap.wrap(base64.b64encode(good).decode(), 64)) + "\n-----END CMS-----\n"
open("good.pem.p7s", "w").write(pem)
open("truncated.pem.p7s", "w").write(pem[: len(pem) // 2])
lines = pem.split("\n")
lines[3] = "%%%% this is not base64 at all %%%%"
open("garbage-inside.pem.p7s", "w").write("\n".join(lines))
key = open("signer-encrypted.key").read()
open("truncated-encrypted.key", "w").write(key[: len(key) // 2] + "\n-----END ENCRYPTED PRIVATE KEY-----\n")
open("garbage.der", "wb").write(bytes(random.randrange(256) for _ in range(300)))
open("garbage.tsr", "wb").write(b"\x30\x82\x01\x00" + bytes(random.randrange(256) for _ in range(256)))
# An ASiC-E container with hostile entries: a path that climbs out, a duplicate name,
# and a signature that is garbage.
with zipfile.ZipFile("hostile.asice", "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.etsi.asic-e+zip")
    z.writestr("../escape.txt", "out")
    z.writestr("doc.txt", "one")
    z.writestr("doc.txt", "two")
    z.writestr("META-INF/ASiCManifest001.xml", "<not xml")
    z.writestr("META-INF/signature001.p7s", b"\x30\x03\x02\x01\x00")
# An expansion bomb: 64 MiB of zeros, a few KiB in the ZIP.
with zipfile.ZipFile("bomb.asice", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.etsi.asic-e+zip")
    z.writestr("zeros.bin", bytes(64 << 20))
PY
# A TimeStampResp with status "rejection", and a granted one for another document.
printf '\x30\x0d\x30\x0b\x02\x01\x02\x30\x06\x0c\x04nope' > reject.tsr
ossl ts -query -data other.txt -sha256 -cert -out other.tsq
ossl ts -reply -config ca.cnf -section tsa_config -queryfile other.tsq -out other.tsr
cp other.tsr doc-other.tsr

# The local servers: a real TSA and hostile ones (python3), an untrusted TLS server.
cat > server.py <<'PY'
import http.server, os, subprocess, sys, tempfile, threading
port, pki = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, body, kind="application/octet-stream"):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/crl":
            return self.answer(open(os.path.join(pki, "issuing.crl.der"), "rb").read())
        self.answer(os.urandom(512))
    def do_POST(self):
        request = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/tsa":
            with lock, tempfile.TemporaryDirectory() as d:
                query, reply = os.path.join(d, "q"), os.path.join(d, "r")
                open(query, "wb").write(request)
                subprocess.run(["openssl", "ts", "-reply", "-config", os.path.join(pki, "ca.cnf"), "-section", "tsa_config",
                                "-queryfile", query, "-out", reply], cwd=pki, check=True, capture_output=True)
                return self.answer(open(reply, "rb").read(), "application/timestamp-reply")
        if self.path == "/tsa-reject":
            return self.answer(open(os.path.join(pki, "reject.tsr"), "rb").read(), "application/timestamp-reply")
        if self.path == "/tsa-other":
            return self.answer(open(os.path.join(pki, "other.tsr"), "rb").read(), "application/timestamp-reply")
        self.answer(os.urandom(512))
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
# Started from subshells, so that they are not jobs of this shell (its `wait` waits for cases only).
pids+=("$(python3 server.py "$port" "$pki" >/dev/null 2>&1 & echo $!)")
pids+=("$(openssl s_server -quiet -accept "$tls_port" -cert tls.pem -key tls.key -www >/dev/null 2>&1 </dev/null & echo $!)")
for _ in $(seq 50); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1); socket.create_connection(('127.0.0.1',$tls_port),1)" 2>/dev/null && break
    sleep 0.1
done
"$bin" sign -q --key signer.key --cert signer.pem --chain issuing.pem --tsa "$url/tsa" --out bt.p7s doc.txt \
    || { echo "leak-check: the local TSA does not answer" >&2; exit 2; }
"$bin" timestamp --tsa "$url/tsa" --out doc.txt.tsr doc.txt >/dev/null 2>&1
# The document store: a package to verify offline, manifests to ingest (one good, one bad).
store_env=(env SIGNTOOL_DATA="$pki/store-pkg" SIGNTOOL_CA_PASSPHRASE="leak check" SIGNTOOL_ACTOR=leak-check)
"${store_env[@]}" "$bin" ca init --subject "C=SY, CN=Leak Check Store CA" >/dev/null 2>&1
"${store_env[@]}" "$bin" store add --title "وثيقة" --kind letter --agency MOCT doc.txt >/dev/null
"${store_env[@]}" "$bin" store audit checkpoint >/dev/null
"${store_env[@]}" "$bin" store export --since 2000-01-01 --until 2999-12-31 --out pkg.tar >/dev/null
"${store_env[@]}" "$bin" ca export --root --out pkg-root.pem >/dev/null 2>&1
printf '{"file": "doc.txt", "title": "أ", "kind": "letter", "agency": "MOCT"}\n{"file": "other.txt", "title": "ب", "kind": "letter", "agency": "MOCT"}\n' > ingest.jsonl
printf '{"file": "missing.txt", "title": "x", "kind": "letter", "agency": "MOCT"}\nnot json\n' > ingest-bad.jsonl

# Cases, one a line (fields separated by US, 0x1f): name, the exit status meant, then the
# signtool arguments. Run in $pki, with SIGNTOOL_PASSPHRASE unset unless the case sets it
# ("env NAME=VALUE" before the arguments).
cases=$work/cases
: > "$cases"
case_() { local IFS=$'\x1f'; printf '%s\n' "$*" >> "$cases"; }
T=(--trust root.pem)
case_ sign-good                 0  sign -q --force --key signer.key --cert signer.pem --chain issuing.pem --out out-good.p7s doc.txt
case_ sign-encrypted-key        0  env SIGNTOOL_PASSPHRASE=right sign -q --force --key signer-encrypted.key --cert signer.pem --out out-enc.p7s doc.txt
case_ sign-wrong-passphrase     77 sign -q --passphrase-file wrong.pass --key signer-encrypted.key --cert signer.pem --out out-x.p7s doc.txt
case_ sign-truncated-key        65 env SIGNTOOL_PASSPHRASE=right sign -q --key truncated-encrypted.key --cert signer.pem --out out-x.p7s doc.txt
case_ sign-garbage-key          65 sign -q --key garbage.der --cert signer.pem --out out-x.p7s doc.txt
case_ sign-key-mismatch         67 sign -q --key revoked.key --cert signer.pem --out out-x.p7s doc.txt
case_ sign-expired-cert         79 sign -q --key expired.key --cert expired.pem --out out-x.p7s doc.txt
case_ sign-p12-wrong-passphrase 77 env SIGNTOOL_PASSPHRASE=wrong sign -q --p12 signer.p12 --out out-x.p7s doc.txt
case_ sign-cosign               0  sign -q --key revoked.key --cert revoked.pem --add-to doc.txt.p7s --out out-co.p7s --force doc.txt
case_ sign-cosign-other-doc     69 sign -q --key signer.key --cert signer.pem --add-to doc.txt.p7s --out out-x.p7s other.txt
case_ sign-tsa-good             0  sign -q --force --key signer.key --cert signer.pem --chain issuing.pem --tsa "$url/tsa" --out out-bt.p7s doc.txt
case_ sign-tsa-garbage          76 sign -q --key signer.key --cert signer.pem --tsa "$url/garbage" --out out-x.p7s doc.txt
case_ sign-tsa-untrusted-tls    75 sign -q --key signer.key --cert signer.pem --tsa "https://127.0.0.1:$tls_port/" --out out-x.p7s doc.txt
case_ sign-lt-hostile-revocation 76 sign -q --key hostile.key --cert hostile.pem --chain issuing.pem --tsa "$url/tsa" --level LT --out out-x.p7s doc.txt
case_ sign-asic                 0  sign -q --force --key signer.key --cert signer.pem --asic out.asice doc.txt other.txt
case_ verify-good               0  verify "${T[@]}" --offline doc.txt.p7s
case_ verify-pem                0  verify "${T[@]}" --offline --content doc.txt good.pem.p7s
case_ verify-timestamped        0  verify "${T[@]}" --offline --content doc.txt bt.p7s
case_ verify-garbage            65 verify "${T[@]}" --offline --content doc.txt garbage.p7s
case_ verify-empty              65 verify "${T[@]}" --offline --content doc.txt empty.p7s
case_ verify-truncated-der      65 verify "${T[@]}" --offline --content doc.txt truncated.p7s
case_ verify-pem-garbage-inside 65 verify "${T[@]}" --offline --content doc.txt garbage-inside.pem.p7s
case_ verify-flip-signature     1  verify "${T[@]}" --offline --content doc.txt flip-signature.p7s
case_ verify-flip-certificate   2  verify "${T[@]}" --offline --content doc.txt flip-certificate.p7s
case_ verify-wrong-content      1  verify "${T[@]}" --offline --content other.txt doc.txt.p7s
case_ verify-revoked-crl        1  verify "${T[@]}" --crl issuing.crl revoked-doc.txt.p7s
case_ verify-expired            2  verify "${T[@]}" --offline expired-doc.txt.p7s
case_ verify-hostile-servers    0  verify "${T[@]}" --no-cache --timeout 5 hostile-doc.txt.p7s
case_ verify-online-crl         0  verify "${T[@]}" --no-cache --timeout 5 doc.txt.p7s
case_ verify-asic               0  verify "${T[@]}" --offline good.asice
case_ verify-asic-hostile       65 verify "${T[@]}" --offline hostile.asice
case_ verify-asic-bomb          65 verify "${T[@]}" --offline bomb.asice
case_ verify-timestamp          0  verify "${T[@]}" --offline doc.txt.tsr
case_ verify-timestamp-garbage  65 verify "${T[@]}" --offline --content doc.txt garbage.tsr
case_ verify-timestamp-other    1  verify "${T[@]}" --offline --content doc.txt doc-other.tsr
case_ cert-verify-good          0  cert verify "${T[@]}" --untrusted issuing.pem --crl issuing.crl signer.pem
case_ cert-verify-revoked       1  cert verify "${T[@]}" --untrusted issuing.pem --crl issuing.crl --json revoked.pem
case_ cert-verify-garbage       65 cert verify "${T[@]}" --offline garbage.der
case_ cert-verify-hostile-servers 0 cert verify "${T[@]}" --untrusted issuing.pem --no-cache --timeout 5 hostile.pem
case_ timestamp-good            0  timestamp --force --tsa "$url/tsa" --out out.tsr doc.txt
case_ timestamp-garbage         76 timestamp --tsa "$url/garbage" --out out-x.tsr doc.txt
case_ timestamp-rejected        76 timestamp --tsa "$url/tsa-reject" --out out-x.tsr doc.txt
case_ timestamp-other-imprint   76 timestamp --tsa "$url/tsa-other" --out out-x.tsr doc.txt
case_ timestamp-untrusted-tls   75 timestamp --tsa "https://127.0.0.1:$tls_port/" --out out-x.tsr doc.txt
case_ key-generate              0  key generate --algorithm p256 --no-passphrase --out "out-key-$RANDOM.pem"
case_ store-ingest              0  env SIGNTOOL_DATA=ingest-data store ingest ingest.jsonl
case_ store-ingest-bad          66 env SIGNTOOL_DATA=ingest-bad-data store ingest ingest-bad.jsonl
case_ store-archive-verify      0  archive verify --trust pkg-root.pem pkg.tar
case_ store-archive-garbage     65 archive verify garbage.der

# One case: valgrind's log in logs/NAME.log, signtool's exit status in logs/NAME.rc.
run_case() {
    local name=$1; shift
    local env_args=()
    if [ "$1" = env ]; then env_args=("$2"); shift 2; fi
    set +e
    env -u SIGNTOOL_PASSPHRASE "${env_args[@]}" "${preload[@]}" valgrind --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --num-callers=60 --suppressions="$repo/scripts/valgrind.supp" \
        --log-file="$work/logs/$name.log" "$bin" "$@" >"$work/logs/$name.out" 2>&1 </dev/null
    echo $? > "$work/logs/$name.rc"
    set -e
}

echo "== running the cases under valgrind ($JOBS at a time)"
started=$(date +%s)
total=0
while IFS=$'\x1f' read -r -a fields; do
    name=${fields[0]} expected=${fields[1]}
    if [ -n "$ONLY" ] && [[ $name != *"$ONLY"* ]]; then continue; fi
    echo "$name $expected" >> "$work/selected"
    total=$((total + 1))
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    run_case "$name" "${fields[@]:2}" &
done < "$cases"
wait
elapsed=$(( $(date +%s) - started ))

# The verdict of each case: exit status as meant, no definite leak through our code.
set +e
python3 - "$work" "$bin" "$elapsed" <<'PY' | { if command -v swift >/dev/null; then swift demangle --simplified; else cat; fi; }
import os, re, sys
work, binary, elapsed = sys.argv[1], sys.argv[2], sys.argv[3]
rows, failures, ours_total, unchecked_total = [], 0, 0, 0
record = re.compile(r"==\d+== ([\d,]+) (?:\(([\d,]+) direct, ([\d,]+) indirect\) )?bytes in ([\d,]+) blocks are definitely lost")
for line in open(os.path.join(work, "selected")):
    name, expected = line.split()
    rc = int(open(os.path.join(work, "logs", name + ".rc")).read())
    log = open(os.path.join(work, "logs", name + ".log"), errors="replace").read().splitlines()
    ours = other = 0
    stacks = []
    i = 0
    while i < len(log):
        m = record.search(log[i])
        if not m:
            i += 1
            continue
        size = int(m.group(1).replace(",", ""))
        frames = []
        i += 1
        while i < len(log) and re.match(r"==\d+==\s+(at|by) ", log[i]):
            frames.append(log[i].split("==", 2)[2].strip())
            i += 1
        if any("(in " + binary + ")" in f for f in frames):
            ours += size
            stacks.append((size, frames))
        else:
            other += size
    crashed = any("Process terminating with default action" in l for l in log)
    errors = [l for l in log if re.match(r"==\d+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|"
                                         r"Mismatched free|Source and destination overlap|Syscall param|Argument )", l)]
    summary = [re.search(r"ERROR SUMMARY: [\d,]+ errors from [\d,]+ contexts \(suppressed: ([\d,]+) from", l) for l in log]
    summary = [m for m in summary if m]
    suppressed = int(summary[-1].group(1).replace(",", "")) if summary else 0
    # Why valgrind could not check the case, if it could not.
    unchecked = None
    internal = [l for l in log if "VALGRIND INTERNAL ERROR" in l or "the 'impossible' happened" in l]
    if internal:
        where = next((l for l in log if "si_code=" in l), "")
        host = next((l.split(": ", 1)[-1] for l in log if re.search(r"==\d+==    at 0x", l)), "")
        running = next((l.split("status = ", 1)[-1] for l in log if "VgTs_Runnable" in l), "")
        unchecked = "NOT CHECKED: valgrind crashed (" + "; ".join(
            x.split("-- ", 1)[-1].strip() for x in (internal[0], where, "in " + host, running) if x) + ")"
    elif not any("LEAK SUMMARY" in l or "All heap blocks were freed" in l for l in log):
        unchecked = "NOT CHECKED: no leak summary in the valgrind log (the process did not reach exit under valgrind)"
    status_ok = rc == int(expected) and not crashed
    ok = status_ok and ours == 0 and not errors and not unchecked
    failures += not ok
    unchecked_total += bool(unchecked)
    ours_total += ours
    note = []
    if unchecked: note.append(unchecked)
    if crashed: note.append("CRASHED")
    if rc != int(expected): note.append(f"expected exit {expected}")
    if errors: note.append(f"{len(errors)} memory errors")
    if ours: note.append("LEAK")
    rows.append((name, rc, ours, other, suppressed, ", ".join(note) or "ok", stacks))
width = max(len(r[0]) for r in rows)
print(f"\n{'case':<{width}}  exit  lost(ours)  lost(other)  suppressed  verdict")
for name, rc, ours, other, suppressed, note, _ in rows:
    print(f"{name:<{width}}  {rc:>4}  {ours:>10}  {other:>11}  {suppressed:>10}  {note}")
for name, _, _, _, _, _, stacks in rows:
    for size, frames in stacks[:3]:
        print(f"\n{name}: {size} bytes definitely lost, allocated at")
        for f in frames[:25]:
            print("    " + f)
print(f"\n{len(rows)} cases in {elapsed} s; {failures} failed ({unchecked_total} of them not checked by valgrind); "
      f"{ours_total} bytes definitely lost through signtool's code")
sys.exit(1 if failures else 0)
PY
exit "${PIPESTATUS[0]}"
