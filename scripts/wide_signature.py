#!/usr/bin/env python3
"""Builds a detached CMS signature with SIGNERS copies of one SignerInfo and CERTS extra
certificates (self-signed, distinct), for the wide-signature benchmark: verification must
not cost signers x certificates.

usage: wide_signature.py GOOD.p7s SIGNERS CERTS OUT.p7s"""
import datetime, sys
from asn1crypto import cms, x509 as asn1x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

good, signers, count, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
info = cms.ContentInfo.load(open(good, 'rb').read())
signed = info['content']
key = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
extra = []
for index in range(count):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'filler %d' % index)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(index + 1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    extra.append(cms.CertificateChoices(name='certificate',
                                        value=asn1x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))))
signed['certificates'] = cms.CertificateSet(list(signed['certificates']) + extra)
one = signed['signer_infos'][0]
signed['signer_infos'] = cms.SignerInfos([one] * signers)
open(out, 'wb').write(info.dump(force=True))
