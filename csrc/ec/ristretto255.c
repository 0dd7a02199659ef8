/*
 * ristretto255 (RFC 9496 section 4): decode, encode, equality and the
 * one-way map, plus the public n3_ristretto255_* / n3_scalar_* wrappers
 * (decode -> validate -> compute -> encode; zero outputs on failure).
 */
#include <string.h>
#include "n3.h"
#include "ge.h"
#include "sc.h"

/* ---- internal group helpers -------------------------------------------- */

void ge_base(ge_p3 *h) {
    h->X = FE_BX; h->Y = FE_BY; fe_1(&h->Z);
    fe_mul(&h->T, &FE_BX, &FE_BY);
}

void ge_p3_add(ge_p3 *r, const ge_p3 *p, const ge_p3 *q) {
    ge_cached c; ge_p1p1 t;
    ge_p3_to_cached(&c, q);
    ge_add(&t, p, &c);
    ge_p1p1_to_p3(r, &t);
}

void ge_p3_sub(ge_p3 *r, const ge_p3 *p, const ge_p3 *q) {
    ge_cached c; ge_p1p1 t;
    ge_p3_to_cached(&c, q);
    ge_sub(&t, p, &c);
    ge_p1p1_to_p3(r, &t);
}

/* RFC 9496 4.3.1, split around the exponentiation so a batch can share it. */
typedef struct { fe s, u1, u2, v, t, v3, x; uint64_t bad; } ge_decode_state;

static void decode_pre(ge_decode_state *st, const uint8_t s_bytes[32]) {
    fe ss, u2_sqr, one;
    uint8_t check[32];
    fe_frombytes(&st->s, s_bytes);
    fe_tobytes(check, &st->s);
    /* Canonical iff re-encoding gives the same bytes (rejects s >= p and
     * bit 255 set); non-negative iff the low bit is clear. */
    st->bad = (uint64_t)(ct_memcmp(check, s_bytes, 32) != 0);
    st->bad |= s_bytes[0] & 1;
    fe_sq(&ss, &st->s);
    fe_1(&one);
    fe_sub(&st->u1, &one, &ss);          /* u1 = 1 + a s^2 = 1 - s^2 */
    fe_add(&st->u2, &one, &ss);          /* u2 = 1 - a s^2 = 1 + s^2 */
    fe_sq(&u2_sqr, &st->u2);
    fe_sq(&st->t, &st->u1);
    fe_mul(&st->t, &st->t, &FE_D);       /* D u1^2 */
    fe_add(&st->t, &st->t, &u2_sqr);
    fe_neg(&st->v, &st->t);              /* v = -(D u1^2) - u2^2 */
    fe_mul(&st->t, &st->v, &u2_sqr);     /* SQRT_RATIO_M1(1, v u2^2) */
    fe_sqrt_ratio_pre(&st->v3, &st->x, &one, &st->t);
}

/* pw = x^((p-5)/8).  Returns 0 and h = (x, y, 1, xy), or -1 (h zeroed). */
static int decode_post(ge_p3 *h, ge_decode_state *st, const fe *pw) {
    fe invsqrt, den_x, den_y, t;
    const uint64_t was_square = fe_invsqrt_post(&invsqrt, &st->t, &st->v3, pw);
    fe_mul(&den_x, &invsqrt, &st->u2);
    fe_mul(&den_y, &invsqrt, &den_x);
    fe_mul(&den_y, &den_y, &st->v);
    fe_add(&t, &st->s, &st->s);
    fe_mul(&t, &t, &den_x);
    fe_abs(&h->X, &t);                   /* x = |2 s den_x| */
    fe_mul(&h->Y, &st->u1, &den_y);      /* y = u1 den_y */
    fe_1(&h->Z);
    fe_mul(&h->T, &h->X, &h->Y);
    uint64_t bad = st->bad;
    bad |= 1 ^ was_square;
    bad |= (uint64_t)fe_isnegative(&h->T);
    bad |= (uint64_t)fe_iszero(&h->Y);
    N3_DECLASSIFY(&bad, sizeof bad);     /* validity is public */
    if (bad) {
        memset(h, 0, sizeof *h);
        return -1;
    }
    return 0;
}

/* One z^((p-5)/8) by the faster backend: a 4-way IFMA squaring has a
 * slightly shorter latency than the __int128 one (one lane used). */
static void pow22523_1(fe *out, const fe *in) {
    if (ge_field_backend == N3_EC_FIELD_IFMA) {
        fe x[4] = {*in, *in, *in, *in}, pw[4];
        fe_pow22523_x4_ifma(pw, x);
        *out = pw[0];
        ec_wipe(x, sizeof x); ec_wipe(pw, sizeof pw);
    } else {
        fe_pow22523(out, in);
    }
}

/* Constant time; only the final verdict is a branch. */
int ge_ristretto_decode(ge_p3 *h, const uint8_t s_bytes[32]) {
    ge_decode_state st;
    fe pw;
    decode_pre(&st, s_bytes);
    pow22523_1(&pw, &st.x);
    return decode_post(h, &st, &pw);
}

/* Decode n points: with IFMA eight exponentiations at a time, in the lanes of
 * two interleaved 4-way chains (a last group of one or two points is decoded
 * singly); the portable backend one by one.  Returns the index + 1 of the
 * first invalid encoding, or 0 if all are valid. */
size_t ge_ristretto_decode_batch(ge_p3 *out, const uint8_t *in, size_t n) {
    if (ge_field_backend == N3_EC_FIELD_IFMA) {
        for (size_t i = 0; i < n; i += 8) {
            const uint8_t *enc[8];
            ge_p3 tmp[8];
            const size_t m = n - i < 8 ? n - i : 8;
            if (m <= 2) {   /* a group of eight lanes costs more than two single decodes */
                for (size_t k = 0; k < m; k++)
                    if (ge_ristretto_decode(&out[i + k], in + 32 * (i + k))) return i + k + 1;
                continue;
            }
            for (size_t k = 0; k < 8; k++) enc[k] = in + 32 * (i + (k < m ? k : 0));
            const unsigned bad = ge_decode8_ifma(tmp, enc);
            for (size_t k = 0; k < m; k++) {
                if (bad & (1u << k)) return i + k + 1;
                out[i + k] = tmp[k];
            }
        }
        return 0;
    }
    /* The portable backend has no lanes to share: one decode at a time. */
    for (size_t i = 0; i < n; i++)
        if (ge_ristretto_decode(&out[i], in + 32 * i)) return i + 1;
    return 0;
}


/* RFC 9496 4.3.2. */
void ge_ristretto_encode(uint8_t out[32], const ge_p3 *h) {
    fe u1, u2, t, invsqrt, den1, den2, z_inv, ix, iy, x, y, den_inv, one;
    fe_add(&t, &h->Z, &h->Y);
    fe_sub(&u1, &h->Z, &h->Y);
    fe_mul(&u1, &u1, &t);                /* u1 = (Z + Y)(Z - Y) */
    fe_mul(&u2, &h->X, &h->Y);           /* u2 = X Y */
    fe_sq(&t, &u2);
    fe_mul(&t, &t, &u1);
    fe_1(&one);
    {   /* SQRT_RATIO_M1(1, u1 u2^2) */
        fe v3, x;
        fe_sqrt_ratio_pre(&v3, &x, &one, &t);
        pow22523_1(&x, &x);
        (void)fe_invsqrt_post(&invsqrt, &t, &v3, &x);
        ec_wipe(&v3, sizeof v3); ec_wipe(&x, sizeof x);
    }
    fe_mul(&den1, &invsqrt, &u1);
    fe_mul(&den2, &invsqrt, &u2);
    fe_mul(&z_inv, &den1, &den2);
    fe_mul(&z_inv, &z_inv, &h->T);
    fe_mul(&ix, &h->X, &FE_SQRT_M1);
    fe_mul(&iy, &h->Y, &FE_SQRT_M1);
    fe_mul(&t, &h->T, &z_inv);
    const uint64_t rotate = (uint64_t)fe_isnegative(&t);
    x = h->X; y = h->Y;
    fe_cmov(&x, &iy, rotate);
    fe_cmov(&y, &ix, rotate);
    fe_mul(&den_inv, &den1, &FE_INVSQRT_A_MINUS_D);   /* enchanted denominator */
    fe_cmov(&den_inv, &den2, 1 ^ rotate);
    fe_mul(&t, &x, &z_inv);
    fe_cneg(&y, &y, (uint64_t)fe_isnegative(&t));
    fe_sub(&t, &h->Z, &y);
    fe_mul(&t, &den_inv, &t);
    fe_abs(&t, &t);
    fe_tobytes(out, &t);
    ec_wipe(&u1, sizeof u1); ec_wipe(&u2, sizeof u2); ec_wipe(&t, sizeof t);
    ec_wipe(&invsqrt, sizeof invsqrt); ec_wipe(&den1, sizeof den1);
    ec_wipe(&den2, sizeof den2); ec_wipe(&z_inv, sizeof z_inv);
    ec_wipe(&ix, sizeof ix); ec_wipe(&iy, sizeof iy); ec_wipe(&x, sizeof x);
    ec_wipe(&y, sizeof y); ec_wipe(&den_inv, sizeof den_inv);
}

/* RFC 9496 4.3.3: x1 y2 == y1 x2 or y1 y2 == x1 x2. */
int ge_ristretto_equal(const ge_p3 *p, const ge_p3 *q) {
    fe a, b;
    fe_mul(&a, &p->X, &q->Y);
    fe_mul(&b, &p->Y, &q->X);
    int e1 = fe_equal(&a, &b);
    fe_mul(&a, &p->Y, &q->Y);
    fe_mul(&b, &p->X, &q->X);
    int e2 = fe_equal(&a, &b);
    return e1 | e2;
}

/* RFC 9496 4.3.4 MAP, split around SQRT_RATIO_M1's exponentiation so the two
 * halves of FROM_UNIFORM_BYTES share one (two lanes of a 4-way IFMA chain). */
typedef struct { fe t, r, u, v, v3, x; } ge_map_state;

static void map_pre(ge_map_state *st, const uint8_t tb[32]) {
    fe one, tmp;
    fe_frombytes(&st->t, tb);                    /* masks bit 255 */
    fe_1(&one);
    fe_sq(&st->r, &st->t);
    fe_mul(&st->r, &st->r, &FE_SQRT_M1);         /* r = i t^2 */
    fe_add(&st->u, &st->r, &one);
    fe_mul(&st->u, &st->u, &FE_ONE_MINUS_D_SQ);  /* u = (r + 1)(1 - d^2) */
    fe_mul(&tmp, &st->r, &FE_D);
    fe_add(&tmp, &tmp, &one);
    fe_neg(&tmp, &tmp);                          /* -1 - r d */
    fe_add(&st->v, &st->r, &FE_D);
    fe_mul(&st->v, &tmp, &st->v);                /* v = (-1 - r d)(r + d) */
    fe_sqrt_ratio_pre(&st->v3, &st->x, &st->u, &st->v);
    ec_wipe(&tmp, sizeof tmp);
}

static void map_post(ge_p3 *h, const ge_map_state *st, const fe *pw) {
    fe s, sp, c, n, w0, w1, w2, w3, one, tmp;
    fe_1(&one);
    const uint64_t was_square = fe_sqrt_ratio_post(&s, &st->u, &st->v, &st->v3, pw);
    fe_mul(&sp, &s, &st->t);
    fe_abs(&sp, &sp);
    fe_neg(&sp, &sp);                            /* s' = -|s t| */
    fe_cmov(&s, &sp, 1 ^ was_square);
    fe_neg(&c, &one);
    fe_cmov(&c, &st->r, 1 ^ was_square);         /* c = -1 or r */
    fe_sub(&tmp, &st->r, &one);
    fe_mul(&n, &c, &tmp);
    fe_mul(&n, &n, &FE_D_MINUS_ONE_SQ);
    fe_sub(&n, &n, &st->v);                      /* N = c (r - 1)(d - 1)^2 - v */
    fe_add(&w0, &s, &s);
    fe_mul(&w0, &w0, &st->v);                    /* w0 = 2 s v */
    fe_mul(&w1, &n, &FE_SQRT_AD_MINUS_ONE);      /* w1 = N sqrt(ad - 1) */
    fe_sq(&tmp, &s);
    fe_sub(&w2, &one, &tmp);                     /* w2 = 1 - s^2 */
    fe_add(&w3, &one, &tmp);                     /* w3 = 1 + s^2 */
    fe_mul(&h->X, &w0, &w3);
    fe_mul(&h->Y, &w2, &w1);
    fe_mul(&h->Z, &w1, &w3);
    fe_mul(&h->T, &w0, &w2);
    ec_wipe(&s, sizeof s); ec_wipe(&sp, sizeof sp); ec_wipe(&c, sizeof c);
    ec_wipe(&n, sizeof n); ec_wipe(&w0, sizeof w0); ec_wipe(&w1, sizeof w1);
    ec_wipe(&w2, sizeof w2); ec_wipe(&w3, sizeof w3); ec_wipe(&tmp, sizeof tmp);
}

void ge_ristretto_map(ge_p3 *h, const uint8_t tb[32]) {
    ge_map_state st;
    fe pw;
    map_pre(&st, tb);
    fe_pow22523(&pw, &st.x);
    map_post(h, &st, &pw);
    ec_wipe(&st, sizeof st); ec_wipe(&pw, sizeof pw);
}

/* FROM_UNIFORM_BYTES: MAP of both halves, added. */
static void ge_ristretto_from_uniform(ge_p3 *h, const uint8_t r[64]) {
    ge_map_state st[2];
    ge_p3 p2;
    if (ge_field_backend == N3_EC_FIELD_IFMA) {
        fe x[4], pw[4];
        map_pre(&st[0], r);
        map_pre(&st[1], r + 32);
        x[0] = x[2] = st[0].x;
        x[1] = x[3] = st[1].x;
        fe_pow22523_x4_ifma(pw, x);
        map_post(h, &st[0], &pw[0]);
        map_post(&p2, &st[1], &pw[1]);
        ec_wipe(x, sizeof x); ec_wipe(pw, sizeof pw);
    } else {
        ge_ristretto_map(h, r);
        ge_ristretto_map(&p2, r + 32);
    }
    ge_p3_add(h, h, &p2);
    ec_wipe(st, sizeof st); ec_wipe(&p2, sizeof p2);
}

/* ---- public API: sizes ------------------------------------------------- */

size_t n3_ristretto255_bytes(void) { return N3_RISTRETTO255_BYTES; }
size_t n3_ristretto255_hashbytes(void) { return N3_RISTRETTO255_HASHBYTES; }
size_t n3_scalar_bytes(void) { return N3_SCALAR_BYTES; }
size_t n3_scalar_wide_bytes(void) { return N3_SCALAR_WIDE_BYTES; }
size_t n3_ristretto255_table_bytes(void) { return N3_RISTRETTO255_TABLE_BYTES; }

_Static_assert(sizeof(ge_fixed_table) == N3_RISTRETTO255_TABLE_BYTES, "table size");

/* ---- public API: group ------------------------------------------------- */

int n3_ristretto255_is_valid(const uint8_t p[32]) {
    ge_p3 h;
    return ge_ristretto_decode(&h, p) == 0 ? N3_OK : N3_EENCODING;
}

/* Validate n encodings (32 bytes each, concatenated), eight square-root
 * exponentiations at a time.  *first_bad is n if all are valid, else the
 * index of the first invalid one (validity is public). */
int n3_ristretto255_is_valid_batch(size_t *first_bad, const uint8_t *pts, size_t n) {
    enum { CHUNK = 64 };
    ge_p3 dec[CHUNK];
    if (!first_bad || (n && !pts)) return N3_EINVAL;
    *first_bad = n;
    for (size_t i = 0; i < n; i += CHUNK) {
        const size_t m = n - i < CHUNK ? n - i : CHUNK;
        const size_t bad = ge_ristretto_decode_batch(dec, pts + 32 * i, m);
        if (bad) {
            *first_bad = i + bad - 1;
            return N3_EENCODING;
        }
    }
    return N3_OK;
}

int n3_ristretto255_add(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]) {
    ge_p3 a, b;
    if (ge_ristretto_decode(&a, p) || ge_ristretto_decode(&b, q)) {
        memset(out, 0, 32);
        return N3_EENCODING;
    }
    ge_p3_add(&a, &a, &b);
    ge_ristretto_encode(out, &a);
    return N3_OK;
}

int n3_ristretto255_sub(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]) {
    ge_p3 a, b;
    if (ge_ristretto_decode(&a, p) || ge_ristretto_decode(&b, q)) {
        memset(out, 0, 32);
        return N3_EENCODING;
    }
    ge_p3_sub(&a, &a, &b);
    ge_ristretto_encode(out, &a);
    return N3_OK;
}

int n3_ristretto255_neg(uint8_t out[32], const uint8_t p[32]) {
    ge_p3 a;
    if (ge_ristretto_decode(&a, p)) {
        memset(out, 0, 32);
        return N3_EENCODING;
    }
    fe_neg(&a.X, &a.X);
    fe_neg(&a.T, &a.T);
    ge_ristretto_encode(out, &a);
    return N3_OK;
}

int n3_ristretto255_from_uniform(uint8_t out[32], const uint8_t r[64]) {
    ge_p3 p;
    ge_ristretto_from_uniform(&p, r);
    ge_ristretto_encode(out, &p);
    ec_wipe(&p, sizeof p);
    return N3_OK;
}

int n3_ristretto255_scalarmult(uint8_t out[32], const uint8_t n[32], const uint8_t p[32]) {
    ge_p3 a, r;
    if (!sc_is_canonical(n)) { memset(out, 0, 32); return N3_EINVAL; }
    if (ge_ristretto_decode(&a, p)) { memset(out, 0, 32); return N3_EENCODING; }
    ge_scalarmult(&r, n, &a);
    ge_ristretto_encode(out, &r);
    ec_wipe(&r, sizeof r);
    return N3_OK;
}

int n3_ristretto255_scalarmult2(uint8_t out1[32], uint8_t out2[32], const uint8_t n1[32],
                                const uint8_t n2[32], const uint8_t p[32]) {
    ge_p3 a, r1, r2;
    if (!sc_is_canonical(n1) || !sc_is_canonical(n2)) {
        memset(out1, 0, 32); memset(out2, 0, 32);
        return N3_EINVAL;
    }
    if (ge_ristretto_decode(&a, p)) {
        memset(out1, 0, 32); memset(out2, 0, 32);
        return N3_EENCODING;
    }
    ge_scalarmult2(&r1, &r2, n1, n2, &a);
    ge_ristretto_encode(out1, &r1);
    ge_ristretto_encode(out2, &r2);
    ec_wipe(&r1, sizeof r1); ec_wipe(&r2, sizeof r2);
    return N3_OK;
}

int n3_ristretto255_scalarmult_base(uint8_t out[32], const uint8_t n[32]) {
    ge_p3 r;
    if (!ge_base_table_ready) { memset(out, 0, 32); return N3_ENOTINIT; }
    if (!sc_is_canonical(n)) { memset(out, 0, 32); return N3_EINVAL; }
    ge_scalarmult_fixed(&r, n, &ge_base_table);
    ge_ristretto_encode(out, &r);
    ec_wipe(&r, sizeof r);
    return N3_OK;
}

int n3_ristretto255_table_build(void *table, size_t table_len, const uint8_t p[32]) {
    ge_p3 a;
    if (table_len != N3_RISTRETTO255_TABLE_BYTES || ((uintptr_t)table & 7)) {
        if (table) memset(table, 0, table_len);
        return N3_EINVAL;
    }
    if (ge_ristretto_decode(&a, p)) { memset(table, 0, table_len); return N3_EENCODING; }
    ge_fixed_table_build((ge_fixed_table *)table, &a);
    return N3_OK;
}

int n3_ristretto255_table_scalarmult(uint8_t out[32], const void *table, size_t table_len,
                                     const uint8_t n[32]) {
    ge_p3 r;
    if (table_len != N3_RISTRETTO255_TABLE_BYTES || ((uintptr_t)table & 7) || !sc_is_canonical(n)) {
        memset(out, 0, 32);
        return N3_EINVAL;
    }
    ge_scalarmult_fixed(&r, n, (const ge_fixed_table *)table);
    ge_ristretto_encode(out, &r);
    ec_wipe(&r, sizeof r);
    return N3_OK;
}

int n3_ristretto255_double_scalarmult_vartime(uint8_t out[32], const uint8_t a[32],
                                              const uint8_t b[32], const uint8_t p[32]) {
    ge_p3 q, r;
    if (!ge_base_table_ready) { memset(out, 0, 32); return N3_ENOTINIT; }
    if (!sc_is_canonical(a) || !sc_is_canonical(b)) { memset(out, 0, 32); return N3_EINVAL; }
    if (ge_ristretto_decode(&q, p)) { memset(out, 0, 32); return N3_EENCODING; }
    if (ge_field_backend == N3_EC_FIELD_IFMA) ge_double_scalarmult_base_vartime_ifma(&r, a, b, &q);
    else ge_double_scalarmult_base_vartime(&r, a, b, &q);
    ge_ristretto_encode(out, &r);
    return N3_OK;
}

/* ---- public API: scalars ----------------------------------------------- */

int n3_scalar_is_canonical(const uint8_t s[32]) {
    return sc_is_canonical(s) ? N3_OK : N3_EENCODING;
}

int n3_scalar_reduce_wide(uint8_t out[32], const uint8_t s[64]) {
    sc r;
    sc_reduce64(&r, s);
    sc_tobytes(out, &r);
    ec_wipe(&r, sizeof r);
    return N3_OK;
}

typedef void (*sc_binop)(sc *, const sc *, const sc *);

static int scalar_binop(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], sc_binop f) {
    sc x, y, r;
    if (!sc_is_canonical(a) || !sc_is_canonical(b)) { memset(out, 0, 32); return N3_EINVAL; }
    sc_frombytes(&x, a);
    sc_frombytes(&y, b);
    f(&r, &x, &y);
    sc_tobytes(out, &r);
    ec_wipe(&x, sizeof x); ec_wipe(&y, sizeof y); ec_wipe(&r, sizeof r);
    return N3_OK;
}

int n3_scalar_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]) {
    return scalar_binop(out, a, b, sc_add);
}
int n3_scalar_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]) {
    return scalar_binop(out, a, b, sc_sub);
}
int n3_scalar_mul(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]) {
    return scalar_binop(out, a, b, sc_mul);
}
int n3_scalar_neg(uint8_t out[32], const uint8_t a[32]) {
    static const uint8_t zero[32] = {0};
    return scalar_binop(out, zero, a, sc_sub);
}

int n3_scalar_invert(uint8_t out[32], const uint8_t a[32]) {
    sc x, r;
    if (!sc_is_canonical(a)) { memset(out, 0, 32); return N3_EINVAL; }
    sc_frombytes(&x, a);
    sc_invert(&r, &x);
    sc_tobytes(out, &r);
    int zero = sc_iszero(&x);
    N3_DECLASSIFY(&zero, sizeof zero);   /* becomes the return code */
    ec_wipe(&x, sizeof x); ec_wipe(&r, sizeof r);
    if (zero) { memset(out, 0, 32); return N3_EINVAL; }   /* 0 has no inverse (public) */
    return N3_OK;
}
