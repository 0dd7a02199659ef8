/* GF(2^8) tables and the kernel interface (internal). */
#ifndef N3_GF256_INTERNAL_H
#define N3_GF256_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Tables for one field GF(2)[x]/(prim) with a chosen generator. The default
 * field (0x11D, generator 2) is built once by n3_init(); a codec for another
 * primitive polynomial owns its own copy inside its context struct.
 */
typedef struct gf_field {
    uint8_t mul[256][256];   /* mul[a][b] = a*b: data-indexed, public data only */
    uint8_t exp[512];        /* exp[i] = g^i, doubled so exp[log a + log b] needs no reduction */
    uint8_t log[256];        /* log[0] is unused (0) */
    uint8_t nib[256][32];    /* nib[c] = {c*0..c*15, c*0x00..c*0xf0}: VPSHUFB tables */
    uint64_t affine[256];    /* GF2P8AFFINEQB matrix for x -> c*x */
    unsigned prim;           /* primitive polynomial incl. the x^8 term */
    uint8_t xtime_red;       /* prim & 0xff: what xtime xors in on carry */
    uint8_t generator;
} gf_field;

extern gf_field gf256_default;   /* 0x11D, generator 2; read-only after n3_init */

void gf256_init_tables(void);
/* 0, or N3_EINVAL if prim is not irreducible of degree 8 or g does not generate. */
int gf_field_build(gf_field *f, unsigned prim, unsigned generator);

static inline uint8_t gf_mul_vartime(const gf_field *f, uint8_t a, uint8_t b) {
    return f->mul[a][b];
}
/* Constant-time product in field f (shift-and-add; no table). */
static inline uint8_t gf_mul_ct(const gf_field *f, uint8_t a, uint8_t b) {
    uint8_t r = 0;
    for (int i = 7; i >= 0; i--) {
        r = (uint8_t)((r << 1) ^ ((uint8_t)(0u - (r >> 7)) & f->xtime_red));
        r ^= (uint8_t)(0u - ((b >> i) & 1u)) & a;
    }
    return r;
}
static inline uint8_t gf_inv_vartime(const gf_field *f, uint8_t a) {
    return a ? f->exp[255 - f->log[a]] : 0;
}
static inline uint8_t gf_div_vartime(const gf_field *f, uint8_t a, uint8_t b) {
    /* b != 0 */
    return a ? f->exp[f->log[a] + 255 - f->log[b]] : 0;
}
static inline uint8_t gf_pow_vartime(const gf_field *f, uint8_t a, unsigned e) {
    if (e == 0) return 1;
    if (a == 0) return 0;
    return f->exp[(f->log[a] * (unsigned long)e) % 255];
}

/*
 * The kernel interface: dst[i] (^)= sum_j coeffs[i*nsrc+j] * src[j].
 * flags: GF_DOT_ACCUMULATE selects ^=; GF_DOT_CONSTTIME asks that no table
 * be indexed by data (the SIMD bodies never do; it governs their scalar
 * tails). gf_dot_ref always indexes tables by data: public data only.
 */
#define GF_DOT_ACCUMULATE 1
#define GF_DOT_CONSTTIME 2
typedef void (*gf_dot_fn)(const gf_field *f, size_t len, size_t nsrc, size_t ndst,
                          const uint8_t *coeffs, const uint8_t *const *src,
                          uint8_t *const *dst, int flags);

void gf_dot_ref(const gf_field *, size_t, size_t, size_t, const uint8_t *,
                const uint8_t *const *, uint8_t *const *, int);
void gf_dot_ref_ct(const gf_field *, size_t, size_t, size_t, const uint8_t *,
                   const uint8_t *const *, uint8_t *const *, int);
void gf_dot_avx2(const gf_field *, size_t, size_t, size_t, const uint8_t *,
                 const uint8_t *const *, uint8_t *const *, int);
void gf_dot_gfni(const gf_field *, size_t, size_t, size_t, const uint8_t *,
                 const uint8_t *const *, uint8_t *const *, int);
void gf_dot_gfni512(const gf_field *, size_t, size_t, size_t, const uint8_t *,
                    const uint8_t *const *, uint8_t *const *, int);

/* Scalar tail used by every kernel for bytes [off, len): tables unless
 * GF_DOT_CONSTTIME, then shift-and-add. */
void gf_dot_tail(const gf_field *f, size_t off, size_t len, size_t nsrc, size_t ndst,
                 const uint8_t *coeffs, const uint8_t *const *src,
                 uint8_t *const *dst, int flags);

int gf_invert_matrix_field(const gf_field *f, uint8_t *out, uint8_t *work, size_t n);

/* Resolve a kernel id (after availability was checked) and constant-time flag. */
gf_dot_fn gf_dot_select(int kernel, int consttime);

#endif
