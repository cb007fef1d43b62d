#ifndef SIGNTOOL_COPENSSL_SHIM_H
#define SIGNTOOL_COPENSSL_SHIM_H

#include <string.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

// Swift cannot import function-like macros or variadic C functions; these wrappers
// expose the few that signtool needs, under the macro's own name with a `shim_` prefix.

static inline void shim_OPENSSL_free(void *p) { OPENSSL_free(p); }

static inline EVP_PKEY *shim_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }
static inline EVP_PKEY *shim_EVP_RSA_gen(unsigned int bits) { return EVP_RSA_gen(bits); }

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

#endif
