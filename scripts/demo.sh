#!/usr/bin/env bash
# The registry clerk's story, from `--help` alone: register an outgoing letter, sign it,
# attach the signature, find it by an Arabic word, check the audit log.
#
#   scripts/demo.sh            # builds signtool (debug) and runs in a temporary directory
#   SIGNTOOL=path scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SIGNTOOL:-}" ]; then
    swift build --product signtool >/dev/null
    SIGNTOOL=$(swift build --show-bin-path)/signtool
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/signtool-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export SIGNTOOL_DATA=$work/data SIGNTOOL_CA_PASSPHRASE="demo passphrase only" SIGNTOOL_ACTOR="ديوان الوزارة"
st() { echo "\$ signtool $*" >&2; "$SIGNTOOL" "$@"; }

st ca init --subject "C=SY, O=وزارة الاتصالات والتقانة, CN=هيئة التصديق" >/dev/null
st cert issue --profile official --subject "C=SY, O=وزارة الاتصالات والتقانة, CN=سامر البرني" \
    --key-out minister.key --no-key-passphrase --out minister.pem >/dev/null
printf 'السيد وزير الصحة المحترم،\nندعوكم إلى اجتماع لجنة التحول الرقمي والإسكان يوم ١٥ كانون الأول ٢٠٢٦.\n' > letter.txt

id=$(st store add --json --title "دعوة إلى اجتماع لجنة التحول الرقمي" --kind letter --agency MOCT --meta subject=meeting letter.txt \
     | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
st store register --agency MOCT --direction out --subject "دعوة اجتماع" --from "وزارة الاتصالات والتقانة" \
    --to "وزارة الصحة" --document "$id"
st sign -q --key minister.key --cert minister.pem letter.txt
st store attach --offline "$id" letter.txt.p7s
st store search "الاجتماع"
st store search "والاسكان" --party "وزارة الصحة"
st store get "$id" --out copy.txt
cmp copy.txt letter.txt && echo "copy.txt: the same bytes" >&2
st store audit checkpoint
st store audit verify
st store show "$id"
