/*
 * Field arithmetic mod p = 2^255 - 19, radix 2^51 (five 64-bit limbs),
 * portable C with unsigned __int128 products.  Representation "_51".
 *
 * An element h is sum(h[i] * 2^(51*i)); it need not be fully reduced.
 * Bounds used throughout (stated on every function):
 *   tight : every limb < 2^51 + 2^18   (output of fe_mul, fe_sq, fe_sub, fe_carry)
 *   loose : every limb < 2^53          (sum of two or three tight elements, fe_add)
 * fe_mul / fe_sq accept limbs < 2^54 (so loose, and tight+loose, are fine):
 * with a,b < 2^54 every column sum is < 77 * 2^108 < 2^115 and fits in 128 bits.
 *
 * Everything here is constant time: no branches or memory indices depend on
 * limb values.  The hot functions are static inline so the group code in
 * other translation units inlines them.
 */
#ifndef N3_FE_H
#define N3_FE_H

#include <stdint.h>
#include <string.h>
#include "ct.h"

#ifndef __SIZEOF_INT128__
#error "n3crypto's field arithmetic needs a 64-bit target whose compiler has unsigned __int128 (GCC or Clang on x86-64, aarch64, ...)"
#endif
typedef unsigned __int128 u128;

/* Wipe a secret temporary: memset plus a compiler barrier that makes the
 * zeroed memory observable, so the store cannot be elided (ct_wipe's
 * volatile byte loop is correct too, but ~10x slower on the hot paths). */
static inline void ec_wipe(void *p, size_t n) {
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

typedef struct { uint64_t v[5]; } fe;

#define FE_MASK51 ((uint64_t)0x7ffffffffffffULL)

static inline void fe_0(fe *h) { memset(h, 0, sizeof *h); }
static inline void fe_1(fe *h) { fe_0(h); h->v[0] = 1; }
static inline void fe_copy(fe *h, const fe *f) { *h = *f; }

/* h = f + g, no carry.  tight + tight -> loose (< 2^52 + 2^19). */
static inline void fe_add(fe *h, const fe *f, const fe *g) {
    for (int i = 0; i < 5; i++) h->v[i] = f->v[i] + g->v[i];
}

/* Weak reduction, one parallel carry round: limbs < 2^63 -> tight
 * (limb_i >> 51 < 2^12, so every limb ends < 2^51 + 19 * 2^12).  The carry
 * out of limb 4 is folded back times 19 (2^255 = 19 mod p).  All five
 * carries are independent, which keeps the dependency chain short. */
static inline void fe_carry(fe *h) {
    const uint64_t c0 = h->v[0] >> 51, c1 = h->v[1] >> 51, c2 = h->v[2] >> 51,
                   c3 = h->v[3] >> 51, c4 = h->v[4] >> 51;
    h->v[0] = (h->v[0] & FE_MASK51) + c4 * 19;
    h->v[1] = (h->v[1] & FE_MASK51) + c0;
    h->v[2] = (h->v[2] & FE_MASK51) + c1;
    h->v[3] = (h->v[3] & FE_MASK51) + c2;
    h->v[4] = (h->v[4] & FE_MASK51) + c3;
}

/* h = f - g computed as f + 8p - g, then weakly reduced.
 * Requires f, g limbs < 2^54 - 152 (8p's smallest limb); output tight. */
static inline void fe_sub(fe *h, const fe *f, const fe *g) {
    h->v[0] = (f->v[0] + 0x3fffffffffff68ULL) - g->v[0];
    h->v[1] = (f->v[1] + 0x3ffffffffffff8ULL) - g->v[1];
    h->v[2] = (f->v[2] + 0x3ffffffffffff8ULL) - g->v[2];
    h->v[3] = (f->v[3] + 0x3ffffffffffff8ULL) - g->v[3];
    h->v[4] = (f->v[4] + 0x3ffffffffffff8ULL) - g->v[4];
    fe_carry(h);
}

/* h = -f; f limbs < 2^54 - 152; output tight. */
static inline void fe_neg(fe *h, const fe *f) {
    fe z; fe_0(&z); fe_sub(h, &z, f);
}

/* Final reduction shared by mul and sq, two parallel carry rounds.
 * With inputs < 2^54 every column t_i < 77 * 2^108 < 2^115, so t_i >> 51
 * < 2^64; t4 has no factor 19, t4 < 5 * 2^108, so 19 (t4 >> 51) < 2^63.6.
 * Round 1 leaves limbs < 2^64 (51-bit part plus one carry); round 2 leaves
 * limbs < 2^51 + 19 * 2^13 < 2^51 + 2^18.  Independent carries keep the
 * latency of a squaring chain low (no 5-step serial carry). */
static inline void fe_carry128(fe *h, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) {
    uint64_t r0 = ((uint64_t)t0 & FE_MASK51) + (uint64_t)(t4 >> 51) * 19;
    uint64_t r1 = ((uint64_t)t1 & FE_MASK51) + (uint64_t)(t0 >> 51);
    uint64_t r2 = ((uint64_t)t2 & FE_MASK51) + (uint64_t)(t1 >> 51);
    uint64_t r3 = ((uint64_t)t3 & FE_MASK51) + (uint64_t)(t2 >> 51);
    uint64_t r4 = ((uint64_t)t4 & FE_MASK51) + (uint64_t)(t3 >> 51);
    h->v[0] = (r0 & FE_MASK51) + (r4 >> 51) * 19;
    h->v[1] = (r1 & FE_MASK51) + (r0 >> 51);
    h->v[2] = (r2 & FE_MASK51) + (r1 >> 51);
    h->v[3] = (r3 & FE_MASK51) + (r2 >> 51);
    h->v[4] = (r4 & FE_MASK51) + (r3 >> 51);
}

/* h = f * g.  Inputs: limbs < 2^54.  Output: tight. */
static inline void fe_mul(fe *h, const fe *f, const fe *g) {
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
    /* g_i * 19 < 2^59: the wrap-around columns (2^255 = 19). */
    const uint64_t g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19;
    u128 t0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19;
    u128 t1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19;
    u128 t2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19;
    u128 t3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
    u128 t4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
    fe_carry128(h, t0, t1, t2, t3, t4);
}

/* h = f^2.  Input limbs < 2^54, output tight.  15 products instead of 25. */
static inline void fe_sq(fe *h, const fe *f) {
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t f0_2 = f0 * 2, f1_2 = f1 * 2;
    const uint64_t f3_19 = f3 * 19, f4_19 = f4 * 19;
    u128 t0 = (u128)f0 * f0 + (u128)(f1_2) * f4_19 + (u128)(f2 * 2) * f3_19;
    u128 t1 = (u128)f0_2 * f1 + (u128)(f2 * 2) * f4_19 + (u128)f3 * f3_19;
    u128 t2 = (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)(f3 * 2) * f4_19;
    u128 t3 = (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4 * f4_19;
    u128 t4 = (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2;
    fe_carry128(h, t0, t1, t2, t3, t4);
}

/* h = f^(2^n), n >= 1 (n is public). */
static inline void fe_sqn(fe *h, const fe *f, int n) {
    fe_sq(h, f);
    while (--n > 0) fe_sq(h, h);
}

/* h = f if b == 0, g if b == 1 (b is 0 or 1, secret). */
static inline void fe_cmov(fe *h, const fe *g, uint64_t b) {
    const uint64_t m = (uint64_t)0 - b;
    for (int i = 0; i < 5; i++) h->v[i] ^= m & (h->v[i] ^ g->v[i]);
}

/* Swap f and g if b == 1 (b in {0,1}). */
static inline void fe_cswap(fe *f, fe *g, uint64_t b) {
    const uint64_t m = (uint64_t)0 - b;
    for (int i = 0; i < 5; i++) {
        uint64_t x = m & (f->v[i] ^ g->v[i]);
        f->v[i] ^= x; g->v[i] ^= x;
    }
}

/* Non-inline functions of fe25519_51.c. */
void fe_tobytes(uint8_t s[32], const fe *h);       /* canonical, h limbs < 2^63 */
void fe_frombytes(fe *h, const uint8_t s[32]);     /* ignores bit 255; output tight, maybe >= p */
void fe_invert(fe *out, const fe *z);              /* z^(p-2); 0 -> 0 */
void fe_pow22523(fe *out, const fe *z);            /* z^((p-5)/8) */
int fe_isnegative(const fe *f);                    /* low bit of canonical form */
int fe_iszero(const fe *f);                        /* 1 if f == 0 mod p */
int fe_equal(const fe *f, const fe *g);            /* 1 if f == g mod p */
void fe_cneg(fe *h, const fe *f, uint64_t b);      /* h = b ? -f : f */
void fe_abs(fe *h, const fe *f);                   /* h = |f| (non-negative one) */
/* RFC 9496 SQRT_RATIO_M1: returns was_square (0/1); r = +sqrt(u/v) or
 * +sqrt(i*u/v). */
uint64_t fe_sqrt_ratio_m1(fe *r, const fe *u, const fe *v);
void fe_sqrt_ratio_pre(fe *v3, fe *x, const fe *u, const fe *v);
uint64_t fe_sqrt_ratio_post(fe *r, const fe *u, const fe *v, const fe *v3, const fe *pw);
uint64_t fe_invsqrt_post(fe *r, const fe *v, const fe *v3, const fe *pw);   /* u = 1 */

/* Curve and ristretto255 constants (tight, fully reduced). */
extern const fe FE_D, FE_D2, FE_SQRT_M1, FE_SQRT_AD_MINUS_ONE,
    FE_INVSQRT_A_MINUS_D, FE_ONE_MINUS_D_SQ, FE_D_MINUS_ONE_SQ, FE_BX, FE_BY;

#endif
