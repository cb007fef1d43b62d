#!/usr/bin/env bash
# Regenerates the development PKI in this directory. TESTING ONLY: the passphrase is
# committed next to the keys, so nothing signed with them proves anything.
#
#   certs/generate.sh
#
# Root CA (P-384) -> issuing CA (P-256) -> two officials: one with an English name
# (P-256), one with an Arabic name (RSA 3072, also as PKCS#12). Keys are encrypted
# PKCS#8 (AES-256-CBC), mode 0600, under the passphrase in passphrase.txt.
set -euo pipefail
cd "$(dirname "$0")"
umask 077
pass=passphrase.txt
printf 'test-only-do-not-use\n' > "$pass"
chmod 644 "$pass"
# openssl reads passin and passout from one file as two lines, so pass it by variable.
export CERTS_PASSPHRASE=test-only-do-not-use
rm -f ./*.pem ./*.key ./*.p12 ./*.crl.pem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = issuing
[ issuing ]
dir = $work
database = \$dir/index.txt
new_certs_dir = \$dir
certificate = $PWD/issuing-ca.pem
private_key = $PWD/issuing-ca.key
crlnumber = \$dir/crlnumber
default_md = sha256
default_crl_days = 3650
[ root ]
dir = $work
database = \$dir/root-index.txt
new_certs_dir = \$dir
certificate = $PWD/root-ca.pem
private_key = $PWD/root-ca.key
crlnumber = \$dir/root-crlnumber
default_md = sha384
default_crl_days = 3650
[ req ]
distinguished_name = dn
utf8 = yes
string_mask = utf8only
prompt = no
[ dn ]
[ root_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ issuing_ca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ official_en ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection, 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:rami.haddad@industry.gov.sy
[ official_ar ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection, 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:samer.barni@moct.gov.sy
CNF
: > "$work/index.txt"
: > "$work/root-index.txt"
echo 1000 > "$work/crlnumber"
echo 1000 > "$work/root-crlnumber"

key() { # name algorithm-options...
    local name=$1; shift
    openssl genpkey "$@" -aes-256-cbc -pass env:CERTS_PASSPHRASE -out "$name.key" 2>/dev/null
    chmod 600 "$name.key"
}
serial() { echo "0x$(openssl rand -hex 16)"; }

key root-ca -algorithm EC -pkeyopt ec_paramgen_curve:P-384
openssl req -x509 -new -key root-ca.key -passin env:CERTS_PASSPHRASE -config "$work/ca.cnf" -utf8 \
    -subj "/C=SY/O=Syrian Arab Republic/CN=Test Root CA" -days 7300 -set_serial "$(serial)" \
    -extensions root_ca -sha384 -out root-ca.pem

issue() { # name subject days extensions issuer
    local name=$1 subject=$2 days=$3 extensions=$4 issuer=$5
    openssl req -new -key "$name.key" -passin env:CERTS_PASSPHRASE -config "$work/ca.cnf" -utf8 -subj "$subject" \
        -out "$work/$name.csr"
    openssl x509 -req -in "$work/$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -passin env:CERTS_PASSPHRASE \
        -set_serial "$(serial)" -days "$days" -extfile "$work/ca.cnf" -extensions "$extensions" \
        -out "$name.pem" 2>/dev/null
}

key issuing-ca -algorithm EC -pkeyopt ec_paramgen_curve:P-256
issue issuing-ca "/C=SY/O=Syrian Arab Republic/CN=Test Issuing CA" 5475 issuing_ca root-ca

key official-en -algorithm EC -pkeyopt ec_paramgen_curve:P-256
issue official-en "/C=SY/O=Ministry of Industry/CN=Rami Haddad" 3650 official_en issuing-ca

key official-ar -algorithm RSA -pkeyopt rsa_keygen_bits:3072
issue official-ar "/C=SY/O=وزارة الاتصالات والتقانة/CN=سامر البرني" 3650 official_ar issuing-ca

cp issuing-ca.pem chain.pem
cp root-ca.pem trust.pem
openssl pkcs12 -export -inkey official-ar.key -passin env:CERTS_PASSPHRASE -in official-ar.pem -certfile chain.pem \
    -name "سامر البرني" -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 \
    -passout env:CERTS_PASSPHRASE -out official-ar.p12
chmod 600 official-ar.p12
openssl ca -config "$work/ca.cnf" -gencrl -passin env:CERTS_PASSPHRASE -out issuing-ca.crl.pem 2>/dev/null
openssl ca -config "$work/ca.cnf" -name root -gencrl -passin env:CERTS_PASSPHRASE -out root-ca.crl.pem 2>/dev/null
chmod 644 ./*.pem

openssl verify -CAfile root-ca.pem -untrusted issuing-ca.pem official-en.pem official-ar.pem
