#!/usr/bin/env python3
"""Builds mutated variants of one good detached CMS signature for the differential test
(signtool vs openssl cms -verify vs pyHanko). Signed attributes are edited and then
re-signed with the signer's own key, so each variant is a validly signed statement of
something a verifier must judge.

usage: cms_variants.py GOOD.p7s SIGNER.key IMPOSTOR.pem OUTDIR
writes OUTDIR/<variant>.p7s for each variant named in VARIANTS below."""
import sys
from asn1crypto import cms, core, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

good_path, key_path, impostor_path, out = sys.argv[1:5]
good = open(good_path, 'rb').read()
key = serialization.load_pem_private_key(open(key_path, 'rb').read(), password=None)


def fresh():
    return cms.ContentInfo.load(good)


def signer(info):
    return info['content']['signer_infos'][0]


def resign(info, digest=hashes.SHA256()):
    si = signer(info)
    to_sign = bytearray(si['signed_attrs'].dump(force=True))
    to_sign[0] = 0x31  # the SET OF that is signed, not the [0] IMPLICIT field
    if isinstance(key, ec.EllipticCurvePrivateKey):
        si['signature'] = core.OctetString(key.sign(bytes(to_sign), ec.ECDSA(digest)))
    else:
        si['signature'] = core.OctetString(key.sign(bytes(to_sign), padding.PKCS1v15(), digest))


def write(name, info):
    open('%s/%s.p7s' % (out, name), 'wb').write(info.dump(force=True))


def edit_attrs(transform):
    info = fresh()
    si = signer(info)
    attrs = [a for a in si['signed_attrs']]
    si['signed_attrs'] = cms.CMSAttributes(transform(attrs))
    resign(info)
    return info


SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47'


def attr(attrs, name):
    return next(a for a in attrs if name in (a['type'].native, a['type'].dotted))


# Two signing-time attributes, each well formed.
write('duplicate-signing-time', edit_attrs(lambda a: a + [attr(a, 'signing_time')]))
# One message-digest attribute carrying two values.
def two_digests(attrs):
    md = attr(attrs, 'message_digest')
    doubled = cms.CMSAttribute({'type': 'message_digest', 'values': [md['values'][0].native, b'\x00' * 32]})
    return [doubled if a is md else a for a in attrs]
write('two-valued-message-digest', edit_attrs(two_digests))
# messageDigest present once, but a UTF8String: a verifier that reads it as "absent" would
# compare no digest at all and pass any document. Patched in place (asn1crypto's schema
# would not encode it) and re-signed until the signature keeps its length.
def patch_message_digest_tag(tag):
    info = fresh()
    si = signer(info)
    attrs = si['signed_attrs'].dump()
    original = si['signature'].native
    md_oid = bytes.fromhex('06092a864886f70d010904')
    at = attrs.index(md_oid) + len(md_oid)
    assert attrs[at] == 0x31 and attrs[at + 2] == 0x04
    patched = bytearray(attrs)
    patched[at + 2] = tag
    to_sign = b'\x31' + bytes(patched[1:])
    for _ in range(200):
        if isinstance(key, ec.EllipticCurvePrivateKey):
            signature = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        else:
            signature = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        if len(signature) == len(original):
            break
    raw = bytearray(good)
    start = raw.index(attrs)
    raw[start:start + len(attrs)] = patched
    where = raw.index(original)
    raw[where:where + len(original)] = signature
    return bytes(raw)
open('%s/message-digest-not-octet-string.p7s' % out, 'wb').write(patch_message_digest_tag(0x0C))

# signingTime copied into the unsigned attributes (RFC 5652 11.3: it MUST be signed).
info = fresh()
si = signer(info)
copy = attr([a for a in si['signed_attrs']], 'signing_time')
si['unsigned_attrs'] = cms.CMSAttributes([cms.CMSAttribute.load(copy.dump())])
write('signing-time-unsigned', info)
# Two signing-certificate-v2 attributes.
write('duplicate-signing-certificate-v2', edit_attrs(lambda a: a + [attr(a, SIGNING_CERTIFICATE_V2)]))
# No signing-certificate-v2: plain CMS, still a valid signature.
write('no-signing-certificate', edit_attrs(lambda a: [x for x in a if x['type'].dotted != SIGNING_CERTIFICATE_V2]))
# No signing-time attribute: allowed, reported as a note.
write('no-signing-time', edit_attrs(lambda a: [x for x in a if x['type'].native != 'signing_time']))

# signatureAlgorithm names SHA-384 while digestAlgorithm (and the signature) use SHA-256.
info = fresh()
if isinstance(key, ec.EllipticCurvePrivateKey):
    signer(info)['signature_algorithm'] = cms.SignedDigestAlgorithm({'algorithm': 'sha384_ecdsa'})
else:
    signer(info)['signature_algorithm'] = cms.SignedDigestAlgorithm({'algorithm': 'sha384_rsa'})
write('signature-algorithm-mismatch', info)

# An impostor certificate with the signer's issuer name and serial number, placed first.
info = fresh()
impostor = x509.Certificate.load(open(impostor_path, 'rb').read()) if not open(impostor_path, 'rb').read().startswith(b'-----') else None
if impostor is None:
    from asn1crypto import pem
    _, _, der = pem.unarmor(open(impostor_path, 'rb').read())
    impostor = x509.Certificate.load(der)
certs = [c for c in info['content']['certificates']]
info['content']['certificates'] = cms.CertificateSet([cms.CertificateChoices(name='certificate', value=impostor)] + certs)
write('impostor-certificate-first', info)

# digestAlgorithms: an empty SET, and an OID whose last octet is incomplete (bytes patched
# in place: the first SHA-256 OID of the file is the digestAlgorithms entry).
info = fresh()
info['content']['digest_algorithms'] = cms.DigestAlgorithms([])
write('empty-digest-algorithms', info)
sha256_oid = bytes.fromhex('0609608648016503040201')
at = good.index(sha256_oid)
patched = bytearray(good)
patched[at + len(sha256_oid) - 1] = 0x81
open('%s/malformed-digest-algorithm-oid.p7s' % out, 'wb').write(bytes(patched))
