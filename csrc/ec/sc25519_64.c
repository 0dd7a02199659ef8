/*
 * Scalars mod l, radix 2^64, Montgomery form with R = 2^256.
 *
 * l = 2^252 + c with c < 2^125, so its limbs are (l0, l1, 0, 2^60): a
 * Montgomery reduction step costs two real multiplications.  Because
 * R > 8l there is headroom: REDC(a*b) with a < R and b < l is below
 * (a b + R l) / R < 2l, so one constant-time conditional subtraction
 * finishes every product.
 *
 * Constant time: the only branches and indices depend on loop counters and
 * on the public exponent l - 2.
 */
#include "sc.h"
#include "fe.h"   /* ec_wipe */

static const uint64_t L[4] = {0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL};
static const uint64_t LINV = 0xd2b51da312547e1bULL;   /* -l^-1 mod 2^64 */
static const sc SC_R2 = {{0xa40611e3449c0f01ULL, 0xd00e1ba768859347ULL, 0xceec73d217f5be65ULL, 0x0399411b7c309a3dULL}};
static const sc SC_R3 = {{0x2a9e49687b83a2dbULL, 0x278324e6aef7f3ecULL, 0x8065dc6c04ec5b65ULL, 0x0e530b773599cec7ULL}};
static const sc SC_ONE = {{1, 0, 0, 0}};

typedef unsigned __int128 u128;

void sc_frombytes(sc *r, const uint8_t s[32]) {
    for (int i = 0; i < 4; i++) {
        uint64_t x = 0;
        for (int j = 7; j >= 0; j--) x = (x << 8) | s[8 * i + j];
        r->v[i] = x;
    }
}

void sc_tobytes(uint8_t s[32], const sc *a) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(a->v[i] >> (8 * j));
}

/* r = x - l if x >= l else x; x < 2^256 and x < 2l. */
static inline void sc_csub_l(sc *r, const uint64_t x[4]) {
    uint64_t t[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)x[i] - L[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    /* borrow = 1 iff x < l: keep x. */
    const uint64_t keep = (uint64_t)0 - borrow;
    for (int i = 0; i < 4; i++) r->v[i] = (x[i] & keep) | (t[i] & ~keep);
}

int sc_is_canonical(const uint8_t s[32]) {
    sc a;
    uint64_t borrow = 0;
    sc_frombytes(&a, s);
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a.v[i] - L[i] - borrow;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    ec_wipe(&a, sizeof a);
    int r = (int)borrow;
    N3_DECLASSIFY(&r, sizeof r);   /* callers turn it into a return code */
    return r;
}

/* r = a b / R mod l (CIOS: one multiply row, then one reduction step that
 * exploits l's limbs (l0, l1, 0, 2^60)).  Requires a < R, b < l (or vice
 * versa); r < l.  Invariant: after step i, t < 2l + ... < 2^254, so t[4]
 * and the top carry stay tiny and t[5] is never needed beyond one bit. */
static void sc_montmul(sc *r, const sc *a, const sc *b) {
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    const uint64_t b0 = b->v[0], b1 = b->v[1], b2 = b->v[2], b3 = b->v[3];
    for (int i = 0; i < 4; i++) {
        const uint64_t ai = a->v[i];
        u128 x;
        uint64_t t5;
        x = (u128)ai * b0 + t0;              t0 = (uint64_t)x;
        x = (u128)ai * b1 + t1 + (x >> 64);  t1 = (uint64_t)x;
        x = (u128)ai * b2 + t2 + (x >> 64);  t2 = (uint64_t)x;
        x = (u128)ai * b3 + t3 + (x >> 64);  t3 = (uint64_t)x;
        x = (u128)t4 + (x >> 64);            t4 = (uint64_t)x; t5 = (uint64_t)(x >> 64);
        const uint64_t m = t0 * LINV;
        /* t = (t + m l) / 2^64 */
        x = (u128)m * L[0] + t0;
        x = (u128)m * L[1] + t1 + (x >> 64); t0 = (uint64_t)x;
        x = (u128)t2 + (x >> 64);            t1 = (uint64_t)x;
        x = (u128)t3 + (m << 60) + (x >> 64); t2 = (uint64_t)x;
        x = (u128)t4 + (m >> 4) + (x >> 64); t3 = (uint64_t)x;
        t4 = t5 + (uint64_t)(x >> 64);
    }
    /* Result < 2l < 2^254: t4 == 0. */
    const uint64_t t[4] = {t0, t1, t2, t3};
    sc_csub_l(r, t);
}

void sc_reduce64(sc *r, const uint8_t s[64]) {
    sc lo, hi, a, b;
    sc_frombytes(&lo, s);
    sc_frombytes(&hi, s + 32);
    sc_montmul(&a, &lo, &SC_R2);          /* lo R */
    sc_montmul(&b, &hi, &SC_R3);          /* hi R^2 */
    sc_add(&a, &a, &b);                   /* R (lo + hi 2^256) */
    sc_montmul(r, &a, &SC_ONE);           /* lo + hi 2^256 mod l */
    ec_wipe(&lo, sizeof lo); ec_wipe(&hi, sizeof hi);
    ec_wipe(&a, sizeof a); ec_wipe(&b, sizeof b);
}

void sc_add(sc *r, const sc *a, const sc *b) {
    uint64_t t[4], c = 0;
    for (int i = 0; i < 4; i++) {
        u128 x = (u128)a->v[i] + b->v[i] + c;
        t[i] = (uint64_t)x;
        c = (uint64_t)(x >> 64);
    }
    /* a + b < 2l < 2^254: no carry out. */
    sc_csub_l(r, t);
    ec_wipe(t, sizeof t);
}

void sc_sub(sc *r, const sc *a, const sc *b) {
    uint64_t t[4], borrow = 0, c = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a->v[i] - b->v[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    /* Add l back iff the subtraction borrowed. */
    const uint64_t m = (uint64_t)0 - borrow;
    for (int i = 0; i < 4; i++) {
        u128 x = (u128)t[i] + (L[i] & m) + c;
        r->v[i] = (uint64_t)x;
        c = (uint64_t)(x >> 64);
    }
    ec_wipe(t, sizeof t);
}

void sc_mul(sc *r, const sc *a, const sc *b) {
    sc t;
    sc_montmul(&t, a, b);                 /* a b / R */
    sc_montmul(r, &t, &SC_R2);            /* a b */
    ec_wipe(&t, sizeof t);
}

int sc_iszero(const sc *a) {
    uint64_t d = a->v[0] | a->v[1] | a->v[2] | a->v[3];
    return (int)(1 & ~ct_nonzero_mask64(d));
}

/* ---- inversion: Bernstein-Yang safegcd, constant time ------------------
 *
 * "Fast constant-time gcd computation and modular inversion" (Bernstein,
 * Yang, CHES 2019).  divstep(delta, f, g): if delta > 0 and g odd then
 * (1 - delta, g, (g - f)/2) else (1 + delta, f, (g + (g mod 2) f)/2).
 * From (1, l, a), 733 divsteps bring g to 0 and f to +-1 for 253-bit
 * inputs (the paper's bound floor((49 d + 57)/17) for d = 253); we run 12
 * batches of 62.  Each batch works on the low 64 bits only and yields a
 * 2x2 matrix T with 2^62 (f', g') = T (f, g) and |T row| <= 2^62; T is then
 * applied to the full f, g (signed, radix 2^62) and to d, e (the
 * cofactors: f = d a, g = e a mod l), dividing by 2^62 mod l by adding the
 * right multiple of l.  Every step is branch-free; the number of steps is
 * fixed. */

typedef __int128 i128;
typedef struct { int64_t v[5]; } s62;   /* sum v[i] 2^(62 i); v[0..3] in [0, 2^62), v[4] signed */

#define M62 ((int64_t)0x3fffffffffffffffLL)
static const s62 L62 = {{0x1812631a5cf5d3edLL, 0x137be77a8bde7359LL, 1, 0, 0x10}};
static const uint64_t LINV62 = 0x2d4ae25cedab81e5ULL;   /* l^-1 mod 2^62 */

/* 62 divsteps on the low bits of f, g; returns the new delta and T. */
static int64_t divsteps62(int64_t delta, uint64_t f, uint64_t g, uint64_t t[4]) {
    uint64_t u = 1, v = 0, q = 0, r = 1;
    for (int i = 0; i < 62; i++) {
        const uint64_t c1 = (uint64_t)((-delta) >> 63);   /* all ones iff delta > 0 */
        const uint64_t c = c1 & ((uint64_t)0 - (g & 1));   /* swap case */
        delta = (int64_t)(((uint64_t)delta ^ c) - c);      /* delta = -delta if c */
        /* (f, g, u, v, q, r) = c ? (g, -f, q, r, -u, -v) : unchanged */
        const uint64_t f0 = f, u0 = u, v0 = v;
        f ^= (f ^ g) & c;       g ^= (g ^ ((uint64_t)0 - f0)) & c;
        u ^= (u ^ q) & c;       q ^= (q ^ ((uint64_t)0 - u0)) & c;
        v ^= (v ^ r) & c;       r ^= (r ^ ((uint64_t)0 - v0)) & c;
        /* g odd: g += f, (q, r) += (u, v) */
        const uint64_t odd = (uint64_t)0 - (g & 1);
        g += f & odd; q += u & odd; r += v & odd;
        /* halve g (exact: g is even); double the f row instead of halving g's */
        delta += 1;
        g = (uint64_t)((int64_t)g >> 1);
        u <<= 1; v <<= 1;
    }
    t[0] = u; t[1] = v; t[2] = q; t[3] = r;
    return delta;
}

/* (f, g) = T (f, g) / 2^62 exactly. */
static void update_fg(s62 *f, s62 *g, const uint64_t t[4]) {
    const int64_t u = (int64_t)t[0], v = (int64_t)t[1], q = (int64_t)t[2], r = (int64_t)t[3];
    i128 cf = (i128)u * f->v[0] + (i128)v * g->v[0];
    i128 cg = (i128)q * f->v[0] + (i128)r * g->v[0];
    cf >>= 62; cg >>= 62;                     /* the low 62 bits are zero */
    for (int i = 1; i < 5; i++) {
        cf += (i128)u * f->v[i] + (i128)v * g->v[i];
        cg += (i128)q * f->v[i] + (i128)r * g->v[i];
        f->v[i - 1] = (int64_t)cf & M62; cf >>= 62;
        g->v[i - 1] = (int64_t)cg & M62; cg >>= 62;
    }
    f->v[4] = (int64_t)cf; g->v[4] = (int64_t)cg;
}

/* Normalise limbs 0..3 to [0, 2^62) by signed carries. */
static inline void s62_carry(s62 *a) {
    for (int i = 0; i < 4; i++) {
        const int64_t c = a->v[i] >> 62;
        a->v[i] &= M62;
        a->v[i + 1] += c;
    }
}

/* a in (-l, 2l) -> [0, l), constant time. */
static void s62_normalize(s62 *a) {
    s62 t;
    const int64_t neg = a->v[4] >> 63;                 /* all ones iff a < 0 */
    for (int i = 0; i < 5; i++) a->v[i] += L62.v[i] & neg;
    s62_carry(a);
    for (int i = 0; i < 5; i++) t.v[i] = a->v[i] - L62.v[i];
    s62_carry(&t);
    const int64_t ge = ~(t.v[4] >> 63);                /* all ones iff a >= l */
    for (int i = 0; i < 5; i++) a->v[i] = (t.v[i] & ge) | (a->v[i] & ~ge);
}

/* (d, e) = T (d, e) / 2^62 mod l; d, e in [0, l) before and after. */
static void update_de(s62 *d, s62 *e, const uint64_t t[4]) {
    const int64_t u = (int64_t)t[0], v = (int64_t)t[1], q = (int64_t)t[2], r = (int64_t)t[3];
    i128 cd = (i128)u * d->v[0] + (i128)v * e->v[0];
    i128 ce = (i128)q * d->v[0] + (i128)r * e->v[0];
    /* k in [0, 2^62) with cd + k l = 0 mod 2^62 */
    const int64_t kd = (int64_t)(((uint64_t)0 - (uint64_t)cd * LINV62) & (uint64_t)M62);
    const int64_t ke = (int64_t)(((uint64_t)0 - (uint64_t)ce * LINV62) & (uint64_t)M62);
    cd += (i128)kd * L62.v[0]; ce += (i128)ke * L62.v[0];
    cd >>= 62; ce >>= 62;
    for (int i = 1; i < 5; i++) {
        cd += (i128)u * d->v[i] + (i128)v * e->v[i] + (i128)kd * L62.v[i];
        ce += (i128)q * d->v[i] + (i128)r * e->v[i] + (i128)ke * L62.v[i];
        d->v[i - 1] = (int64_t)cd & M62; cd >>= 62;
        e->v[i - 1] = (int64_t)ce & M62; ce >>= 62;
    }
    d->v[4] = (int64_t)cd; e->v[4] = (int64_t)ce;
    /* |u| + |v| <= 2^62: the numerator is in (-2^62 l, 2^63 l), so d, e in (-l, 2l). */
    s62_normalize(d);
    s62_normalize(e);
}

static void sc_to_s62(s62 *r, const sc *a) {
    r->v[0] = (int64_t)(a->v[0] & (uint64_t)M62);
    r->v[1] = (int64_t)(((a->v[0] >> 62) | (a->v[1] << 2)) & (uint64_t)M62);
    r->v[2] = (int64_t)(((a->v[1] >> 60) | (a->v[2] << 4)) & (uint64_t)M62);
    r->v[3] = (int64_t)(((a->v[2] >> 58) | (a->v[3] << 6)) & (uint64_t)M62);
    r->v[4] = (int64_t)(a->v[3] >> 56);
}

static void s62_to_sc(sc *r, const s62 *a) {   /* a in [0, l) */
    r->v[0] = (uint64_t)a->v[0] | ((uint64_t)a->v[1] << 62);
    r->v[1] = ((uint64_t)a->v[1] >> 2) | ((uint64_t)a->v[2] << 60);
    r->v[2] = ((uint64_t)a->v[2] >> 4) | ((uint64_t)a->v[3] << 58);
    r->v[3] = ((uint64_t)a->v[3] >> 6) | ((uint64_t)a->v[4] << 56);
}

void sc_invert(sc *r, const sc *a) {
    s62 f = L62, g, d = {{0}}, e = {{1, 0, 0, 0, 0}}, nd;
    uint64_t t[4];
    int64_t delta = 1;
    sc_to_s62(&g, a);
    for (int i = 0; i < 12; i++) {
        delta = divsteps62(delta, (uint64_t)f.v[0] | ((uint64_t)f.v[1] << 62),
                           (uint64_t)g.v[0] | ((uint64_t)g.v[1] << 62), t);
        update_fg(&f, &g, t);
        update_de(&d, &e, t);
    }
    /* f = +-1 and f = d a: a^-1 = sign(f) d.  (a = 0 gives f = l: the
     * caller rejects it.) */
    const int64_t neg = f.v[4] >> 63;
    for (int i = 0; i < 5; i++) nd.v[i] = L62.v[i] - d.v[i];
    s62_carry(&nd);
    for (int i = 0; i < 5; i++) d.v[i] = (nd.v[i] & neg) | (d.v[i] & ~neg);
    s62_normalize(&d);                 /* l - 0 = l -> 0 */
    s62_to_sc(r, &d);
    ec_wipe(&f, sizeof f); ec_wipe(&g, sizeof g); ec_wipe(&d, sizeof d);
    ec_wipe(&e, sizeof e); ec_wipe(&nd, sizeof nd); ec_wipe(t, sizeof t);
}

/* a^(l-2) by fixed 4-bit windows over the public exponent
 * l - 2 = 0x10000000 00000000 00000000 00000000 14def9de a2f79cd6 5812631a 5cf5d3eb:
 * 252 squarings and 32 multiplications after a 14-multiplication table. */
void sc_invert_pow(sc *r, const sc *a) {
    static const uint64_t E[4] = {0x5812631a5cf5d3ebULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL};
    sc tab[16], acc;
    sc_montmul(&tab[1], a, &SC_R2);       /* a R (Montgomery form) */
    sc_montmul(&tab[2], &tab[1], &tab[1]);
    for (int i = 3; i < 16; i++) sc_montmul(&tab[i], &tab[i - 1], &tab[1]);
    acc = tab[1];                         /* top nibble of l - 2 is 1 */
    for (int i = 62; i >= 0; i--) {
        for (int k = 0; k < 4; k++) sc_montmul(&acc, &acc, &acc);
        const unsigned d = (unsigned)(E[i / 16] >> (4 * (i % 16))) & 15;
        if (d) sc_montmul(&acc, &acc, &tab[d]);   /* public exponent digit */
    }
    sc_montmul(r, &acc, &SC_ONE);         /* leave Montgomery form */
    ec_wipe(tab, sizeof tab); ec_wipe(&acc, sizeof acc);
}
