/*
 * GFNI GF(2^8) dot products. Multiplication by a constant c is an 8x8 bit
 * matrix over GF(2) (gf_field.affine[c]), applied to every byte by
 * GF2P8AFFINEQB; the matrix depends only on the public coefficient, so the
 * kernels are constant time in the data. (GF2P8MULB would need the field
 * 0x11B; the affine form works for any primitive polynomial.)
 *
 * gf_dot_gfni: GFNI with AVX2 registers (ymm), for CPUs without AVX-512.
 * gf_dot_gfni512: GFNI with AVX-512BW/VL; sources are folded in pairs with
 *   VPTERNLOGQ (a ^ b ^ c in one instruction).
 */
#include "cpu.h"
#include "gf256_internal.h"

#if N3_HAVE_X86_SIMD
#include <immintrin.h>

#define T_GFNI __attribute__((target("avx2,gfni")))
#define T_GFNI512 __attribute__((target("avx2,gfni,avx512f,avx512bw,avx512vl")))
#define INLINE static inline __attribute__((always_inline))

INLINE T_GFNI void dot_gfni_group(const gf_field *f, size_t len, size_t nsrc, size_t g,
                                  const uint8_t *coeffs, const uint8_t *const *src,
                                  uint8_t *const *dst, int accumulate) {
    for (size_t p = 0; p + 64 <= len; p += 64) {
        __m256i a[4][2];
        for (size_t i = 0; i < g; i++) {
            if (accumulate) {
                a[i][0] = _mm256_loadu_si256((const __m256i *)(dst[i] + p));
                a[i][1] = _mm256_loadu_si256((const __m256i *)(dst[i] + p + 32));
            } else {
                a[i][0] = _mm256_setzero_si256();
                a[i][1] = _mm256_setzero_si256();
            }
        }
        for (size_t j = 0; j < nsrc; j++) {
            const __m256i x0 = _mm256_loadu_si256((const __m256i *)(src[j] + p));
            const __m256i x1 = _mm256_loadu_si256((const __m256i *)(src[j] + p + 32));
            for (size_t i = 0; i < g; i++) {
                const __m256i m = _mm256_set1_epi64x((long long)f->affine[coeffs[i * nsrc + j]]);
                a[i][0] = _mm256_xor_si256(a[i][0], _mm256_gf2p8affine_epi64_epi8(x0, m, 0));
                a[i][1] = _mm256_xor_si256(a[i][1], _mm256_gf2p8affine_epi64_epi8(x1, m, 0));
            }
        }
        for (size_t i = 0; i < g; i++) {
            _mm256_storeu_si256((__m256i *)(dst[i] + p), a[i][0]);
            _mm256_storeu_si256((__m256i *)(dst[i] + p + 32), a[i][1]);
        }
    }
}

T_GFNI void gf_dot_gfni(const gf_field *f, size_t len, size_t nsrc, size_t ndst,
                        const uint8_t *coeffs, const uint8_t *const *src, uint8_t *const *dst,
                        int flags) {
    const int accumulate = flags & GF_DOT_ACCUMULATE;
    const size_t body = len & ~(size_t)63;
    for (size_t i0 = 0; i0 < ndst; i0 += 4) {
        const size_t g = ndst - i0 < 4 ? ndst - i0 : 4;
        const uint8_t *c = coeffs + i0 * nsrc;
        uint8_t *const *d = dst + i0;
        switch (g) {
        case 1: dot_gfni_group(f, body, nsrc, 1, c, src, d, accumulate); break;
        case 2: dot_gfni_group(f, body, nsrc, 2, c, src, d, accumulate); break;
        case 3: dot_gfni_group(f, body, nsrc, 3, c, src, d, accumulate); break;
        default: dot_gfni_group(f, body, nsrc, 4, c, src, d, accumulate); break;
        }
    }
    gf_dot_tail(f, body, len, nsrc, ndst, coeffs, src, dst, flags);
}

/* 128 bytes per step in two zmm, so each matrix load serves two products;
 * sources in pairs folded by VPTERNLOGQ 0x96 (three-way xor). The matrices
 * of this destination group are gathered once per call into `mats`
 * (mats[j*g + i]), which the compiler folds into the affine instruction as
 * a {1to8} broadcast operand. */
INLINE T_GFNI512 void dot_gfni512_group(size_t len, size_t nsrc, size_t g, const uint64_t *mats,
                                        const uint8_t *const *src, uint8_t *const *dst,
                                        size_t off, int accumulate) {
    size_t p = off;
    for (; p + 128 <= len; p += 128) {
        __m512i a[6], b[6];
        for (size_t i = 0; i < g; i++) {
            if (accumulate) {
                a[i] = _mm512_loadu_si512((const void *)(dst[i] + p));
                b[i] = _mm512_loadu_si512((const void *)(dst[i] + p + 64));
            } else {
                a[i] = _mm512_setzero_si512();
                b[i] = _mm512_setzero_si512();
            }
        }
        size_t j = 0;
        for (; j + 2 <= nsrc; j += 2) {
            const __m512i x0 = _mm512_loadu_si512((const void *)(src[j] + p));
            const __m512i x1 = _mm512_loadu_si512((const void *)(src[j] + p + 64));
            const __m512i y0 = _mm512_loadu_si512((const void *)(src[j + 1] + p));
            const __m512i y1 = _mm512_loadu_si512((const void *)(src[j + 1] + p + 64));
            for (size_t i = 0; i < g; i++) {
                const __m512i m0 = _mm512_set1_epi64((long long)mats[j * g + i]);
                const __m512i m1 = _mm512_set1_epi64((long long)mats[(j + 1) * g + i]);
                a[i] = _mm512_ternarylogic_epi64(a[i], _mm512_gf2p8affine_epi64_epi8(x0, m0, 0),
                                                 _mm512_gf2p8affine_epi64_epi8(y0, m1, 0), 0x96);
                b[i] = _mm512_ternarylogic_epi64(b[i], _mm512_gf2p8affine_epi64_epi8(x1, m0, 0),
                                                 _mm512_gf2p8affine_epi64_epi8(y1, m1, 0), 0x96);
            }
        }
        if (j < nsrc) {
            const __m512i x0 = _mm512_loadu_si512((const void *)(src[j] + p));
            const __m512i x1 = _mm512_loadu_si512((const void *)(src[j] + p + 64));
            for (size_t i = 0; i < g; i++) {
                const __m512i m0 = _mm512_set1_epi64((long long)mats[j * g + i]);
                a[i] = _mm512_xor_si512(a[i], _mm512_gf2p8affine_epi64_epi8(x0, m0, 0));
                b[i] = _mm512_xor_si512(b[i], _mm512_gf2p8affine_epi64_epi8(x1, m0, 0));
            }
        }
        for (size_t i = 0; i < g; i++) {
            _mm512_storeu_si512((void *)(dst[i] + p), a[i]);
            _mm512_storeu_si512((void *)(dst[i] + p + 64), b[i]);
        }
    }
    /* One 64-byte step for the remainder, if any. */
    for (; p + 64 <= len; p += 64) {
        for (size_t i = 0; i < g; i++) {
            __m512i acc = accumulate ? _mm512_loadu_si512((const void *)(dst[i] + p))
                                     : _mm512_setzero_si512();
            for (size_t j = 0; j < nsrc; j++) {
                const __m512i x = _mm512_loadu_si512((const void *)(src[j] + p));
                acc = _mm512_xor_si512(acc, _mm512_gf2p8affine_epi64_epi8(
                                                x, _mm512_set1_epi64((long long)mats[j * g + i]), 0));
            }
            _mm512_storeu_si512((void *)(dst[i] + p), acc);
        }
    }
}

T_GFNI512 void gf_dot_gfni512(const gf_field *f, size_t len, size_t nsrc, size_t ndst,
                              const uint8_t *coeffs, const uint8_t *const *src,
                              uint8_t *const *dst, int flags) {
    const int accumulate = flags & GF_DOT_ACCUMULATE;
    const size_t body = len & ~(size_t)63;
    uint64_t mats[6 * 255];
    for (size_t i0 = 0; i0 < ndst; i0 += 6) {
        const size_t g = ndst - i0 < 6 ? ndst - i0 : 6;
        for (size_t j = 0; j < nsrc; j++)
            for (size_t i = 0; i < g; i++) mats[j * g + i] = f->affine[coeffs[(i0 + i) * nsrc + j]];
        uint8_t *const *d = dst + i0;
        switch (g) {
        case 1: dot_gfni512_group(body, nsrc, 1, mats, src, d, 0, accumulate); break;
        case 2: dot_gfni512_group(body, nsrc, 2, mats, src, d, 0, accumulate); break;
        case 3: dot_gfni512_group(body, nsrc, 3, mats, src, d, 0, accumulate); break;
        case 4: dot_gfni512_group(body, nsrc, 4, mats, src, d, 0, accumulate); break;
        case 5: dot_gfni512_group(body, nsrc, 5, mats, src, d, 0, accumulate); break;
        default: dot_gfni512_group(body, nsrc, 6, mats, src, d, 0, accumulate); break;
        }
    }
    gf_dot_tail(f, body, len, nsrc, ndst, coeffs, src, dst, flags);
}
#endif
