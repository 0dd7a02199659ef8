/*
 * Field mod p = 2^255 - 19, radix 2^51: the non-inline half (serialisation,
 * exponentiation chains, square roots) and the curve constants.  The
 * arithmetic itself is static inline in internal/fe.h.  All functions are
 * constant time in their field-element arguments.
 */
#include "fe.h"

/* Constants, fully reduced (limbs < 2^51); values from RFC 9496 section 4.1
 * and RFC 8032 (base point), converted to radix 2^51. */
const fe FE_D = {{0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL, 0x739c663a03cbbULL, 0x52036cee2b6ffULL}};
const fe FE_D2 = {{0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL, 0x6738cc7407977ULL, 0x2406d9dc56dffULL}};
const fe FE_SQRT_M1 = {{0x61b274a0ea0b0ULL, 0x0d5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL, 0x78595a6804c9eULL, 0x2b8324804fc1dULL}};
const fe FE_SQRT_AD_MINUS_ONE = {{0x7f6a0497b2e1bULL, 0x1836f0a97afd2ULL, 0x7d747f6be7638ULL, 0x456079e7e6498ULL, 0x376931bf2b834ULL}};
const fe FE_INVSQRT_A_MINUS_D = {{0x0fdaa805d40eaULL, 0x2eb482e57d339ULL, 0x007610274bc58ULL, 0x6510b613dc8ffULL, 0x786c8905cfaffULL}};
const fe FE_ONE_MINUS_D_SQ = {{0x409c1945fc176ULL, 0x719abc6a1fc4fULL, 0x1c37f90b20684ULL, 0x06bccca55eedfULL, 0x029072a8b2b3eULL}};
const fe FE_D_MINUS_ONE_SQ = {{0x55aaa44ed4d20ULL, 0x59603c3332635ULL, 0x26d3baf4a7928ULL, 0x120a66e6997a9ULL, 0x5968b37af66c2ULL}};
const fe FE_BX = {{0x62d608f25d51aULL, 0x412a4b4f6592aULL, 0x75b7171a4b31dULL, 0x1ff60527118feULL, 0x216936d3cd6e5ULL}};
const fe FE_BY = {{0x6666666666658ULL, 0x4ccccccccccccULL, 0x1999999999999ULL, 0x3333333333333ULL, 0x6666666666666ULL}};

static inline uint64_t load64_le(const uint8_t *s) {
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = (x << 8) | s[i];
    return x;
}

void fe_frombytes(fe *h, const uint8_t s[32]) {
    /* Limb i holds bits 51i .. 51i+50; bit 255 is dropped by the mask. */
    h->v[0] = load64_le(s) & FE_MASK51;
    h->v[1] = (load64_le(s + 6) >> 3) & FE_MASK51;
    h->v[2] = (load64_le(s + 12) >> 6) & FE_MASK51;
    h->v[3] = (load64_le(s + 19) >> 1) & FE_MASK51;
    h->v[4] = (load64_le(s + 24) >> 12) & FE_MASK51;
}

/* h = f mod p, fully reduced, limbs < 2^51 (f limbs < 2^63). */
static inline void fe_canonical(fe *h, const fe *f) {
    uint64_t q;
    *h = *f;
    /* Two weak reductions: limbs < 2^51 + 19, so the value is < 2p. The
     * carry chain below is exact for such limbs. */
    fe_carry(h);
    fe_carry(h);
    /* q = 1 iff h >= p, i.e. iff h + 19 carries out of bit 255. */
    q = (h->v[0] + 19) >> 51;
    q = (h->v[1] + q) >> 51;
    q = (h->v[2] + q) >> 51;
    q = (h->v[3] + q) >> 51;
    q = (h->v[4] + q) >> 51;
    /* h - q*p = h + 19q - q*2^255: add 19q, carry, drop bit 255. */
    h->v[0] += 19 * q;
    h->v[1] += h->v[0] >> 51; h->v[0] &= FE_MASK51;
    h->v[2] += h->v[1] >> 51; h->v[1] &= FE_MASK51;
    h->v[3] += h->v[2] >> 51; h->v[2] &= FE_MASK51;
    h->v[4] += h->v[3] >> 51; h->v[3] &= FE_MASK51;
    h->v[4] &= FE_MASK51;
}

void fe_tobytes(uint8_t s[32], const fe *f) {
    fe h;
    fe_canonical(&h, f);
    const uint64_t w0 = h.v[0] | (h.v[1] << 51);
    const uint64_t w1 = (h.v[1] >> 13) | (h.v[2] << 38);
    const uint64_t w2 = (h.v[2] >> 26) | (h.v[3] << 25);
    const uint64_t w3 = (h.v[3] >> 39) | (h.v[4] << 12);
    const uint64_t w[4] = {w0, w1, w2, w3};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
    ec_wipe(&h, sizeof h);
}

/* The low bit of the canonical form (RFC 9496 IS_NEGATIVE). */
int fe_isnegative(const fe *f) {
    fe h;
    fe_canonical(&h, f);
    const int r = (int)(h.v[0] & 1);
    ec_wipe(&h, sizeof h);
    return r;
}

int fe_iszero(const fe *f) {
    fe h;
    fe_canonical(&h, f);
    const uint64_t d = h.v[0] | h.v[1] | h.v[2] | h.v[3] | h.v[4];
    ec_wipe(&h, sizeof h);
    return (int)(1 & ~ct_nonzero_mask64(d));
}

int fe_equal(const fe *f, const fe *g) {
    fe t;
    fe_sub(&t, f, g);
    return fe_iszero(&t);
}

void fe_cneg(fe *h, const fe *f, uint64_t b) {
    fe n;
    fe_neg(&n, f);
    *h = *f;
    fe_cmov(h, &n, b);
}

void fe_abs(fe *h, const fe *f) {
    fe_cneg(h, f, (uint64_t)fe_isnegative(f));
}

/* z^(2^250 - 1) and z^11, the common prefix of both chains. */
static void fe_pow2_250_1(fe *z250, fe *z11, const fe *z) {
    fe t0, t1, t2, z9;
    fe_sq(&t0, z);               /* z^2 */
    fe_sqn(&t1, &t0, 2);         /* z^8 */
    fe_mul(&z9, &t1, z);         /* z^9 */
    fe_mul(z11, &z9, &t0);       /* z^11 */
    fe_sq(&t0, z11);             /* z^22 */
    fe_mul(&t0, &t0, &z9);       /* z^(2^5 - 1) = z^31 */
    fe_sqn(&t1, &t0, 5);
    fe_mul(&t0, &t1, &t0);       /* 2^10 - 1 */
    fe_sqn(&t1, &t0, 10);
    fe_mul(&t1, &t1, &t0);       /* 2^20 - 1 */
    fe_sqn(&t2, &t1, 20);
    fe_mul(&t1, &t2, &t1);       /* 2^40 - 1 */
    fe_sqn(&t1, &t1, 10);
    fe_mul(&t0, &t1, &t0);       /* 2^50 - 1 */
    fe_sqn(&t1, &t0, 50);
    fe_mul(&t1, &t1, &t0);       /* 2^100 - 1 */
    fe_sqn(&t2, &t1, 100);
    fe_mul(&t1, &t2, &t1);       /* 2^200 - 1 */
    fe_sqn(&t1, &t1, 50);
    fe_mul(z250, &t1, &t0);      /* 2^250 - 1 */
    ec_wipe(&t0, sizeof t0); ec_wipe(&t1, sizeof t1);
    ec_wipe(&t2, sizeof t2); ec_wipe(&z9, sizeof z9);
}

void fe_invert(fe *out, const fe *z) {
    fe t, z11;
    fe_pow2_250_1(&t, &z11, z);
    fe_sqn(&t, &t, 5);           /* 2^255 - 32 */
    fe_mul(out, &t, &z11);       /* 2^255 - 21 = p - 2 */
    ec_wipe(&t, sizeof t); ec_wipe(&z11, sizeof z11);
}

void fe_pow22523(fe *out, const fe *z) {
    fe t, z11;
    fe_pow2_250_1(&t, &z11, z);
    fe_sqn(&t, &t, 2);           /* 2^252 - 4 */
    fe_mul(out, &t, z);          /* 2^252 - 3 = (p - 5) / 8 */
    ec_wipe(&t, sizeof t); ec_wipe(&z11, sizeof z11);
}

/* SQRT_RATIO_M1 in three steps so that a batch can share the expensive
 * exponentiation (see ge_ristretto_decode_batch): pre computes
 * v3 = v^3 and x = u v^7, the caller computes pw = x^((p-5)/8), post
 * finishes. */
void fe_sqrt_ratio_pre(fe *v3, fe *x, const fe *u, const fe *v) {
    fe v7;
    fe_sq(v3, v);
    fe_mul(v3, v3, v);           /* v^3 */
    fe_sq(&v7, v3);
    fe_mul(&v7, &v7, v);         /* v^7 */
    fe_mul(x, u, &v7);
    ec_wipe(&v7, sizeof v7);
}

uint64_t fe_sqrt_ratio_post(fe *r, const fe *u, const fe *v, const fe *v3, const fe *pw) {
    fe t, check, nu, nui, rp;
    fe_mul(&t, pw, v3);
    fe_mul(r, &t, u);            /* r = u v^3 (u v^7)^((p-5)/8) */
    fe_sq(&check, r);
    fe_mul(&check, &check, v);   /* check = v r^2 */
    fe_neg(&nu, u);
    fe_mul(&nui, &nu, &FE_SQRT_M1);
    const uint64_t correct = (uint64_t)fe_equal(&check, u);
    const uint64_t flipped = (uint64_t)fe_equal(&check, &nu);
    const uint64_t flipped_i = (uint64_t)fe_equal(&check, &nui);
    fe_mul(&rp, r, &FE_SQRT_M1);
    fe_cmov(r, &rp, flipped | flipped_i);
    fe_abs(r, r);
    ec_wipe(&t, sizeof t); ec_wipe(&check, sizeof check); ec_wipe(&nu, sizeof nu);
    ec_wipe(&nui, sizeof nui); ec_wipe(&rp, sizeof rp);
    return correct | flipped;
}

/* fe_sqrt_ratio_post for u = 1 (decode and encode): the three comparisons of
 * check = v r^2 against 1, -1 and -i become one canonical encoding compared
 * with constants, and the multiplications by u disappear. */
uint64_t fe_invsqrt_post(fe *r, const fe *v, const fe *v3, const fe *pw) {
    static const uint8_t ONE[32] = {1};
    static const uint8_t MINUS_ONE[32] = {
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    static const uint8_t MINUS_SQRT_M1[32] = {
        0x3d, 0x5f, 0xf1, 0xb5, 0xd8, 0xe4, 0x11, 0x3b, 0x87, 0x1b, 0xd0, 0x52, 0xf9, 0xe7, 0xbc, 0xd0,
        0x58, 0x28, 0x04, 0xc2, 0x66, 0xff, 0xb2, 0xd4, 0xf4, 0x20, 0x3e, 0xb0, 0x7f, 0xdb, 0x7c, 0x54};
    fe check, rp;
    uint8_t cb[32];
    fe_mul(r, pw, v3);           /* r = v^3 (v^7)^((p-5)/8) */
    fe_sq(&check, r);
    fe_mul(&check, &check, v);   /* check = v r^2 */
    fe_tobytes(cb, &check);
    const uint64_t correct = (uint64_t)(ct_memcmp(cb, ONE, 32) + 1);
    const uint64_t flipped = (uint64_t)(ct_memcmp(cb, MINUS_ONE, 32) + 1);
    const uint64_t flipped_i = (uint64_t)(ct_memcmp(cb, MINUS_SQRT_M1, 32) + 1);
    fe_mul(&rp, r, &FE_SQRT_M1);
    fe_cmov(r, &rp, flipped | flipped_i);
    fe_abs(r, r);
    ec_wipe(&check, sizeof check); ec_wipe(&rp, sizeof rp); ec_wipe(cb, sizeof cb);
    return correct | flipped;
}

uint64_t fe_sqrt_ratio_m1(fe *r, const fe *u, const fe *v) {
    fe v3, x;
    fe_sqrt_ratio_pre(&v3, &x, u, v);
    fe_pow22523(&x, &x);
    const uint64_t ok = fe_sqrt_ratio_post(r, u, v, &v3, &x);
    ec_wipe(&v3, sizeof v3); ec_wipe(&x, sizeof x);
    return ok;
}
