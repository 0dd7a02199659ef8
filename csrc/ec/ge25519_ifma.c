/*
 * AVX-512 IFMA backend ("ifma"): 4-way parallel field arithmetic, one point
 * per vector.  A point (X:Y:Z:T) lives in an fe4: five __m256i, limb i of
 * X, Y, Z, T in lanes 0..3 (radix 2^51).  Each group operation becomes one
 * or two lane-wise multiplications plus lane shuffles (the parallel
 * formulas of Hisil-Wong-Carter-Dawson, as used by curve25519-dalek's
 * vector backends; this is our own code).
 *
 * IFMA multiplies the low 52 bits of each lane: every multiplication input
 * must have limbs < 2^52.  Bounds:
 *   fe4_mul / fe4_sq output: limbs < 2^51 + 2^15   ("tight4")
 *   fe4_addsub output (after its carry): limbs < 2^51 + 2^8
 * so every value fed to a multiplication is < 2^52.
 *
 * Constant time: the same instruction stream for every input; selections
 * use vector compares and masks.  valgrind cannot execute IFMA, so the
 * ctgrind target checks the portable backend; this file's argument is that
 * it has no data-dependent branches or indices (the scalar recoding and
 * loop structure are shared with the portable code), plus a timing test.
 *
 * Compiled with function-level target attributes only; chosen at run time
 * by n3_ec_init() (N3_FORCE_FIELD=ref|ifma overrides).
 */
#include <string.h>
#include "n3.h"
#include "cpu.h"
#include "ge.h"
#include "sc.h"

#if N3_HAVE_X86_SIMD
#include <immintrin.h>

#define IFMA __attribute__((target("avx2,avx512f,avx512vl,avx512ifma"))) static inline
#define IFMA_EXT __attribute__((target("avx2,avx512f,avx512vl,avx512ifma")))

typedef struct { __m256i v[5]; } fe4;

#define M51 ((uint64_t)0x7ffffffffffffULL)

IFMA __m256i bc64(uint64_t x) { return _mm256_set1_epi64x((long long)x); }
IFMA __m256i mul19(__m256i x) {
    return _mm256_add_epi64(x, _mm256_add_epi64(_mm256_slli_epi64(x, 1), _mm256_slli_epi64(x, 4)));
}

/* One parallel carry round: limbs < 2^62 -> limbs < 2^51 + 19 * 2^11. */
IFMA void fe4_carry(fe4 *h) {
    const __m256i m = bc64(M51);
    __m256i c[5];
    for (int i = 0; i < 5; i++) c[i] = _mm256_srli_epi64(h->v[i], 51);
    h->v[0] = _mm256_add_epi64(_mm256_and_si256(h->v[0], m), mul19(c[4]));
    for (int i = 1; i < 5; i++) h->v[i] = _mm256_add_epi64(_mm256_and_si256(h->v[i], m), c[i - 1]);
}

/* Lane-wise h = f g.  Inputs < 2^52 per limb; output tight4.
 * Column k collects lo52(f_i g_j) (weight 2^51k) and hi52(f_i g_j) of
 * column k-1 (weight 2^(51(k-1)+52) = 2 * 2^51k).  Columns are < 15 * 2^52;
 * folding k >= 5 times 19 keeps them < 2^61; one carry round finishes. */
IFMA void fe4_mul(fe4 *h, const fe4 *f, const fe4 *g) {
    __m256i L[9], H[9];
    for (int k = 0; k < 9; k++) { L[k] = _mm256_setzero_si256(); H[k] = _mm256_setzero_si256(); }
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            L[i + j] = _mm256_madd52lo_epu64(L[i + j], f->v[i], g->v[j]);
            H[i + j] = _mm256_madd52hi_epu64(H[i + j], f->v[i], g->v[j]);
        }
    __m256i z[10];
    z[0] = L[0];
    for (int k = 1; k < 9; k++) z[k] = _mm256_add_epi64(L[k], _mm256_add_epi64(H[k - 1], H[k - 1]));
    z[9] = _mm256_add_epi64(H[8], H[8]);
    for (int k = 0; k < 5; k++) h->v[k] = _mm256_add_epi64(z[k], mul19(z[k + 5]));
    fe4_carry(h);
}

/* Lane-wise h = f^2: cross products once, doubled, plus the squares. */
IFMA void fe4_sq(fe4 *h, const fe4 *f) {
    __m256i L[9], H[9];
    for (int k = 0; k < 9; k++) { L[k] = _mm256_setzero_si256(); H[k] = _mm256_setzero_si256(); }
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++) {
            L[i + j] = _mm256_madd52lo_epu64(L[i + j], f->v[i], f->v[j]);
            H[i + j] = _mm256_madd52hi_epu64(H[i + j], f->v[i], f->v[j]);
        }
    for (int k = 0; k < 9; k++) { L[k] = _mm256_add_epi64(L[k], L[k]); H[k] = _mm256_add_epi64(H[k], H[k]); }
    for (int i = 0; i < 5; i++) {
        L[2 * i] = _mm256_madd52lo_epu64(L[2 * i], f->v[i], f->v[i]);
        H[2 * i] = _mm256_madd52hi_epu64(H[2 * i], f->v[i], f->v[i]);
    }
    __m256i z[10];
    z[0] = L[0];
    for (int k = 1; k < 9; k++) z[k] = _mm256_add_epi64(L[k], _mm256_add_epi64(H[k - 1], H[k - 1]));
    z[9] = _mm256_add_epi64(H[8], H[8]);
    for (int k = 0; k < 5; k++) h->v[k] = _mm256_add_epi64(z[k], mul19(z[k + 5]));
    fe4_carry(h);
}

/* h = a + b + 4p - c, carried.  a, b, c limbs < 2^53 - 76; output < 2^51 + 2^8. */
IFMA void fe4_addsub(fe4 *h, const fe4 *a, const fe4 *b, const fe4 *c) {
    const __m256i p0 = bc64(4 * ((1ULL << 51) - 19)), pi = bc64(4 * ((1ULL << 51) - 1));
    for (int i = 0; i < 5; i++)
        h->v[i] = _mm256_sub_epi64(
            _mm256_add_epi64(_mm256_add_epi64(a->v[i], b->v[i]), i ? pi : p0), c->v[i]);
    fe4_carry(h);
}

#define FE4_PERM(r, x, imm) do { for (int _i = 0; _i < 5; _i++) (r)->v[_i] = _mm256_permute4x64_epi64((x)->v[_i], (imm)); } while (0)
/* keep lanes whose bit is set in `lanes` (bit k = lane k), zero the rest */
#define LANES(l) ((((l) & 1) ? 0x03 : 0) | (((l) & 2) ? 0x0c : 0) | (((l) & 4) ? 0x30 : 0) | (((l) & 8) ? 0xc0 : 0))
#define FE4_KEEP(r, x, l) do { for (int _i = 0; _i < 5; _i++) (r)->v[_i] = _mm256_blend_epi32(_mm256_setzero_si256(), (x)->v[_i], LANES(l)); } while (0)
#define SH(a, b, c, d) _MM_SHUFFLE(d, c, b, a)   /* result lanes (x[a], x[b], x[c], x[d]) */

IFMA void fe4_zero(fe4 *h) { for (int i = 0; i < 5; i++) h->v[i] = _mm256_setzero_si256(); }

IFMA void fe4_pack(fe4 *h, const fe *x, const fe *y, const fe *z, const fe *t) {
    for (int i = 0; i < 5; i++)
        h->v[i] = _mm256_set_epi64x((long long)t->v[i], (long long)z->v[i], (long long)y->v[i], (long long)x->v[i]);
}

IFMA void fe4_unpack(fe *x, fe *y, fe *z, fe *t, const fe4 *h) {
    uint64_t tmp[4];
    for (int i = 0; i < 5; i++) {
        _mm256_storeu_si256((__m256i *)tmp, h->v[i]);
        x->v[i] = tmp[0]; y->v[i] = tmp[1]; z->v[i] = tmp[2]; t->v[i] = tmp[3];
    }
    ec_wipe(tmp, sizeof tmp);
}

/* ---- 4-way group law ----------------------------------------------------
 * ge4: lanes (X, Y, Z, T).  cached4: lanes (Y-X, Y+X, 2Z, 2dT). */

/* r = 2P: one squaring and one multiplication (see ge_p2_dbl for E, F', G,
 * H'; the output is (E F', G H', F' G, E H')). */
IFMA void ge4_dbl(fe4 *r, const fe4 *p) {
    fe4 u, v, w, q, a, b, c, t;
    FE4_PERM(&u, p, SH(0, 1, 2, 0));              /* (X, Y, Z, X) */
    FE4_PERM(&t, p, SH(1, 1, 1, 1));
    FE4_KEEP(&v, &t, 8);                          /* (0, 0, 0, Y) */
    fe4_zero(&t);
    fe4_addsub(&w, &u, &v, &t);                   /* (X, Y, Z, X+Y) */
    fe4_sq(&q, &w);                               /* (A, B, C', S) */
    FE4_KEEP(&t, &q, 4);
    for (int i = 0; i < 5; i++) a.v[i] = _mm256_add_epi64(q.v[i], t.v[i]);   /* (A, B, 2C', S) */
    FE4_PERM(&t, &q, SH(1, 0, 0, 0));
    FE4_KEEP(&b, &t, 5);                          /* (B, 0, A, 0) */
    FE4_PERM(&t, &q, SH(0, 0, 1, 0));
    FE4_KEEP(&c, &t, 14);                         /* (0, A, B, A) */
    FE4_PERM(&t, &q, SH(1, 1, 1, 1));
    FE4_KEEP(&u, &t, 8);                          /* (0, 0, 0, B) */
    for (int i = 0; i < 5; i++) c.v[i] = _mm256_add_epi64(c.v[i], u.v[i]);   /* (0, A, B, A+B) */
    fe4_addsub(&w, &a, &b, &c);                   /* (H', G, F', E) */
    FE4_PERM(&u, &w, SH(3, 1, 2, 3));             /* (E, G, F', E) */
    FE4_PERM(&v, &w, SH(2, 0, 1, 0));             /* (F', H', G, H') */
    fe4_mul(r, &u, &v);
}

/* (Y - X, Y + X, Z, T) of a ge4. */
IFMA void ge4_ymx_ypx(fe4 *s, const fe4 *p) {
    fe4 a, x, b, c;
    FE4_PERM(&a, p, SH(1, 1, 2, 3));              /* (Y, Y, Z, T) */
    FE4_PERM(&x, p, SH(0, 0, 0, 0));
    FE4_KEEP(&b, &x, 2);                          /* (0, X, 0, 0) */
    FE4_KEEP(&c, &x, 1);                          /* (X, 0, 0, 0) */
    fe4_addsub(s, &a, &b, &c);
}

/* r = P + Q, Q cached4: two multiplications. */
IFMA void ge4_add(fe4 *r, const fe4 *p, const fe4 *q) {
    fe4 s, m, a, t, b, c;
    ge4_ymx_ypx(&s, p);
    fe4_mul(&m, &s, q);                           /* (A, B, D, C) */
    FE4_PERM(&a, &m, SH(1, 2, 2, 1));             /* (B, D, D, B) */
    FE4_PERM(&t, &m, SH(0, 3, 3, 0));             /* (A, C, C, A) */
    FE4_KEEP(&b, &t, 12);
    FE4_KEEP(&c, &t, 3);
    fe4_addsub(&s, &a, &b, &c);                   /* (E, F, G, H) */
    FE4_PERM(&a, &s, SH(0, 2, 1, 0));             /* (E, G, F, E) */
    FE4_PERM(&b, &s, SH(1, 3, 2, 3));             /* (F, H, G, H) */
    fe4_mul(r, &a, &b);
}

/* Lanes (1, 1, 2, 2d) as an fe4 (constants fully reduced). */
IFMA void fe4_cached_consts(fe4 *k) {
    fe one, two;
    fe_1(&one); fe_0(&two); two.v[0] = 2;
    fe4_pack(k, &one, &one, &two, &FE_D2);
}

IFMA void ge4_to_cached(fe4 *c, const fe4 *p, const fe4 *k) {
    fe4 s;
    ge4_ymx_ypx(&s, p);
    fe4_mul(c, &s, k);
}

/* Cached identity (1, 1, 2, 0). */
IFMA void cached4_0(fe4 *c) {
    fe4_zero(c);
    c->v[0] = _mm256_set_epi64x(0, 2, 1, 1);
}

/* -Q for cached4: (Y+X, Y-X, 2Z, -2dT).  Lane 3 becomes 2p - 2dT with no
 * carry: Q's limbs are tight (< 2^51 + 2^18 < 2p's limbs), so the result is
 * positive and below 2^52, a valid multiplication input. */
IFMA void cached4_neg(fe4 *r, const fe4 *q) {
    const __m256i p0 = bc64(2 * ((1ULL << 51) - 19)), pi = bc64(2 * ((1ULL << 51) - 1));
    for (int i = 0; i < 5; i++) {
        const __m256i t = _mm256_permute4x64_epi64(q->v[i], SH(1, 0, 2, 3));
        const __m256i n = _mm256_sub_epi64(i ? pi : p0, t);
        r->v[i] = _mm256_blend_epi32(t, n, LANES(8));
    }
}

/* Constant-time t = b * P from 8 cached4 entries (b in [-8, 8]). */
IFMA void cached4_select(fe4 *t, const fe4 tab[8], int8_t b) {
    const uint8_t bneg = (uint8_t)b >> 7;
    const uint8_t babs = (uint8_t)(b - 2 * ((-(int)bneg) & b));
    const __m256i vb = bc64(babs);
    fe4 n;
    cached4_0(t);
    for (int j = 0; j < 8; j++) {
        const __m256i m = _mm256_cmpeq_epi64(vb, bc64((uint64_t)(j + 1)));
        for (int i = 0; i < 5; i++) t->v[i] = _mm256_blendv_epi8(t->v[i], tab[j].v[i], m);
    }
    cached4_neg(&n, t);
    const __m256i mn = bc64((uint64_t)0 - bneg);
    for (int i = 0; i < 5; i++) t->v[i] = _mm256_blendv_epi8(t->v[i], n.v[i], mn);
}

IFMA void ge4_table_build(fe4 tab[8], const ge_p3 *p) {
    fe4 k, P, Q, P2;
    fe4_cached_consts(&k);
    fe4_pack(&P, &p->X, &p->Y, &p->Z, &p->T);
    ge4_to_cached(&tab[0], &P, &k);
    ge4_dbl(&P2, &P);
    ge4_to_cached(&tab[1], &P2, &k);
    Q = P2;
    for (int j = 2; j < 8; j++) {
        ge4_add(&Q, &Q, &tab[0]);
        ge4_to_cached(&tab[j], &Q, &k);
    }
    ec_wipe(&P, sizeof P); ec_wipe(&Q, sizeof Q); ec_wipe(&P2, sizeof P2);
}

IFMA void ge4_scalarmult_table(ge_p3 *r, const uint8_t a[32], const fe4 tab[8]) {
    int8_t e[64];
    fe4 acc, t;
    fe one, zero;
    fe_1(&one); fe_0(&zero);
    sc_recode16(e, a);
    fe4_pack(&acc, &zero, &one, &one, &zero);     /* identity (0, 1, 1, 0) */
    cached4_select(&t, tab, e[63]);
    ge4_add(&acc, &acc, &t);
    for (int i = 62; i >= 0; i--) {
        ge4_dbl(&acc, &acc);
        ge4_dbl(&acc, &acc);
        ge4_dbl(&acc, &acc);
        ge4_dbl(&acc, &acc);
        cached4_select(&t, tab, e[i]);
        ge4_add(&acc, &acc, &t);
    }
    fe4_unpack(&r->X, &r->Y, &r->Z, &r->T, &acc);
    ec_wipe(e, sizeof e); ec_wipe(&acc, sizeof acc); ec_wipe(&t, sizeof t);
}

IFMA_EXT void ge_scalarmult_ifma(ge_p3 *r, const uint8_t a[32], const ge_p3 *p) {
    fe4 tab[8];
    ge4_table_build(tab, p);
    ge4_scalarmult_table(r, a, tab);
    ec_wipe(tab, sizeof tab);
}

/* Two scalars, one table: the two chains of doublings are independent, so
 * running them interleaved lets the out-of-order core overlap their
 * latencies. */
IFMA void ge4_scalarmult_table2(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                                const fe4 tab[8]) {
    int8_t e1[64], e2[64];
    fe4 acc1, acc2, t1, t2;
    fe one, zero;
    fe_1(&one); fe_0(&zero);
    sc_recode16(e1, a1);
    sc_recode16(e2, a2);
    fe4_pack(&acc1, &zero, &one, &one, &zero);
    acc2 = acc1;
    cached4_select(&t1, tab, e1[63]);
    cached4_select(&t2, tab, e2[63]);
    ge4_add(&acc1, &acc1, &t1);
    ge4_add(&acc2, &acc2, &t2);
    for (int i = 62; i >= 0; i--) {
        for (int k = 0; k < 4; k++) {
            ge4_dbl(&acc1, &acc1);
            ge4_dbl(&acc2, &acc2);
        }
        cached4_select(&t1, tab, e1[i]);
        cached4_select(&t2, tab, e2[i]);
        ge4_add(&acc1, &acc1, &t1);
        ge4_add(&acc2, &acc2, &t2);
    }
    fe4_unpack(&r1->X, &r1->Y, &r1->Z, &r1->T, &acc1);
    fe4_unpack(&r2->X, &r2->Y, &r2->Z, &r2->T, &acc2);
    ec_wipe(e1, sizeof e1); ec_wipe(e2, sizeof e2); ec_wipe(&acc1, sizeof acc1);
    ec_wipe(&acc2, sizeof acc2); ec_wipe(&t1, sizeof t1); ec_wipe(&t2, sizeof t2);
}

IFMA_EXT void ge_scalarmult2_ifma(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                                  const ge_p3 *p) {
    fe4 tab[8];
    ge4_table_build(tab, p);
    ge4_scalarmult_table2(r1, r2, a1, a2, tab);
    ec_wipe(tab, sizeof tab);
}

IFMA void fe4_loadm(fe4 *r, const ge_niels4 *m) {
    for (int i = 0; i < 5; i++) r->v[i] = _mm256_loadu_si256((const __m256i *)m->v[i]);
}

/* Constant-time t = b * (row entry) from 8 lane-layout entries. */
IFMA void niels4_select(fe4 *t, const ge_niels4 row[8], int8_t b) {
    const uint8_t bneg = (uint8_t)b >> 7;
    const uint8_t babs = (uint8_t)(b - 2 * ((-(int)bneg) & b));
    const __m256i vb = bc64(babs);
    fe4 n;
    cached4_0(t);                                 /* (1, 1, 2, 0): the identity */
    for (int j = 0; j < 8; j++) {
        const __m256i m = _mm256_cmpeq_epi64(vb, bc64((uint64_t)(j + 1)));
        for (int i = 0; i < 5; i++)
            t->v[i] = _mm256_blendv_epi8(t->v[i], _mm256_loadu_si256((const __m256i *)row[j].v[i]), m);
    }
    cached4_neg(&n, t);
    const __m256i mn = bc64((uint64_t)0 - bneg);
    for (int i = 0; i < 5; i++) t->v[i] = _mm256_blendv_epi8(t->v[i], n.v[i], mn);
}

IFMA_EXT void ge_scalarmult_fixed_ifma(ge_p3 *r, const uint8_t a[32], const ge_fixed_table *tab) {
    int8_t e[64];
    fe4 acc0, acc1, t0, t1, k;
    fe one, zero;
    fe_1(&one); fe_0(&zero);
    sc_recode16(e, a);
    fe4_pack(&acc0, &zero, &one, &one, &zero);
    acc1 = acc0;
    /* Two independent accumulators (even and odd rows) so the two chains of
     * additions overlap in the out-of-order core; one addition joins them. */
    for (int i = 0; i < GE_FB_ROWS; i += 2) {
        niels4_select(&t0, tab->row[i], e[i]);
        niels4_select(&t1, tab->row[i + 1], e[i + 1]);
        ge4_add(&acc0, &acc0, &t0);
        ge4_add(&acc1, &acc1, &t1);
    }
    fe4_cached_consts(&k);
    ge4_to_cached(&t1, &acc1, &k);
    ge4_add(&acc0, &acc0, &t1);
    fe4_unpack(&r->X, &r->Y, &r->Z, &r->T, &acc0);
    ec_wipe(e, sizeof e); ec_wipe(&acc0, sizeof acc0); ec_wipe(&acc1, sizeof acc1);
    ec_wipe(&t0, sizeof t0); ec_wipe(&t1, sizeof t1);
}

/* Variable time, public inputs only: a B + b P by interleaved wNAF. */
IFMA_EXT void ge_double_scalarmult_base_vartime_ifma(ge_p3 *r, const uint8_t a[32], const uint8_t b[32],
                                                     const ge_p3 *p) {
    int8_t na[256], nb[256];
    fe4 pt[8], k, P, P2, Q, acc, t;
    int i;
    sc_wnaf_vartime(na, a, 8);
    sc_wnaf_vartime(nb, b, 5);
    fe4_cached_consts(&k);
    fe4_pack(&P, &p->X, &p->Y, &p->Z, &p->T);
    ge4_to_cached(&pt[0], &P, &k);
    ge4_dbl(&P2, &P);
    Q = P;
    for (int j = 1; j < 8; j++) {
        fe4 c2;
        ge4_to_cached(&c2, &P2, &k);
        ge4_add(&Q, &Q, &c2);
        ge4_to_cached(&pt[j], &Q, &k);
    }
    for (i = 255; i >= 0 && !na[i] && !nb[i]; i--) {}
    fe one, zero;
    fe_1(&one); fe_0(&zero);
    fe4_pack(&acc, &zero, &one, &one, &zero);
    for (; i >= 0; i--) {
        ge4_dbl(&acc, &acc);
        if (na[i]) {
            fe4_loadm(&t, &ge_base_odd_multiples4[(na[i] > 0 ? na[i] : -na[i]) / 2]);
            if (na[i] < 0) cached4_neg(&t, &t);
            ge4_add(&acc, &acc, &t);
        }
        if (nb[i]) {
            if (nb[i] > 0) ge4_add(&acc, &acc, &pt[nb[i] / 2]);
            else { cached4_neg(&t, &pt[(-nb[i]) / 2]); ge4_add(&acc, &acc, &t); }
        }
    }
    fe4_unpack(&r->X, &r->Y, &r->Z, &r->T, &acc);
}

IFMA void fe4_sqn(fe4 *h, const fe4 *f, int n) {
    fe4_sq(h, f);
    while (--n > 0) fe4_sq(h, h);
}

/* Four independent z^((p-5)/8), one per lane (same chain as fe_pow22523). */
IFMA_EXT void fe_pow22523_x4_ifma(fe out[4], const fe in[4]) {
    fe4 z, t0, t1, t2, z9, z11;
    fe4_pack(&z, &in[0], &in[1], &in[2], &in[3]);
    fe4_sq(&t0, &z);
    fe4_sqn(&t1, &t0, 2);
    fe4_mul(&z9, &t1, &z);
    fe4_mul(&z11, &z9, &t0);
    fe4_sq(&t0, &z11);
    fe4_mul(&t0, &t0, &z9);           /* 2^5 - 1 */
    fe4_sqn(&t1, &t0, 5);
    fe4_mul(&t0, &t1, &t0);           /* 2^10 - 1 */
    fe4_sqn(&t1, &t0, 10);
    fe4_mul(&t1, &t1, &t0);           /* 2^20 - 1 */
    fe4_sqn(&t2, &t1, 20);
    fe4_mul(&t1, &t2, &t1);           /* 2^40 - 1 */
    fe4_sqn(&t1, &t1, 10);
    fe4_mul(&t0, &t1, &t0);           /* 2^50 - 1 */
    fe4_sqn(&t1, &t0, 50);
    fe4_mul(&t1, &t1, &t0);           /* 2^100 - 1 */
    fe4_sqn(&t2, &t1, 100);
    fe4_mul(&t1, &t2, &t1);           /* 2^200 - 1 */
    fe4_sqn(&t1, &t1, 50);
    fe4_mul(&t1, &t1, &t0);           /* 2^250 - 1 */
    fe4_sqn(&t1, &t1, 2);
    fe4_mul(&t1, &t1, &z);            /* 2^252 - 3 */
    fe4_unpack(&out[0], &out[1], &out[2], &out[3], &t1);
    ec_wipe(&z, sizeof z); ec_wipe(&t0, sizeof t0); ec_wipe(&t1, sizeof t1);
    ec_wipe(&t2, sizeof t2); ec_wipe(&z9, sizeof z9); ec_wipe(&z11, sizeof z11);
}

/* Eight independent z^((p-5)/8): two 4-lane chains interleaved so one
 * fills the other's multiplication latency (same chain as fe_pow22523). */
IFMA void fe4x2_sqn(fe4 *ha, fe4 *hb, const fe4 *fa, const fe4 *fb, int n) {
    fe4_sq(ha, fa); fe4_sq(hb, fb);
    while (--n > 0) { fe4_sq(ha, ha); fe4_sq(hb, hb); }
}
IFMA void fe4_pow22523_2(fe4 out[2], const fe4 z[2]) {
    fe4 t0[2], t1[2], t2[2], z9[2], z11[2];
#define BOTH(stmt) do { for (int k_ = 0; k_ < 2; k_++) { const int k = k_; stmt; } } while (0)
    BOTH(fe4_sq(&t0[k], &z[k]));
    fe4x2_sqn(&t1[0], &t1[1], &t0[0], &t0[1], 2);
    BOTH(fe4_mul(&z9[k], &t1[k], &z[k]));
    BOTH(fe4_mul(&z11[k], &z9[k], &t0[k]));
    BOTH(fe4_sq(&t0[k], &z11[k]));
    BOTH(fe4_mul(&t0[k], &t0[k], &z9[k]));          /* 2^5 - 1 */
    fe4x2_sqn(&t1[0], &t1[1], &t0[0], &t0[1], 5);
    BOTH(fe4_mul(&t0[k], &t1[k], &t0[k]));          /* 2^10 - 1 */
    fe4x2_sqn(&t1[0], &t1[1], &t0[0], &t0[1], 10);
    BOTH(fe4_mul(&t1[k], &t1[k], &t0[k]));          /* 2^20 - 1 */
    fe4x2_sqn(&t2[0], &t2[1], &t1[0], &t1[1], 20);
    BOTH(fe4_mul(&t1[k], &t2[k], &t1[k]));          /* 2^40 - 1 */
    fe4x2_sqn(&t1[0], &t1[1], &t1[0], &t1[1], 10);
    BOTH(fe4_mul(&t0[k], &t1[k], &t0[k]));          /* 2^50 - 1 */
    fe4x2_sqn(&t1[0], &t1[1], &t0[0], &t0[1], 50);
    BOTH(fe4_mul(&t1[k], &t1[k], &t0[k]));          /* 2^100 - 1 */
    fe4x2_sqn(&t2[0], &t2[1], &t1[0], &t1[1], 100);
    BOTH(fe4_mul(&t1[k], &t2[k], &t1[k]));          /* 2^200 - 1 */
    fe4x2_sqn(&t1[0], &t1[1], &t1[0], &t1[1], 50);
    BOTH(fe4_mul(&t1[k], &t1[k], &t0[k]));          /* 2^250 - 1 */
    fe4x2_sqn(&t1[0], &t1[1], &t1[0], &t1[1], 2);
    BOTH(fe4_mul(&t1[k], &t1[k], &z[k]));           /* 2^252 - 3 */
#undef BOTH
    out[0] = t1[0];
    out[1] = t1[1];
}

IFMA_EXT void fe_pow22523_x8_ifma(fe out[8], const fe in[8]) {
    fe4 z[2], r[2];
    fe4_pack(&z[0], &in[0], &in[1], &in[2], &in[3]);
    fe4_pack(&z[1], &in[4], &in[5], &in[6], &in[7]);
    fe4_pow22523_2(r, z);
    fe4_unpack(&out[0], &out[1], &out[2], &out[3], &r[0]);
    fe4_unpack(&out[4], &out[5], &out[6], &out[7], &r[1]);
}

/* ---- batch decoding (public data: multiscalar inputs) -------------------
 * RFC 9496 DECODE of eight encodings, the field arithmetic of four points per
 * vector (two vectors), the exponentiations interleaved; only the checks
 * that need a canonical form (canonical input, IS_NEGATIVE, zero tests,
 * SQRT_RATIO_M1's comparisons) run per lane in scalar code.  Returns a
 * bitmask of the invalid encodings (their outputs are zeroed). */
IFMA void fe4_select_lanes(fe4 *r, const fe4 *a, const fe4 *b, const uint64_t m[4]) {
    const __m256i mm = _mm256_loadu_si256((const __m256i *)m);   /* lane k: m[k] ? b : a */
    for (int i = 0; i < 5; i++) r->v[i] = _mm256_blendv_epi8(a->v[i], b->v[i], mm);
}

/* r = |a| per lane (lanes with an odd canonical form are negated). */
IFMA void fe4_abs(fe4 *r, const fe4 *a) {
    fe lane[4];
    fe4 n, z;
    uint64_t m[4];
    fe4_unpack(&lane[0], &lane[1], &lane[2], &lane[3], a);
    for (int k = 0; k < 4; k++) m[k] = (uint64_t)0 - (uint64_t)fe_isnegative(&lane[k]);
    fe4_zero(&z);
    fe4_addsub(&n, &z, &z, a);
    fe4_select_lanes(r, a, &n, m);
}

IFMA_EXT unsigned ge_decode8_ifma(ge_p3 out[8], const uint8_t *const enc[8]) {
    static const uint8_t ONE_B[32] = {1};
    static const uint8_t MINUS_ONE_B[32] = {
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    static const uint8_t MINUS_SQRT_M1_B[32] = {
        0x3d, 0x5f, 0xf1, 0xb5, 0xd8, 0xe4, 0x11, 0x3b, 0x87, 0x1b, 0xd0, 0x52, 0xf9, 0xe7, 0xbc, 0xd0,
        0x58, 0x28, 0x04, 0xc2, 0x66, 0xff, 0xb2, 0xd4, 0xf4, 0x20, 0x3e, 0xb0, 0x7f, 0xdb, 0x7c, 0x54};
    fe sc[8], one;
    uint64_t bad[8];
    uint8_t cb[32];
    fe4 S[2], U1[2], U2[2], U2SQ[2], V[2], T[2], V3[2], X[2], PW[2], R[2], t[2], zero, one4, d4, i4;
    fe_1(&one);
    fe4_zero(&zero);
    fe4_pack(&one4, &one, &one, &one, &one);
    fe4_pack(&d4, &FE_D, &FE_D, &FE_D, &FE_D);
    fe4_pack(&i4, &FE_SQRT_M1, &FE_SQRT_M1, &FE_SQRT_M1, &FE_SQRT_M1);
    for (int k = 0; k < 8; k++) {
        fe_frombytes(&sc[k], enc[k]);
        fe_tobytes(cb, &sc[k]);
        bad[k] = (uint64_t)(memcmp(cb, enc[k], 32) != 0) | (enc[k][0] & 1);
    }
    for (int g = 0; g < 2; g++) {
        fe4_pack(&S[g], &sc[4 * g], &sc[4 * g + 1], &sc[4 * g + 2], &sc[4 * g + 3]);
        fe4_sq(&t[g], &S[g]);                                  /* s^2 */
        fe4_addsub(&U1[g], &one4, &zero, &t[g]);               /* u1 = 1 - s^2 */
        fe4_addsub(&U2[g], &one4, &t[g], &zero);               /* u2 = 1 + s^2 */
        fe4_sq(&U2SQ[g], &U2[g]);
        fe4_sq(&t[g], &U1[g]);
        fe4_mul(&t[g], &t[g], &d4);                            /* D u1^2 */
        for (int i = 0; i < 5; i++) t[g].v[i] = _mm256_add_epi64(t[g].v[i], U2SQ[g].v[i]);
        fe4_addsub(&V[g], &zero, &zero, &t[g]);                /* v = -(D u1^2) - u2^2 */
        fe4_mul(&T[g], &V[g], &U2SQ[g]);                       /* SQRT_RATIO_M1(1, v u2^2) */
        fe4_sq(&t[g], &T[g]);
        fe4_mul(&V3[g], &t[g], &T[g]);                         /* T^3 */
        fe4_sq(&t[g], &V3[g]);
        fe4_mul(&X[g], &t[g], &T[g]);                          /* T^7 */
    }
    fe4_pow22523_2(PW, X);
    unsigned mask = 0;
    for (int g = 0; g < 2; g++) {
        fe lane[4], xl[4], yl[4], tl[4];
        uint64_t flip[4], was_square[4];
        fe4_mul(&R[g], &PW[g], &V3[g]);                        /* r = T^3 (T^7)^((p-5)/8) */
        fe4_sq(&t[g], &R[g]);
        fe4_mul(&t[g], &t[g], &T[g]);                          /* check = T r^2 */
        fe4_unpack(&lane[0], &lane[1], &lane[2], &lane[3], &t[g]);
        for (int k = 0; k < 4; k++) {
            fe_tobytes(cb, &lane[k]);
            const uint64_t c = memcmp(cb, ONE_B, 32) == 0, f = memcmp(cb, MINUS_ONE_B, 32) == 0,
                           fi = memcmp(cb, MINUS_SQRT_M1_B, 32) == 0;
            was_square[k] = c | f;
            flip[k] = (uint64_t)0 - (f | fi);
        }
        fe4_mul(&t[g], &R[g], &i4);
        fe4_select_lanes(&R[g], &R[g], &t[g], flip);
        fe4_abs(&R[g], &R[g]);                                 /* invsqrt */
        fe4 denx, deny, xx, yy, tt;
        fe4_mul(&denx, &R[g], &U2[g]);
        fe4_mul(&deny, &R[g], &denx);
        fe4_mul(&deny, &deny, &V[g]);
        fe4_addsub(&xx, &S[g], &S[g], &zero);                  /* 2 s */
        fe4_mul(&xx, &xx, &denx);
        fe4_abs(&xx, &xx);                                     /* x = |2 s den_x| */
        fe4_mul(&yy, &U1[g], &deny);                           /* y = u1 den_y */
        fe4_mul(&tt, &xx, &yy);
        fe4_unpack(&xl[0], &xl[1], &xl[2], &xl[3], &xx);
        fe4_unpack(&yl[0], &yl[1], &yl[2], &yl[3], &yy);
        fe4_unpack(&tl[0], &tl[1], &tl[2], &tl[3], &tt);
        for (int k = 0; k < 4; k++) {
            const int idx = 4 * g + k;
            uint64_t b = bad[idx] | (1 ^ was_square[k]);
            b |= (uint64_t)fe_isnegative(&tl[k]);
            b |= (uint64_t)fe_iszero(&yl[k]);
            if (b) {
                memset(&out[idx], 0, sizeof out[idx]);
                mask |= 1u << idx;
            } else {
                out[idx].X = xl[k]; out[idx].Y = yl[k]; fe_1(&out[idx].Z); out[idx].T = tl[k];
            }
        }
    }
    return mask;
}

/* Pippenger, variable time.  buckets: 2^(w-1) fe4, 32-byte aligned. */
IFMA_EXT void ge_pippenger_ifma(ge_p3 *r, const ge_niels4 *pts, const int16_t *digits, size_t n,
                                int w, size_t nwin, void *buckets_mem) {
    fe4 *buckets = (fe4 *)buckets_mem;
    const size_t nb = (size_t)1 << (w - 1);
    fe4 k, acc, run, sum, t, id;
    fe one, zero;
    fe_1(&one); fe_0(&zero);
    fe4_pack(&id, &zero, &one, &one, &zero);
    fe4_cached_consts(&k);
    acc = id;
    for (size_t win = nwin; win-- > 0;) {
        if (win + 1 < nwin)
            for (int j = 0; j < w; j++) ge4_dbl(&acc, &acc);
        for (size_t b = 0; b < nb; b++) buckets[b] = id;
        for (size_t i = 0; i < n; i++) {
            const int d = digits[i * nwin + win];
            if (!d) continue;
            fe4_loadm(&t, &pts[i]);
            if (d > 0) ge4_add(&buckets[d - 1], &buckets[d - 1], &t);
            else { cached4_neg(&t, &t); ge4_add(&buckets[-d - 1], &buckets[-d - 1], &t); }
        }
        /* sum_b (b+1) bucket[b] by running sums from the top. */
        run = buckets[nb - 1];
        sum = run;
        for (size_t b = nb - 1; b-- > 0;) {
            ge4_to_cached(&t, &buckets[b], &k);
            ge4_add(&run, &run, &t);
            ge4_to_cached(&t, &run, &k);
            ge4_add(&sum, &sum, &t);
        }
        ge4_to_cached(&t, &sum, &k);
        ge4_add(&acc, &acc, &t);
    }
    fe4_unpack(&r->X, &r->Y, &r->Z, &r->T, &acc);
}

/* Straus, variable time: nafs are width-5 NAFs (256 per point); tabs holds
 * 8 fe4 per point (32-byte aligned scratch). */
IFMA_EXT void ge_straus_ifma(ge_p3 *r, const ge_p3 *pts, const int8_t *nafs, size_t n, void *tabs_mem) {
    fe4 *tabs = (fe4 *)tabs_mem;
    fe4 k, P, P2, Q, c2, acc, t;
    fe one, zero;
    int i;
    fe_1(&one); fe_0(&zero);
    fe4_cached_consts(&k);
    for (size_t j = 0; j < n; j++) {
        fe4_pack(&P, &pts[j].X, &pts[j].Y, &pts[j].Z, &pts[j].T);
        ge4_to_cached(&tabs[8 * j], &P, &k);
        ge4_dbl(&P2, &P);
        ge4_to_cached(&c2, &P2, &k);
        Q = P;
        for (int m = 1; m < 8; m++) {
            ge4_add(&Q, &Q, &c2);
            ge4_to_cached(&tabs[8 * j + m], &Q, &k);
        }
    }
    for (i = 255; i >= 0; i--) {
        size_t j;
        for (j = 0; j < n && !nafs[256 * j + i]; j++) {}
        if (j < n) break;
    }
    fe4_pack(&acc, &zero, &one, &one, &zero);
    for (; i >= 0; i--) {
        ge4_dbl(&acc, &acc);
        for (size_t j = 0; j < n; j++) {
            const int8_t d = nafs[256 * j + i];
            if (!d) continue;
            if (d > 0) ge4_add(&acc, &acc, &tabs[8 * j + d / 2]);
            else { cached4_neg(&t, &tabs[8 * j + (-d) / 2]); ge4_add(&acc, &acc, &t); }
        }
    }
    fe4_unpack(&r->X, &r->Y, &r->Z, &r->T, &acc);
}

int ge_ifma_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512ifma");
}

#else /* no x86 SIMD in this build */

void ge_scalarmult_ifma(ge_p3 *r, const uint8_t a[32], const ge_p3 *p) { ge_scalarmult_ref(r, a, p); }
void ge_scalarmult2_ifma(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                         const ge_p3 *p) { ge_scalarmult2_ref(r1, r2, a1, a2, p); }
void ge_scalarmult_fixed_ifma(ge_p3 *r, const uint8_t a[32], const ge_fixed_table *tab) {
    ge_scalarmult_fixed_ref(r, a, tab);
}
void ge_double_scalarmult_base_vartime_ifma(ge_p3 *r, const uint8_t a[32], const uint8_t b[32],
                                            const ge_p3 *p) {
    ge_double_scalarmult_base_vartime(r, a, b, p);
}
void fe_pow22523_x8_ifma(fe out[8], const fe in[8]) {
    for (int k = 0; k < 8; k++) fe_pow22523(&out[k], &in[k]);
}
void fe_pow22523_x4_ifma(fe out[4], const fe in[4]) {
    for (int k = 0; k < 4; k++) fe_pow22523(&out[k], &in[k]);
}
unsigned ge_decode8_ifma(ge_p3 out[8], const uint8_t *const enc[8]) {
    unsigned mask = 0;
    for (int k = 0; k < 8; k++)
        if (ge_ristretto_decode(&out[k], enc[k])) mask |= 1u << k;
    return mask;
}
void ge_pippenger_ifma(ge_p3 *r, const ge_niels4 *pts, const int16_t *digits, size_t n, int w,
                       size_t nwin, void *buckets) {
    (void)r; (void)pts; (void)digits; (void)n; (void)w; (void)nwin; (void)buckets;
    __builtin_trap();   /* unreachable: the backend is never selected without SIMD */
}
void ge_straus_ifma(ge_p3 *r, const ge_p3 *pts, const int8_t *nafs, size_t n, void *tabs) {
    (void)r; (void)pts; (void)nafs; (void)n; (void)tabs;
    __builtin_trap();
}
int ge_ifma_available(void) { return 0; }

#endif
