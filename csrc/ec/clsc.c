/*
 * Certificateless signcryption: fused curve operations (n3_clsc.h).
 *
 * Each function is one Python->C crossing doing what would otherwise take
 * three to five: decode once, reduce the hash in C, multiply, encode.  The
 * group arithmetic is the ec/ module's (ge.h, sc.h), used read-only; nothing
 * here adds formulas, so the constant-time and bound arguments of
 * ge25519_scalarmult.c and sc25519_64.c carry over unchanged.
 *
 * Secret data: k (encap, respond), a (respond, decap).  Every branch below is
 * on public data (argument checks, the canonicity of public encodings, the
 * result of a vartime verification) or on a declassified verdict.
 */
#include <string.h>

#include "n3.h"
#include "n3_clsc.h"
#include "ge.h"
#include "sc.h"

static const uint8_t zero32[32] = {0};

/* 1 if the 32 bytes are all zero (the identity's encoding); public data. */
static int is_zero32(const uint8_t p[32]) {
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++) acc |= p[i];
    return acc == 0;
}

int n3_clsc_encap(uint8_t k_out[32], uint8_t u[32], uint8_t z[32], const uint8_t k_wide[64],
                  const uint8_t q[32], const void *table, size_t table_len) {
    sc k;
    ge_p3 r, qp;
    int rc = N3_OK;
    if (!ge_base_table_ready) { rc = N3_ENOTINIT; goto fail; }
    if (table != NULL &&
        (table_len != N3_RISTRETTO255_TABLE_BYTES || ((uintptr_t)table & 7))) {
        rc = N3_EINVAL;
        goto fail;
    }
    sc_reduce64(&k, k_wide);
    sc_tobytes(k_out, &k);
    {
        /* k == 0 would make U the identity; the verdict is public. */
        int zero = sc_iszero(&k);
        N3_DECLASSIFY(&zero, sizeof zero);
        if (zero) { rc = N3_EINVAL; goto fail; }
    }
    if (table == NULL && ge_ristretto_decode(&qp, q)) { rc = N3_EENCODING; goto fail; }
    ge_scalarmult_fixed(&r, k_out, &ge_base_table);
    ge_ristretto_encode(u, &r);
    if (table != NULL) ge_scalarmult_fixed(&r, k_out, (const ge_fixed_table *)table);
    else ge_scalarmult(&r, k_out, &qp);
    ge_ristretto_encode(z, &r);
    ec_wipe(&k, sizeof k);
    ec_wipe(&r, sizeof r);
    return N3_OK;
fail:
    memset(k_out, 0, 32);
    memset(u, 0, 32);
    memset(z, 0, 32);
    ec_wipe(&k, sizeof k);
    return rc;
}

int n3_clsc_respond(uint8_t s[32], const uint8_t k[32], const uint8_t h_wide[64],
                    const uint8_t a[32]) {
    sc kk, hh, aa, t;
    if (!sc_is_canonical(k) || !sc_is_canonical(a)) {
        memset(s, 0, 32);
        return N3_EINVAL;
    }
    sc_frombytes(&kk, k);
    sc_frombytes(&aa, a);
    sc_reduce64(&hh, h_wide);
    sc_mul(&t, &hh, &aa);
    sc_add(&t, &t, &kk);
    sc_tobytes(s, &t);
    ec_wipe(&kk, sizeof kk); ec_wipe(&aa, sizeof aa);
    ec_wipe(&hh, sizeof hh); ec_wipe(&t, sizeof t);
    return N3_OK;
}

int n3_clsc_decap(uint8_t z[32], const uint8_t a[32], const uint8_t u[32]) {
    ge_p3 up, r;
    if (!sc_is_canonical(a)) { memset(z, 0, 32); return N3_EINVAL; }
    if (is_zero32(u) || ge_ristretto_decode(&up, u)) { memset(z, 0, 32); return N3_EENCODING; }
    ge_scalarmult(&r, a, &up);
    ge_ristretto_encode(z, &r);
    ec_wipe(&r, sizeof r);
    return N3_OK;
}

int n3_clsc_verify_vartime(uint8_t out[32], const uint8_t s[32], const uint8_t h_wide[64],
                           const uint8_t q[32]) {
    sc h, nh;
    uint8_t nhb[32];
    ge_p3 qp, r;
    if (!ge_base_table_ready) { memset(out, 0, 32); return N3_ENOTINIT; }
    if (!sc_is_canonical(s) || ge_ristretto_decode(&qp, q)) {
        memset(out, 0, 32);
        return N3_EENCODING;
    }
    sc_reduce64(&h, h_wide);
    sc_frombytes(&nh, zero32);
    sc_sub(&nh, &nh, &h);                 /* -h mod l, canonical */
    sc_tobytes(nhb, &nh);
    if (ge_field_backend == N3_EC_FIELD_IFMA) ge_double_scalarmult_base_vartime_ifma(&r, s, nhb, &qp);
    else ge_double_scalarmult_base_vartime(&r, s, nhb, &qp);
    ge_ristretto_encode(out, &r);
    return N3_OK;
}
