/*
 * Scalar multiplication on edwards25519 (extended coordinates, field in
 * radix 2^51):
 *   - constant-time variable-base: signed radix-16 digits, a table of
 *     1P..8P in cached form, constant-time selection by masks;
 *   - constant-time fixed-base: 64 rows of 8 affine multiples of 16^i P,
 *     one mixed addition per digit and no doublings;
 *   - variable-time a B + b P by interleaved width-w NAF (public data only).
 * The base-point tables are built once by n3_ec_init() and read-only after.
 */
#include <stdlib.h>
#include <string.h>
#include "n3.h"
#include "ge.h"
#include "sc.h"

ge_fixed_table ge_base_table;
ge_niels ge_base_odd_multiples[64];
ge_niels4 ge_base_odd_multiples4[64];
int ge_base_table_ready = 0;

/* ---- scalar recodings --------------------------------------------------- */

void sc_recode16(int8_t e[64], const uint8_t a[32]) {
    int8_t carry = 0;
    for (int i = 0; i < 32; i++) {
        e[2 * i] = (int8_t)(a[i] & 15);
        e[2 * i + 1] = (int8_t)(a[i] >> 4);
    }
    /* Each digit becomes e[i] in [-8, 8) by pushing a carry of 1 upwards;
     * (e + 8) >> 4 is arithmetic on a value in [8, 24], so no branch. */
    for (int i = 0; i < 63; i++) {
        e[i] = (int8_t)(e[i] + carry);
        carry = (int8_t)((e[i] + 8) >> 4);
        e[i] = (int8_t)(e[i] - (carry << 4));
    }
    e[63] = (int8_t)(e[63] + carry);   /* a < 2^255: e[63] <= 8 */
}

void sc_wnaf_vartime(int8_t naf[256], const uint8_t a[32], int w) {
    uint64_t x[5] = {0};
    for (int i = 0; i < 32; i++) x[i / 8] |= (uint64_t)a[i] << (8 * (i % 8));
    memset(naf, 0, 256);
    const int width = 1 << w, mask = width - 1;
    int carry = 0, pos = 0;
    while (pos < 256) {
        const int idx = pos / 64, off = pos % 64;
        uint64_t bits = x[idx] >> off;
        if (off + w > 64) bits |= x[idx + 1] << (64 - off);
        const int window = carry + (int)(bits & (uint64_t)mask);
        if ((window & 1) == 0) { pos += 1; continue; }
        if (window < width / 2) { carry = 0; naf[pos] = (int8_t)window; }
        else { carry = 1; naf[pos] = (int8_t)(window - width); }
        pos += w;
    }
}

/* ---- constant-time variable base ---------------------------------------- */

void ge_window_table_build(ge_window_table *tab, const ge_p3 *p) {
    ge_p1p1 t; ge_p3 q;
    ge_p3_to_cached(&tab->t[0], p);
    ge_p3_dbl(&t, p);
    ge_p1p1_to_p3(&q, &t);
    ge_p3_to_cached(&tab->t[1], &q);
    for (int j = 2; j < 8; j++) {
        ge_add(&t, &q, &tab->t[0]);
        ge_p1p1_to_p3(&q, &t);
        ge_p3_to_cached(&tab->t[j], &q);
    }
    ec_wipe(&t, sizeof t); ec_wipe(&q, sizeof q);
}

/* t = b * P from the table, b in [-8, 8], in constant time: every entry is
 * read, the wanted one kept by mask, then conditionally negated. */
static inline void ge_window_select(ge_cached *t, const ge_window_table *tab, int8_t b) {
    const uint8_t bneg = (uint8_t)b >> 7;
    const uint8_t babs = (uint8_t)(b - 2 * ((-(int)bneg) & b));
    ge_cached minus;
    ge_cached_0(t);
    for (int j = 0; j < 8; j++) ge_cached_cmov(t, &tab->t[j], ge_eq_u8(babs, (uint8_t)(j + 1)));
    minus.YpX = t->YmX; minus.YmX = t->YpX; minus.Z = t->Z;
    fe_neg(&minus.T2d, &t->T2d);
    ge_cached_cmov(t, &minus, bneg);
}

void ge_scalarmult_table(ge_p3 *r, const uint8_t a[32], const ge_window_table *tab) {
    int8_t e[64];
    ge_cached t;
    ge_p1p1 s;
    ge_p2 q;
    ge_p3 acc;
    sc_recode16(e, a);
    ge_p3_0(&acc);
    ge_window_select(&t, tab, e[63]);
    ge_add(&s, &acc, &t);
    for (int i = 62; i >= 0; i--) {
        ge_p1p1_to_p2(&q, &s);
        ge_p2_dbl(&s, &q); ge_p1p1_to_p2(&q, &s);
        ge_p2_dbl(&s, &q); ge_p1p1_to_p2(&q, &s);
        ge_p2_dbl(&s, &q); ge_p1p1_to_p2(&q, &s);
        ge_p2_dbl(&s, &q); ge_p1p1_to_p3(&acc, &s);
        ge_window_select(&t, tab, e[i]);
        ge_add(&s, &acc, &t);
    }
    ge_p1p1_to_p3(r, &s);
    ec_wipe(e, sizeof e); ec_wipe(&t, sizeof t); ec_wipe(&s, sizeof s);
    ec_wipe(&q, sizeof q); ec_wipe(&acc, sizeof acc);
}

void ge_scalarmult_ref(ge_p3 *r, const uint8_t a[32], const ge_p3 *p) {
    ge_window_table tab;
    ge_window_table_build(&tab, p);
    ge_scalarmult_table(r, a, &tab);
    ec_wipe(&tab, sizeof tab);
}

void ge_scalarmult2_ref(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                        const ge_p3 *p) {
    ge_window_table tab;
    ge_window_table_build(&tab, p);
    ge_scalarmult_table(r1, a1, &tab);
    ge_scalarmult_table(r2, a2, &tab);
    ec_wipe(&tab, sizeof tab);
}

/* Backend dispatch: chosen once by n3_ec_init(), read-only afterwards. */
int ge_field_backend = N3_EC_FIELD_REF;

void ge_scalarmult(ge_p3 *r, const uint8_t a[32], const ge_p3 *p) {
    if (ge_field_backend == N3_EC_FIELD_IFMA) ge_scalarmult_ifma(r, a, p);
    else ge_scalarmult_ref(r, a, p);
}

void ge_scalarmult2(ge_p3 *r1, ge_p3 *r2, const uint8_t a1[32], const uint8_t a2[32],
                    const ge_p3 *p) {
    if (ge_field_backend == N3_EC_FIELD_IFMA) ge_scalarmult2_ifma(r1, r2, a1, a2, p);
    else ge_scalarmult2_ref(r1, r2, a1, a2, p);
}

void ge_scalarmult_fixed(ge_p3 *r, const uint8_t a[32], const ge_fixed_table *tab) {
    if (ge_field_backend == N3_EC_FIELD_IFMA) ge_scalarmult_fixed_ifma(r, a, tab);
    else ge_scalarmult_fixed_ref(r, a, tab);
}

int n3_ec_field_available(int backend) {
    if (backend == N3_EC_FIELD_REF) return N3_OK;
    if (backend == N3_EC_FIELD_IFMA) return ge_ifma_available() ? N3_OK : N3_EUNAVAILABLE;
    return N3_EUNAVAILABLE;
}

int n3_ec_field_backend(void) { return ge_field_backend; }

/* ---- fixed base --------------------------------------------------------- */

/* Affine niels form of n points at once: one inversion (Montgomery's trick).
 * Public inputs only (tables are built from public points). */
static void ge_batch_to_niels(ge_niels *out, const ge_p3 *p, int n) {
    fe acc[64], inv, t, x, y;
    /* acc[i] = Z0 ... Zi */
    acc[0] = p[0].Z;
    for (int i = 1; i < n; i++) fe_mul(&acc[i], &acc[i - 1], &p[i].Z);
    fe_invert(&inv, &acc[n - 1]);
    for (int i = n - 1; i >= 0; i--) {
        fe zi;
        if (i > 0) { fe_mul(&zi, &inv, &acc[i - 1]); fe_mul(&inv, &inv, &p[i].Z); }
        else zi = inv;
        fe_mul(&x, &p[i].X, &zi);
        fe_mul(&y, &p[i].Y, &zi);
        fe_add(&out[i].ypx, &y, &x); fe_carry(&out[i].ypx);
        fe_sub(&out[i].ymx, &y, &x);
        fe_mul(&t, &x, &y);
        fe_mul(&out[i].xy2d, &t, &FE_D2);
    }
}

void ge_niels_to_niels4(ge_niels4 *r, const ge_niels *p) {
    for (int i = 0; i < 5; i++) {
        r->v[i][0] = p->ymx.v[i];
        r->v[i][1] = p->ypx.v[i];
        r->v[i][2] = i == 0 ? 2 : 0;
        r->v[i][3] = p->xy2d.v[i];
    }
}

static inline void ge_niels4_get(ge_niels *r, const ge_niels4 *p) {
    for (int i = 0; i < 5; i++) {
        r->ymx.v[i] = p->v[i][0];
        r->ypx.v[i] = p->v[i][1];
        r->xy2d.v[i] = p->v[i][3];
    }
}

void ge_fixed_table_build(ge_fixed_table *tab, const ge_p3 *p) {
    ge_p3 row[8], base = *p;
    ge_niels nrow[8];
    ge_cached c;
    ge_p1p1 t;
    for (int i = 0; i < GE_FB_ROWS; i++) {
        /* row[j] = (j+1) 16^i P */
        row[0] = base;
        ge_p3_to_cached(&c, &base);
        for (int j = 1; j < 8; j++) { ge_add(&t, &row[j - 1], &c); ge_p1p1_to_p3(&row[j], &t); }
        ge_batch_to_niels(nrow, row, 8);
        for (int j = 0; j < 8; j++) ge_niels_to_niels4(&tab->row[i][j], &nrow[j]);
        /* base = 16 base = 2 * (8 base) */
        ge_p3_dbl(&t, &row[7]);
        ge_p1p1_to_p3(&base, &t);
    }
}

static inline void ge_niels_select(ge_niels *t, const ge_niels4 row[8], int8_t b) {
    const uint8_t bneg = (uint8_t)b >> 7;
    const uint8_t babs = (uint8_t)(b - 2 * ((-(int)bneg) & b));
    ge_niels minus, e;
    ge_niels_0(t);
    for (int j = 0; j < 8; j++) {
        ge_niels4_get(&e, &row[j]);
        ge_niels_cmov(t, &e, ge_eq_u8(babs, (uint8_t)(j + 1)));
    }
    minus.ypx = t->ymx; minus.ymx = t->ypx;
    fe_neg(&minus.xy2d, &t->xy2d);
    ge_niels_cmov(t, &minus, bneg);
}

void ge_scalarmult_fixed_ref(ge_p3 *r, const uint8_t a[32], const ge_fixed_table *tab) {
    int8_t e[64];
    ge_niels t;
    ge_p1p1 s;
    sc_recode16(e, a);
    ge_p3_0(r);
    for (int i = 0; i < GE_FB_ROWS; i++) {
        ge_niels_select(&t, tab->row[i], e[i]);
        ge_madd(&s, r, &t);
        ge_p1p1_to_p3(r, &s);
    }
    ec_wipe(e, sizeof e); ec_wipe(&t, sizeof t); ec_wipe(&s, sizeof s);
}

/* ---- variable-time double-scalar ---------------------------------------- */

void ge_double_scalarmult_base_vartime(ge_p3 *r, const uint8_t a[32], const uint8_t b[32],
                                       const ge_p3 *p) {
    int8_t na[256], nb[256];
    ge_cached pt[8];   /* (2j+1) P */
    ge_p1p1 t;
    ge_p3 u, p2;
    ge_p2 q;
    int i;

    sc_wnaf_vartime(na, a, 8);
    sc_wnaf_vartime(nb, b, 5);
    ge_p3_to_cached(&pt[0], p);
    ge_p3_dbl(&t, p); ge_p1p1_to_p3(&p2, &t);
    for (int j = 1; j < 8; j++) {
        ge_add(&t, &p2, &pt[j - 1]); ge_p1p1_to_p3(&u, &t);
        ge_p3_to_cached(&pt[j], &u);
    }
    for (i = 255; i >= 0 && !na[i] && !nb[i]; i--) {}
    if (i < 0) { ge_p3_0(r); return; }      /* a = b = 0 */
    ge_p3_0(&u);
    ge_p3_to_p2(&q, &u);
    for (; i >= 0; i--) {
        ge_p2_dbl(&t, &q);
        if (na[i] || nb[i]) {
            ge_p1p1_to_p3(&u, &t);
            if (na[i] > 0) ge_madd(&t, &u, &ge_base_odd_multiples[na[i] / 2]);
            else if (na[i] < 0) ge_msub(&t, &u, &ge_base_odd_multiples[(-na[i]) / 2]);
            if (nb[i]) {
                if (na[i]) ge_p1p1_to_p3(&u, &t);
                if (nb[i] > 0) ge_add(&t, &u, &pt[nb[i] / 2]);
                else ge_sub(&t, &u, &pt[(-nb[i]) / 2]);
            }
        }
        ge_p1p1_to_p2(&q, &t);
    }
    ge_p1p1_to_p3(r, &t);   /* the last completed point, with T */
}

/* ---- init --------------------------------------------------------------- */

int n3_ec_init(void) {
    if (ge_base_table_ready) return N3_OK;
    /* Field backend: the fastest available, unless N3_FORCE_FIELD says
     * otherwise (an unavailable forced backend leaves ref in place and is
     * reported by n3_ec_field_backend()). */
    const char *force = getenv("N3_FORCE_FIELD");
    if (force && !strcmp(force, "ref")) ge_field_backend = N3_EC_FIELD_REF;
    else if (force && !strcmp(force, "ifma"))
        ge_field_backend = ge_ifma_available() ? N3_EC_FIELD_IFMA : N3_EC_FIELD_REF;
    else ge_field_backend = ge_ifma_available() ? N3_EC_FIELD_IFMA : N3_EC_FIELD_REF;
    ge_p3 b, b2, row[64];
    ge_p1p1 t;
    ge_cached c;
    ge_base(&b);
    ge_fixed_table_build(&ge_base_table, &b);
    ge_p3_dbl(&t, &b); ge_p1p1_to_p3(&b2, &t);
    ge_p3_to_cached(&c, &b2);
    row[0] = b;
    for (int j = 1; j < 64; j++) { ge_add(&t, &row[j - 1], &c); ge_p1p1_to_p3(&row[j], &t); }
    ge_batch_to_niels(ge_base_odd_multiples, row, 64);
    for (int j = 0; j < 64; j++) ge_niels_to_niels4(&ge_base_odd_multiples4[j], &ge_base_odd_multiples[j]);
    ge_base_table_ready = 1;
    return N3_OK;
}
