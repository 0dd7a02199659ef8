/*
 * The group law on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2
 * (edwards25519), which carries ristretto255.  Representations (ref10's
 * names, explained once):
 *
 *   ge_p2     (X:Y:Z)        x = X/Z, y = Y/Z          input to doubling
 *   ge_p3     (X:Y:Z:T)      extended, also XY = ZT     input to addition
 *   ge_p1p1   (E,F,G,H)      "completed": X = EF, Y = GH, Z = FG, T = EH;
 *                            every formula ends here and then pays 3 (->p2)
 *                            or 4 (->p3) multiplications
 *   ge_cached (Y+X, Y-X, Z, 2dT)   second operand of an addition
 *   ge_niels  (y+x, y-x, 2dxy)     affine (Z = 1) cached point, for tables
 *
 * Formulas: Hisil-Wong-Carter-Dawson 2008, "add-2008-hwcd-3" and
 * "dbl-2008-hwcd" with a = -1.  They are complete on the prime-order
 * subgroup times the 8-torsion (no exceptional cases for our inputs), so the
 * identity needs no special handling, and they are branch-free.
 *
 * Bounds: coordinates of p2/p3/cached points are tight or loose (limbs
 * < 2^53, see fe.h); p1p1 fields are tight or loose.  Every function below
 * keeps that invariant, so any output may feed any input.
 */
#ifndef N3_GE_H
#define N3_GE_H

#include "fe.h"

typedef struct { fe X, Y, Z; } ge_p2;
typedef struct { fe X, Y, Z, T; } ge_p3;
typedef struct { fe E, F, G, H; } ge_p1p1;
typedef struct { fe YpX, YmX, Z, T2d; } ge_cached;
typedef struct { fe ypx, ymx, xy2d; } ge_niels;
/* A table entry in "lane" layout shared by both backends: an affine point
 * as the 4-lane cached form (y-x, y+x, 2, 2dxy), limb i of lane k at
 * v[i][k].  The IFMA backend loads it as one 4-way vector; the portable one
 * reads lanes 0, 1, 3.  Limbs are tight (< 2^51 + 2^18). */
typedef struct { uint64_t v[5][4]; } ge_niels4;

static inline void ge_p3_0(ge_p3 *h) {
    fe_0(&h->X); fe_1(&h->Y); fe_1(&h->Z); fe_0(&h->T);
}
static inline void ge_cached_0(ge_cached *h) {
    fe_1(&h->YpX); fe_1(&h->YmX); fe_1(&h->Z); fe_0(&h->T2d);
}
static inline void ge_niels_0(ge_niels *h) {
    fe_1(&h->ypx); fe_1(&h->ymx); fe_0(&h->xy2d);
}

/* p1p1 -> p2: 3M.  p1p1 -> p3: 4M.  Outputs tight. */
static inline void ge_p1p1_to_p2(ge_p2 *r, const ge_p1p1 *p) {
    fe_mul(&r->X, &p->E, &p->F);
    fe_mul(&r->Y, &p->G, &p->H);
    fe_mul(&r->Z, &p->F, &p->G);
}
static inline void ge_p1p1_to_p3(ge_p3 *r, const ge_p1p1 *p) {
    fe_mul(&r->X, &p->E, &p->F);
    fe_mul(&r->Y, &p->G, &p->H);
    fe_mul(&r->Z, &p->F, &p->G);
    fe_mul(&r->T, &p->E, &p->H);
}
static inline void ge_p3_to_p2(ge_p2 *r, const ge_p3 *p) {
    r->X = p->X; r->Y = p->Y; r->Z = p->Z;
}

/* p3 -> cached: 1M.  YpX loose, others tight. */
static inline void ge_p3_to_cached(ge_cached *r, const ge_p3 *p) {
    fe_add(&r->YpX, &p->Y, &p->X);
    fe_sub(&r->YmX, &p->Y, &p->X);
    r->Z = p->Z;
    fe_mul(&r->T2d, &p->T, &FE_D2);
}

/* r = 2p: 4S (dbl-2008-hwcd, a = -1).  The textbook E,F,G,H are
 * (E, -F', G, -H') below; negating all four output coordinates is the same
 * projective point, so we compute F' = C - G and H' = A + B directly. */
static inline void ge_p2_dbl(ge_p1p1 *r, const ge_p2 *p) {
    fe A, B, C, t;
    fe_sq(&A, &p->X);                 /* A = X^2 */
    fe_sq(&B, &p->Y);                 /* B = Y^2 */
    fe_sq(&C, &p->Z);
    fe_add(&C, &C, &C);               /* C = 2 Z^2 (loose) */
    fe_add(&t, &p->X, &p->Y);         /* loose */
    fe_sq(&t, &t);                    /* (X+Y)^2 */
    fe_add(&r->H, &A, &B);            /* H' = A + B (loose) */
    fe_sub(&r->E, &t, &r->H);         /* E = (X+Y)^2 - A - B */
    fe_sub(&r->G, &B, &A);            /* G = B - A */
    fe_sub(&r->F, &C, &r->G);         /* F' = C - G */
}
static inline void ge_p3_dbl(ge_p1p1 *r, const ge_p3 *p) {
    ge_p2 q; ge_p3_to_p2(&q, p); ge_p2_dbl(r, &q);
}

/* r = p + q: 4M (add-2008-hwcd-3). */
static inline void ge_add(ge_p1p1 *r, const ge_p3 *p, const ge_cached *q) {
    fe A, B, C, D, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&A, &t, &q->YmX);          /* A = (Y1-X1)(Y2-X2) */
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&B, &t, &q->YpX);          /* B = (Y1+X1)(Y2+X2) */
    fe_mul(&C, &p->T, &q->T2d);       /* C = 2d T1 T2 */
    fe_mul(&D, &p->Z, &q->Z);
    fe_add(&D, &D, &D);               /* D = 2 Z1 Z2 (loose) */
    fe_sub(&r->E, &B, &A);
    fe_sub(&r->F, &D, &C);
    fe_add(&r->G, &D, &C);
    fe_add(&r->H, &B, &A);
}

/* r = p - q: as ge_add with -q = (Y-X, Y+X, Z, -2dT). */
static inline void ge_sub(ge_p1p1 *r, const ge_p3 *p, const ge_cached *q) {
    fe A, B, C, D, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&A, &t, &q->YpX);
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&B, &t, &q->YmX);
    fe_mul(&C, &p->T, &q->T2d);
    fe_mul(&D, &p->Z, &q->Z);
    fe_add(&D, &D, &D);
    fe_sub(&r->E, &B, &A);
    fe_add(&r->F, &D, &C);
    fe_sub(&r->G, &D, &C);
    fe_add(&r->H, &B, &A);
}

/* r = p + q with q affine: 3M. */
static inline void ge_madd(ge_p1p1 *r, const ge_p3 *p, const ge_niels *q) {
    fe A, B, C, D, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&A, &t, &q->ymx);
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&B, &t, &q->ypx);
    fe_mul(&C, &p->T, &q->xy2d);
    fe_add(&D, &p->Z, &p->Z);
    fe_sub(&r->E, &B, &A);
    fe_sub(&r->F, &D, &C);
    fe_add(&r->G, &D, &C);
    fe_add(&r->H, &B, &A);
}
static inline void ge_msub(ge_p1p1 *r, const ge_p3 *p, const ge_niels *q) {
    fe A, B, C, D, t;
    fe_sub(&t, &p->Y, &p->X);
    fe_mul(&A, &t, &q->ypx);
    fe_add(&t, &p->Y, &p->X);
    fe_mul(&B, &t, &q->ymx);
    fe_mul(&C, &p->T, &q->xy2d);
    fe_add(&D, &p->Z, &p->Z);
    fe_sub(&r->E, &B, &A);
    fe_add(&r->F, &D, &C);
    fe_sub(&r->G, &D, &C);
    fe_add(&r->H, &B, &A);
}

/* Constant-time conditional moves (b in {0,1}). */
static inline void ge_cached_cmov(ge_cached *r, const ge_cached *p, uint64_t b) {
    fe_cmov(&r->YpX, &p->YpX, b); fe_cmov(&r->YmX, &p->YmX, b);
    fe_cmov(&r->Z, &p->Z, b);     fe_cmov(&r->T2d, &p->T2d, b);
}
static inline void ge_niels_cmov(ge_niels *r, const ge_niels *p, uint64_t b) {
    fe_cmov(&r->ypx, &p->ypx, b); fe_cmov(&r->ymx, &p->ymx, b);
    fe_cmov(&r->xy2d, &p->xy2d, b);
}

/* 1 if the secret byte-sized values a == b, else 0, without branches. */
static inline uint64_t ge_eq_u8(uint8_t a, uint8_t b) {
    return 1 & ct_eq_mask64(a, b);
}

/* Public entry points of the ec/ translation units shared between them. */
int ge_ristretto_decode(ge_p3 *h, const uint8_t s[32]);   /* 0 or -1 */
size_t ge_ristretto_decode_batch(ge_p3 *out, const uint8_t *in, size_t n);   /* 0 or 1 + bad index */
void fe_pow22523_x8_ifma(fe out[8], const fe in[8]);
void fe_pow22523_x4_ifma(fe out[4], const fe in[4]);
unsigned ge_decode8_ifma(ge_p3 out[8], const uint8_t *const enc[8]);   /* bitmask of invalid */
void ge_ristretto_encode(uint8_t s[32], const ge_p3 *h);
void ge_ristretto_map(ge_p3 *h, const uint8_t t[32]);      /* one-way map of one half */
int ge_ristretto_equal(const ge_p3 *p, const ge_p3 *q);   /* 1 if equal */
void ge_p3_add(ge_p3 *r, const ge_p3 *p, const ge_p3 *q);
void ge_p3_sub(ge_p3 *r, const ge_p3 *p, const ge_p3 *q);
void ge_base(ge_p3 *h);

/* Constant-time scalar multiplication by a 32-byte scalar (< 2^255). */
typedef struct { ge_cached t[8]; } ge_window_table;   /* 1P .. 8P */
void ge_window_table_build(ge_window_table *tab, const ge_p3 *p);
void ge_scalarmult_table(ge_p3 *r, const uint8_t a[32], const ge_window_table *tab);
void ge_scalarmult(ge_p3 *r, const uint8_t a[32], const ge_p3 *p);       /* dispatch */
void ge_scalarmult2(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                    const ge_p3 *p);                                       /* one table, two scalars */
void ge_scalarmult_ref(ge_p3 *r, const uint8_t a[32], const ge_p3 *p);
void ge_scalarmult2_ref(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                        const ge_p3 *p);
/* AVX-512 IFMA backend (ge25519_ifma.c); falls back to _ref without SIMD. */
void ge_scalarmult_ifma(ge_p3 *r, const uint8_t a[32], const ge_p3 *p);
void ge_scalarmult2_ifma(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                         const ge_p3 *p);
int ge_ifma_available(void);
/* Variable-time multi-scalar kernels of the IFMA backend (scratch 32-aligned). */
void ge_pippenger_ifma(ge_p3 *r, const ge_niels4 *pts, const int16_t *digits, size_t n, int w,
                       size_t nwin, void *buckets);
void ge_straus_ifma(ge_p3 *r, const ge_p3 *pts, const int8_t *nafs, size_t n, void *tabs);
extern int ge_field_backend;   /* N3_EC_FIELD_*, set once by n3_ec_init() */

void ge_niels_to_niels4(ge_niels4 *r, const ge_niels *p);

/* Fixed-base tables: row i holds j * 16^i * P for j = 1..8, affine. */
#define GE_FB_ROWS 64
typedef struct { ge_niels4 row[GE_FB_ROWS][8]; } ge_fixed_table;
void ge_fixed_table_build(ge_fixed_table *tab, const ge_p3 *p);
void ge_scalarmult_fixed(ge_p3 *r, const uint8_t a[32], const ge_fixed_table *tab);   /* dispatch */
void ge_scalarmult_fixed_ref(ge_p3 *r, const uint8_t a[32], const ge_fixed_table *tab);
void ge_scalarmult_fixed_ifma(ge_p3 *r, const uint8_t a[32], const ge_fixed_table *tab);
extern ge_fixed_table ge_base_table;   /* built once by n3_ec_init() */
extern int ge_base_table_ready;

/* Signed radix-16 recoding: 64 digits in [-8, 8). a[31] <= 127. */
void sc_recode16(int8_t e[64], const uint8_t a[32]);
/* Width-w NAF of a public scalar: 256 digits, odd or zero, |d| < 2^(w-1). */
void sc_wnaf_vartime(int8_t naf[256], const uint8_t a[32], int w);

/* Variable-time: double-scalar and multi-scalar. */
void ge_double_scalarmult_base_vartime(ge_p3 *r, const uint8_t a[32], const uint8_t b[32], const ge_p3 *p);
extern ge_niels ge_base_odd_multiples[64];   /* (2j+1) B, j = 0..63 */
extern ge_niels4 ge_base_odd_multiples4[64]; /* the same, lane layout */
void ge_double_scalarmult_base_vartime_ifma(ge_p3 *r, const uint8_t a[32], const uint8_t b[32], const ge_p3 *p);

#endif
