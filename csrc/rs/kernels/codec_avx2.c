/*
 * AVX2 kernel of the codeword codec (CPUs without GFNI): the data byte
 * c[i] selects its split-nibble tables f->nib[c[i]] (c*lo, c*(hi<<4)),
 * broadcast to both 128-bit lanes, and two VPSHUFB multiply 32 constant
 * table bytes by c[i]: c*x = nib_lo[x & 15] ^ nib_hi[x >> 4].
 * Compiled by a function attribute only; the compiler emits VZEROUPPER.
 */
#include "codec_kernels.h"
#include "cpu.h"

#if N3_HAVE_X86_SIMD
#include <immintrin.h>

#define T_AVX2 __attribute__((target("avx2")))

static inline T_AVX2 __attribute__((always_inline)) __m256i
mulv(const gf_field *f, uint8_t ci, __m256i x, __m256i m0f) {
    const __m256i lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)f->nib[ci]));
    const __m256i hi =
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(f->nib[ci] + 16)));
    const __m256i xl = _mm256_and_si256(x, m0f);
    const __m256i xh = _mm256_and_si256(_mm256_srli_epi16(x, 4), m0f);
    return _mm256_xor_si256(_mm256_shuffle_epi8(lo, xl), _mm256_shuffle_epi8(hi, xh));
}

#define ROW(i) _mm256_loadu_si256((const __m256i *)(t + (i) * stride + b))

T_AVX2 void rsc_lincomb_avx2(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c,
                             size_t count, const uint8_t *t, size_t stride) {
    const __m256i m0f = _mm256_set1_epi8(0x0f);
    for (size_t b = 0; b < w; b += 32) {
        __m256i a0 = _mm256_setzero_si256(), a1 = a0;
        size_t i = 0;
        for (; i + 2 <= count; i += 2) {
            a0 = _mm256_xor_si256(a0, mulv(f, c[i], ROW(i), m0f));
            a1 = _mm256_xor_si256(a1, mulv(f, c[i + 1], ROW(i + 1), m0f));
        }
        if (i < count) a0 = _mm256_xor_si256(a0, mulv(f, c[i], ROW(i), m0f));
        _mm256_storeu_si256((__m256i *)(out + b), _mm256_xor_si256(a0, a1));
    }
}
#endif
