#!/usr/bin/env python3
"""Second, independent CMS/CAdES validator for the tests: pyHanko (asn1crypto and
pyhanko-certvalidator, no OpenSSL). Prints one JSON object per signer:
{"valid": bool, "intact": bool, "trusted": bool, "summary": str} or {"error": str}.

usage: pyhanko_verify.py SIGNATURE CONTENT|- ROOT.pem [INTERMEDIATES.pem]
CONTENT '-' means the signature carries its content (enveloping)."""
import asyncio, json, sys
from asn1crypto import cms, pem, x509
from pyhanko_certvalidator import ValidationContext
from pyhanko.sign.validation import async_validate_detached_cms, async_validate_cms_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints


def load_certs(path):
    data = open(path, 'rb').read()
    if pem.detect(data):
        return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


def load_signature(path):
    data = open(path, 'rb').read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return cms.ContentInfo.load(data, strict=True)


async def main():
    signature, content, root = sys.argv[1], sys.argv[2], sys.argv[3]
    extra = load_certs(sys.argv[4]) if len(sys.argv) > 4 else []
    try:
        info = load_signature(signature)
        signed_data = info['content']
        _ = signed_data.native  # force a full parse: malformed fields raise here
    except Exception as error:  # noqa: BLE001 - any parse failure is a verdict here
        print(json.dumps({"error": "parse: %s" % error}))
        return
    context = ValidationContext(trust_roots=load_certs(root), other_certs=extra, allow_fetching=False,
                                revocation_mode='soft-fail')
    # Documents are signed for non-repudiation / digital signature; extended key usage as
    # OpenSSL's smime purpose reads it.
    usage = KeyUsageConstraints(key_usage={'non_repudiation', 'digital_signature'}, match_all_key_usages=False,
                                extd_key_usage={'email_protection', 'document_signing', 'any_extended_key_usage'},
                                explicit_extd_key_usage_required=False)
    try:
        if content == '-':
            # pyHanko 0.38: the attached variant names its context `validation_context`.
            status = await async_validate_cms_signature(signed_data, validation_context=context,
                                                       key_usage_settings=usage)
        else:
            status = await async_validate_detached_cms(open(content, 'rb').read(), signed_data,
                                                       signer_validation_context=context, key_usage_settings=usage)
        print(json.dumps({"valid": bool(status.valid), "intact": bool(status.intact), "trusted": bool(status.trusted),
                          "summary": status.summary()}))
    except Exception as error:  # noqa: BLE001
        print(json.dumps({"error": "%s: %s" % (type(error).__name__, error)}))


asyncio.run(main())
