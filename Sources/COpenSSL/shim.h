#ifndef SIGNTOOL_COPENSSL_SHIM_H
#define SIGNTOOL_COPENSSL_SHIM_H

// A function used here without a declaration would be assumed to return int, and a
// pointer it returns would arrive cut to 32 bits (PEM_read_bio_CMS once did exactly
// that): make it an error in every compiler that reads this header, Swift's included.
#pragma GCC diagnostic error "-Wimplicit-function-declaration"
#pragma GCC diagnostic error "-Wint-conversion"

#include <string.h>
#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>   /* before cms.h, which declares PEM_read_bio_CMS only after pem.h */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

// Swift cannot import function-like macros or variadic C functions; these wrappers
// expose the few that signtool needs, under the macro's own name with a `shim_` prefix.

static inline void shim_OPENSSL_free(void *p) { OPENSSL_free(p); }

static inline EVP_PKEY *shim_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }
static inline EVP_PKEY *shim_EVP_RSA_gen(unsigned int bits) { return EVP_RSA_gen(bits); }

static inline long shim_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline long shim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }

static inline long shim_BIO_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }

static inline CMS_ContentInfo *shim_PEM_read_bio_CMS(BIO *b) { return PEM_read_bio_CMS(b, NULL, NULL, NULL); }

static inline int shim_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
static inline X509 *shim_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
static inline STACK_OF(X509) *shim_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int shim_sk_X509_push(STACK_OF(X509) *sk, X509 *x) { return sk_X509_push(sk, x); }
static inline void shim_sk_X509_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }
static inline void shim_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }

static inline STACK_OF(X509_CRL) *shim_sk_X509_CRL_new_null(void) { return sk_X509_CRL_new_null(); }
static inline int shim_sk_X509_CRL_push(STACK_OF(X509_CRL) *sk, X509_CRL *x) { return sk_X509_CRL_push(sk, x); }
static inline void shim_sk_X509_CRL_free(STACK_OF(X509_CRL) *sk) { sk_X509_CRL_free(sk); }

static inline int shim_sk_CMS_SignerInfo_num(const STACK_OF(CMS_SignerInfo) *sk) {
    return sk_CMS_SignerInfo_num(sk);
}
static inline CMS_SignerInfo *shim_sk_CMS_SignerInfo_value(const STACK_OF(CMS_SignerInfo) *sk, int i) {
    return sk_CMS_SignerInfo_value(sk, i);
}

static inline ASN1_UTF8STRING *shim_sk_ASN1_UTF8STRING_value(const STACK_OF(ASN1_UTF8STRING) *sk, int i) {
    return sk_ASN1_UTF8STRING_num(sk) > i ? sk_ASN1_UTF8STRING_value(sk, i) : NULL;
}

static inline int shim_sk_X509_ALGOR_num(const STACK_OF(X509_ALGOR) *sk) { return sk_X509_ALGOR_num(sk); }

/// Distinguished names printed RFC 2253-style (most specific first, ", " between RDNs)
/// but with UTF-8 kept as UTF-8, so Arabic names stay readable.
static inline unsigned long shim_name_print_flags(void) {
    return (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_DN_REV | XN_FLAG_FN_SN;
}

static inline int shim_X509_STORE_CTX_set_app_data(X509_STORE_CTX *ctx, void *data) {
    return X509_STORE_CTX_set_app_data(ctx, data);
}
static inline void *shim_X509_STORE_CTX_get_app_data(X509_STORE_CTX *ctx) {
    return X509_STORE_CTX_get_app_data(ctx);
}

static inline GENERAL_NAMES *shim_GENERAL_NAMES_new(void) { return sk_GENERAL_NAME_new_null(); }
static inline int shim_sk_GENERAL_NAME_push(GENERAL_NAMES *names, GENERAL_NAME *name) { return sk_GENERAL_NAME_push(names, name); }

static inline int shim_sk_ASN1_OBJECT_num(const STACK_OF(ASN1_OBJECT) *sk) { return sk_ASN1_OBJECT_num(sk); }
static inline ASN1_OBJECT *shim_sk_ASN1_OBJECT_value(const STACK_OF(ASN1_OBJECT) *sk, int i) { return sk_ASN1_OBJECT_value(sk, i); }
static inline void shim_sk_ASN1_OBJECT_pop_free(STACK_OF(ASN1_OBJECT) *sk) { sk_ASN1_OBJECT_pop_free(sk, ASN1_OBJECT_free); }

static inline int shim_sk_X509_CRL_num(const STACK_OF(X509_CRL) *sk) { return sk_X509_CRL_num(sk); }
static inline X509_CRL *shim_sk_X509_CRL_value(const STACK_OF(X509_CRL) *sk, int i) { return sk_X509_CRL_value(sk, i); }
static inline void shim_sk_X509_CRL_pop_free(STACK_OF(X509_CRL) *sk) { sk_X509_CRL_pop_free(sk, X509_CRL_free); }

/// Appends the certificate's CRL distribution point URIs (which == 0) or OCSP responder
/// URIs (which == 1) to `buffer`, one per line; returns the bytes needed (may exceed `capacity`).
static inline int shim_certificate_uris(X509 *x, int which, char *buffer, int capacity) {
    int used = 0;
#define SHIM_APPEND(data, length) do { \
        if (used + (length) + 1 <= capacity) { memcpy(buffer + used, (data), (length)); buffer[used + (length)] = '\n'; } \
        used += (length) + 1; } while (0)
    if (which == 1) {
        STACK_OF(OPENSSL_STRING) *list = X509_get1_ocsp(x);
        for (int i = 0; i < sk_OPENSSL_STRING_num(list); i++) {
            const char *uri = sk_OPENSSL_STRING_value(list, i);
            SHIM_APPEND(uri, (int)strlen(uri));
        }
        X509_email_free(list);
    } else {
        STACK_OF(DIST_POINT) *points = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
        for (int i = 0; i < sk_DIST_POINT_num(points); i++) {
            DIST_POINT *point = sk_DIST_POINT_value(points, i);
            if (point->distpoint == NULL || point->distpoint->type != 0) continue;
            GENERAL_NAMES *names = point->distpoint->name.fullname;
            for (int j = 0; j < sk_GENERAL_NAME_num(names); j++) {
                GENERAL_NAME *name = sk_GENERAL_NAME_value(names, j);
                if (name->type != GEN_URI) continue;
                SHIM_APPEND(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier),
                            ASN1_STRING_length(name->d.uniformResourceIdentifier));
            }
        }
        sk_DIST_POINT_pop_free(points, DIST_POINT_free);
    }
#undef SHIM_APPEND
    return used;
}

/// 1 if OpenSSL decodes the extension (or does not know it), 0 if it is malformed.
static inline int shim_extension_decodes(X509_EXTENSION *ext) {
    const X509V3_EXT_METHOD *method = X509V3_EXT_get(ext);
    if (method == NULL) return 1;
    void *value = X509V3_EXT_d2i(ext);
    if (value == NULL) return 0;
    if (method->it) ASN1_item_free(value, ASN1_ITEM_ptr(method->it));
    else if (method->ext_free) method->ext_free(value);
    return 1;
}

static inline int shim_append_general_name(GENERAL_NAME *name, const char *prefix, char *buffer, int capacity, int used) {
    const char *kind = NULL;
    const unsigned char *data = NULL;
    int length = 0;
    switch (name->type) {
    case GEN_DNS: kind = "DNS"; data = ASN1_STRING_get0_data(name->d.dNSName); length = ASN1_STRING_length(name->d.dNSName); break;
    case GEN_EMAIL: kind = "EMAIL"; data = ASN1_STRING_get0_data(name->d.rfc822Name); length = ASN1_STRING_length(name->d.rfc822Name); break;
    case GEN_URI: kind = "URI"; data = ASN1_STRING_get0_data(name->d.uniformResourceIdentifier); length = ASN1_STRING_length(name->d.uniformResourceIdentifier); break;
    case GEN_IPADD: {
        // As text (RFC 5952 form for IPv6); a constraint's address/mask pair stays empty.
        static __thread char text[64];
        int octets = ASN1_STRING_length(name->d.iPAddress);
        kind = "IP";
        if ((octets == 4 || octets == 16) &&
            inet_ntop(octets == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(name->d.iPAddress), text, sizeof text)) {
            data = (const unsigned char *)text; length = (int)strlen(text);
        }
        break;
    }
    case GEN_DIRNAME: kind = "DIRNAME"; length = 0; break;
    default: kind = "OTHER"; length = 0; break;
    }
    int needed = (int)strlen(prefix) + (int)strlen(kind) + 1 + length + 1;
    if (used + needed <= capacity) {
        int at = used;
        memcpy(buffer + at, prefix, strlen(prefix)); at += (int)strlen(prefix);
        memcpy(buffer + at, kind, strlen(kind)); at += (int)strlen(kind);
        buffer[at++] = ':';
        if (length > 0) { memcpy(buffer + at, data, length); at += length; }
        buffer[at] = '\n';
    }
    return used + needed;
}

/// subjectAltName entries as "KIND:value" lines (which == 0), or name-constraint subtrees
/// as "P:KIND:value" / "E:KIND:value" lines (which == 1). Returns the bytes needed, or
/// -1 when the extension is present but cannot be decoded.
static inline int shim_certificate_names(X509 *x, int which, char *buffer, int capacity) {
    int used = 0, critical = 0;
    if (which == 0) {
        GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, &critical, NULL);
        if (names == NULL) return critical == -1 ? 0 : -1;
        for (int i = 0; i < sk_GENERAL_NAME_num(names); i++)
            used = shim_append_general_name(sk_GENERAL_NAME_value(names, i), "", buffer, capacity, used);
        GENERAL_NAMES_free(names);
    } else {
        NAME_CONSTRAINTS *nc = X509_get_ext_d2i(x, NID_name_constraints, &critical, NULL);
        if (nc == NULL) return critical == -1 ? 0 : -1;
        for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++)
            used = shim_append_general_name(sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base, "P:", buffer, capacity, used);
        for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->excludedSubtrees); i++)
            used = shim_append_general_name(sk_GENERAL_SUBTREE_value(nc->excludedSubtrees, i)->base, "E:", buffer, capacity, used);
        NAME_CONSTRAINTS_free(nc);
    }
    return used;
}

#endif
