/*
 * AVX2 GF(2^8) dot product: split-nibble tables and VPSHUFB.
 * c*x = T_lo[x & 15] ^ T_hi[x >> 4]; the tables depend only on the public
 * coefficient, the shuffles are constant time in the data.
 * Up to four destinations per pass, 64 bytes per step, sources read once
 * per pass. Compiled for AVX2 by a function attribute only: the caller has
 * checked the CPU. The compiler emits VZEROUPPER on return.
 */
#include "cpu.h"
#include "gf256_internal.h"

#if N3_HAVE_X86_SIMD
#include <immintrin.h>

#define T_AVX2 __attribute__((target("avx2")))

static inline T_AVX2 __attribute__((always_inline)) void
dot_avx2_group(const gf_field *f, size_t len, size_t nsrc, size_t g, const uint8_t *coeffs,
               const uint8_t *const *src, uint8_t *const *dst, int accumulate) {
    const __m256i m0f = _mm256_set1_epi8(0x0f);
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
            const __m256i l0 = _mm256_and_si256(x0, m0f);
            const __m256i l1 = _mm256_and_si256(x1, m0f);
            const __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(x0, 4), m0f);
            const __m256i h1 = _mm256_and_si256(_mm256_srli_epi16(x1, 4), m0f);
            for (size_t i = 0; i < g; i++) {
                const uint8_t *t = f->nib[coeffs[i * nsrc + j]];
                const __m256i tl = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t));
                const __m256i th = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(t + 16)));
                a[i][0] = _mm256_xor_si256(a[i][0], _mm256_xor_si256(_mm256_shuffle_epi8(tl, l0),
                                                                     _mm256_shuffle_epi8(th, h0)));
                a[i][1] = _mm256_xor_si256(a[i][1], _mm256_xor_si256(_mm256_shuffle_epi8(tl, l1),
                                                                     _mm256_shuffle_epi8(th, h1)));
            }
        }
        for (size_t i = 0; i < g; i++) {
            _mm256_storeu_si256((__m256i *)(dst[i] + p), a[i][0]);
            _mm256_storeu_si256((__m256i *)(dst[i] + p + 32), a[i][1]);
        }
    }
}

T_AVX2 void gf_dot_avx2(const gf_field *f, size_t len, size_t nsrc, size_t ndst,
                        const uint8_t *coeffs, const uint8_t *const *src, uint8_t *const *dst,
                        int flags) {
    const int accumulate = flags & GF_DOT_ACCUMULATE;
    const size_t body = len & ~(size_t)63;
    for (size_t i0 = 0; i0 < ndst; i0 += 4) {
        const size_t g = ndst - i0 < 4 ? ndst - i0 : 4;
        const uint8_t *c = coeffs + i0 * nsrc;
        uint8_t *const *d = dst + i0;
        switch (g) {
        case 1: dot_avx2_group(f, body, nsrc, 1, c, src, d, accumulate); break;
        case 2: dot_avx2_group(f, body, nsrc, 2, c, src, d, accumulate); break;
        case 3: dot_avx2_group(f, body, nsrc, 3, c, src, d, accumulate); break;
        default: dot_avx2_group(f, body, nsrc, 4, c, src, d, accumulate); break;
        }
    }
    gf_dot_tail(f, body, len, nsrc, ndst, coeffs, src, dst, flags);
}
#endif
