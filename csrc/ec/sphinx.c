/*
 * Sphinx: the group half of packet creation and per-hop processing
 * (n3_sphinx.h, docs/onion.md).
 *
 * A relay's two multiplications are y alpha and b alpha, where b is derived
 * (in Python, by HKDF and ChaCha20) from y alpha itself, so they cannot run
 * as one two-scalar multiplication.  What the fused calls save is the second
 * decode of alpha, the Python-side reduction of b and three Python->C
 * crossings: alpha is decoded once into caller-owned ctx by hop_shared and
 * reused by hop_blind.  Sharing more than the decoded point does not win:
 * the IFMA backend builds its window table inside the 4-way ladder, and on
 * the portable backend a shared 8-entry window table would save about 3% of
 * one multiplication for a 1.3 KiB context.
 *
 * The group arithmetic is the ec/ module's (ge.h, sc.h), used read-only:
 * the constant-time and limb-bound arguments of ge25519_scalarmult.c and
 * sc25519_64.c carry over unchanged.  Secret data: y, c, b and the shared
 * secret.  Branches are on public data only: argument checks, the encoding
 * of alpha or Y (public, from the packet or the directory), the ctx tag, and
 * the verdict "this secret scalar is zero or not canonical" (a refused key:
 * the verdict becomes the public return code; is_zero32 reads every byte).
 *
 * tests/test_onion_native_c.py builds a C check of every function here under
 * ASan + UBSan and runs it on each field backend.
 */
#include <string.h>

#include "n3.h"
#include "n3_sphinx.h"
#include "ge.h"
#include "sc.h"

/* ctx layout: a tag word, then the decoded alpha. */
typedef struct {
    uint64_t tag;
    ge_p3 alpha;
} sphinx_ctx;

_Static_assert(sizeof(sphinx_ctx) <= N3_SPHINX_CTX_BYTES, "N3_SPHINX_CTX_BYTES too small");

/* "n3sphinx": marks a ctx that hop_shared filled and hop_blind may use. */
#define CTX_TAG 0x786e696870733373ULL

size_t n3_sphinx_ctx_bytes(void) { return N3_SPHINX_CTX_BYTES; }

/* 1 if the 32 bytes are all zero: the identity's only canonical encoding. */
static int is_zero32(const uint8_t p[32]) {
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++) acc |= p[i];
    return acc == 0;
}

static int ctx_ok(const void *ctx, size_t ctx_len) {
    return ctx != NULL && ctx_len == N3_SPHINX_CTX_BYTES && ((uintptr_t)ctx & 7) == 0;
}

int n3_sphinx_hop_shared(uint8_t shared[32], void *ctx, size_t ctx_len, const uint8_t y[32],
                         const uint8_t alpha[32]) {
    sphinx_ctx *st = (sphinx_ctx *)ctx;
    ge_p3 r;
    int rc;
    if (!ctx_ok(ctx, ctx_len)) { rc = N3_EINVAL; goto fail; }
    if (!sc_is_canonical(y) || is_zero32(y)) { rc = N3_EINVAL; goto fail; }
    /* alpha is public (it travels in the packet): branching on it is fine */
    if (is_zero32(alpha) || ge_ristretto_decode(&st->alpha, alpha)) {
        rc = N3_EENCODING;
        goto fail;
    }
    ge_scalarmult(&r, y, &st->alpha);
    ge_ristretto_encode(shared, &r);
    st->tag = CTX_TAG;
    ec_wipe(&r, sizeof r);
    return N3_OK;
fail:
    memset(shared, 0, 32);
    if (ctx_ok(ctx, ctx_len)) memset(ctx, 0, ctx_len);
    return rc;
}

int n3_sphinx_hop_blind(uint8_t alpha_next[32], void *ctx, size_t ctx_len,
                        const uint8_t b_wide[64]) {
    sphinx_ctx *st = (sphinx_ctx *)ctx;
    sc b;
    uint8_t bb[32];
    ge_p3 r;
    if (!ctx_ok(ctx, ctx_len) || st->tag != CTX_TAG) {
        memset(alpha_next, 0, 32);
        if (ctx_ok(ctx, ctx_len)) memset(ctx, 0, ctx_len);
        return N3_EINVAL;
    }
    sc_reduce64(&b, b_wide);
    sc_tobytes(bb, &b);
    ge_scalarmult(&r, bb, &st->alpha);
    ge_ristretto_encode(alpha_next, &r);
    ec_wipe(&b, sizeof b);
    ec_wipe(bb, sizeof bb);
    ec_wipe(&r, sizeof r);
    ec_wipe(ctx, ctx_len);
    return N3_OK;
}

int n3_sphinx_create_hop(uint8_t alpha[32], uint8_t shared[32], const uint8_t c[32],
                         const uint8_t y_pub[32], const void *table, size_t table_len) {
    ge_p3 y, r;
    int rc;
    if (!ge_base_table_ready) { rc = N3_ENOTINIT; goto fail; }
    if (!sc_is_canonical(c) || is_zero32(c)) { rc = N3_EINVAL; goto fail; }
    if (table != NULL &&
        (table_len != N3_RISTRETTO255_TABLE_BYTES || ((uintptr_t)table & 7))) {
        rc = N3_EINVAL;
        goto fail;
    }
    if (table == NULL && (is_zero32(y_pub) || ge_ristretto_decode(&y, y_pub))) {
        rc = N3_EENCODING;
        goto fail;
    }
    if (alpha != NULL) {  /* only the first hop's alpha goes into a header */
        ge_scalarmult_fixed(&r, c, &ge_base_table);
        ge_ristretto_encode(alpha, &r);
    }
    if (table != NULL) ge_scalarmult_fixed(&r, c, (const ge_fixed_table *)table);
    else ge_scalarmult(&r, c, &y);
    ge_ristretto_encode(shared, &r);
    ec_wipe(&r, sizeof r);
    return N3_OK;
fail:
    if (alpha != NULL) memset(alpha, 0, 32);
    memset(shared, 0, 32);
    return rc;
}

int n3_sphinx_blind_scalar(uint8_t c_next[32], const uint8_t c[32], const uint8_t b_wide[64]) {
    sc cc, b, t;
    if (!sc_is_canonical(c)) { memset(c_next, 0, 32); return N3_EINVAL; }
    sc_frombytes(&cc, c);
    sc_reduce64(&b, b_wide);
    sc_mul(&t, &cc, &b);
    sc_tobytes(c_next, &t);
    ec_wipe(&cc, sizeof cc); ec_wipe(&b, sizeof b); ec_wipe(&t, sizeof t);
    return N3_OK;
}
