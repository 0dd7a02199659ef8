/*
 * Portable GF(2^8) dot-product kernels.
 *
 * gf_dot_ref: 256-byte row of the multiplication table per coefficient,
 *   eight bytes per step; indexes tables by data, so public data only.
 *   Works in blocks so the destinations stay in L1 while every source
 *   streams through once per block (zfec makes one pass per source and
 *   destination over the whole shard).
 * gf_dot_ref_ct: shift-and-add on eight bytes at a time (SWAR); branches
 *   only on the public coefficient bits; for secret data on CPUs without
 *   SIMD kernels.
 */
#include <string.h>

#include "gf256_internal.h"

static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/*
 * Up to four destinations per pass; for each 8-byte position every source
 * word is loaded once and each of its bytes indexes the table rows of all
 * g coefficients, so a destination word is written once per pass instead
 * of once per source (zfec makes one pass per source and destination).
 */
static inline __attribute__((always_inline)) void
dot_ref_group(const gf_field *f, size_t len, size_t nsrc, size_t g, const uint8_t *coeffs,
              size_t cstride, const uint8_t *const *src, uint8_t *const *dst, int accumulate) {
    const uint8_t *rows[4][256];
    for (size_t i = 0; i < g; i++)
        for (size_t j = 0; j < nsrc; j++) rows[i][j] = f->mul[coeffs[i * cstride + j]];
    const size_t len8 = len & ~(size_t)7;
    for (size_t p = 0; p < len8; p += 8) {
        uint64_t acc[4] = {0, 0, 0, 0};
        for (size_t j = 0; j < nsrc; j++) {
            const uint64_t sv = load64(src[j] + p);
            for (int b = 0; b < 8; b++) {
                const unsigned x = (unsigned)(sv >> (8 * b)) & 0xff;
                for (size_t i = 0; i < g; i++) acc[i] ^= (uint64_t)rows[i][j][x] << (8 * b);
            }
        }
        for (size_t i = 0; i < g; i++)
            store64(dst[i] + p, accumulate ? load64(dst[i] + p) ^ acc[i] : acc[i]);
    }
    for (size_t p = len8; p < len; p++) {
        for (size_t i = 0; i < g; i++) {
            uint8_t a = accumulate ? dst[i][p] : 0;
            for (size_t j = 0; j < nsrc; j++) a ^= rows[i][j][src[j][p]];
            dst[i][p] = a;
        }
    }
}

void gf_dot_ref(const gf_field *f, size_t len, size_t nsrc, size_t ndst, const uint8_t *coeffs,
                const uint8_t *const *src, uint8_t *const *dst, int flags) {
    const int accumulate = flags & GF_DOT_ACCUMULATE;
    for (size_t i0 = 0; i0 < ndst; i0 += 4) {
        const size_t g = ndst - i0 < 4 ? ndst - i0 : 4;
        const uint8_t *c = coeffs + i0 * nsrc;
        uint8_t *const *d = dst + i0;
        switch (g) {
        case 1: dot_ref_group(f, len, nsrc, 1, c, nsrc, src, d, accumulate); break;
        case 2: dot_ref_group(f, len, nsrc, 2, c, nsrc, src, d, accumulate); break;
        case 3: dot_ref_group(f, len, nsrc, 3, c, nsrc, src, d, accumulate); break;
        default: dot_ref_group(f, len, nsrc, 4, c, nsrc, src, d, accumulate); break;
        }
    }
}

/* x * (the field's x) on eight packed bytes. */
static inline uint64_t xtime64(uint64_t v, uint64_t red) {
    return ((v & 0x7f7f7f7f7f7f7f7fULL) << 1) ^ (((v >> 7) & 0x0101010101010101ULL) * red);
}

static inline uint64_t mulc64_ct(uint64_t v, uint8_t c, uint64_t red) {
    uint64_t r = 0;
    for (int b = 7; b >= 0; b--) {
        r = xtime64(r, red);
        if ((c >> b) & 1) r ^= v;   /* c is public */
    }
    return r;
}

void gf_dot_ref_ct(const gf_field *f, size_t len, size_t nsrc, size_t ndst, const uint8_t *coeffs,
                   const uint8_t *const *src, uint8_t *const *dst, int flags) {
    const int accumulate = flags & GF_DOT_ACCUMULATE;
    const uint64_t red = f->xtime_red;
    const size_t len8 = len & ~(size_t)7;
    for (size_t i = 0; i < ndst; i++) {
        uint8_t *d = dst[i];
        for (size_t p = 0; p < len8; p += 8) {
            uint64_t acc = accumulate ? load64(d + p) : 0;
            for (size_t j = 0; j < nsrc; j++)
                acc ^= mulc64_ct(load64(src[j] + p), coeffs[i * nsrc + j], red);
            store64(d + p, acc);
        }
    }
    gf_dot_tail(f, len8, len, nsrc, ndst, coeffs, src, dst, flags | GF_DOT_CONSTTIME);
}

void gf_dot_tail(const gf_field *f, size_t off, size_t len, size_t nsrc, size_t ndst,
                 const uint8_t *coeffs, const uint8_t *const *src, uint8_t *const *dst,
                 int flags) {
    const int accumulate = flags & GF_DOT_ACCUMULATE;
    if (!(flags & GF_DOT_CONSTTIME)) {
        for (size_t i = 0; i < ndst; i++) {
            for (size_t p = off; p < len; p++) {
                uint8_t acc = accumulate ? dst[i][p] : 0;
                for (size_t j = 0; j < nsrc; j++) acc ^= f->mul[coeffs[i * nsrc + j]][src[j][p]];
                dst[i][p] = acc;
            }
        }
        return;
    }
    for (size_t i = 0; i < ndst; i++) {
        for (size_t p = off; p < len; p++) {
            uint8_t acc = accumulate ? dst[i][p] : 0;
            for (size_t j = 0; j < nsrc; j++) acc ^= gf_mul_ct(f, src[j][p], coeffs[i * nsrc + j]);
            dst[i][p] = acc;
        }
    }
}
