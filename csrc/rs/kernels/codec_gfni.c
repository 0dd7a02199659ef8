/*
 * GFNI kernels of the codeword codec. The data byte c[i] selects the bit
 * matrix f->affine[c[i]] (multiply-by-c[i], valid for any primitive
 * polynomial), broadcast to every lane, and GF2P8AFFINEQB applies it to 32
 * constant table bytes at once: one instruction multiplies a codeword byte
 * by 32 different powers of alpha. Four independent accumulators hide the
 * latency of the affine/XOR chain.
 *
 * rsc_lincomb_gfni:    GFNI + AVX2 (ymm).
 * rsc_lincomb_gfni512: GFNI + AVX-512VL on ymm (on Zen 4 a zmm op is two ymm
 *   ops, and the rows here are 32 bytes wide anyway); products are folded in
 *   pairs with VPTERNLOGQ (a ^ b ^ c).
 * Compiled by function attributes only; the compiler emits VZEROUPPER.
 */
#include "codec_kernels.h"
#include "cpu.h"

#if N3_HAVE_X86_SIMD
#include <immintrin.h>

#define T_GFNI __attribute__((target("avx2,gfni")))
#define T_GFNI512 __attribute__((target("avx2,gfni,avx512f,avx512bw,avx512vl")))

#define MAT(i) _mm256_set1_epi64x((long long)f->affine[c[i]])
#define ROW(i) _mm256_loadu_si256((const __m256i *)(t + (i) * stride + b))
#define MULV(i) _mm256_gf2p8affine_epi64_epi8(ROW(i), MAT(i), 0)

T_GFNI void rsc_lincomb_gfni(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c,
                             size_t count, const uint8_t *t, size_t stride) {
    for (size_t b = 0; b < w; b += 32) {
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        size_t i = 0;
        for (; i + 4 <= count; i += 4) {
            a0 = _mm256_xor_si256(a0, MULV(i));
            a1 = _mm256_xor_si256(a1, MULV(i + 1));
            a2 = _mm256_xor_si256(a2, MULV(i + 2));
            a3 = _mm256_xor_si256(a3, MULV(i + 3));
        }
        for (; i < count; i++) a0 = _mm256_xor_si256(a0, MULV(i));
        a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
        _mm256_storeu_si256((__m256i *)(out + b), a0);
    }
}

T_GFNI512 void rsc_lincomb_gfni512(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c,
                                   size_t count, const uint8_t *t, size_t stride) {
    for (size_t b = 0; b < w; b += 32) {
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        size_t i = 0;
        for (; i + 8 <= count; i += 8) {
            a0 = _mm256_ternarylogic_epi64(a0, MULV(i), MULV(i + 1), 0x96);
            a1 = _mm256_ternarylogic_epi64(a1, MULV(i + 2), MULV(i + 3), 0x96);
            a2 = _mm256_ternarylogic_epi64(a2, MULV(i + 4), MULV(i + 5), 0x96);
            a3 = _mm256_ternarylogic_epi64(a3, MULV(i + 6), MULV(i + 7), 0x96);
        }
        for (; i + 2 <= count; i += 2) a0 = _mm256_ternarylogic_epi64(a0, MULV(i), MULV(i + 1), 0x96);
        if (i < count) a1 = _mm256_xor_si256(a1, MULV(i));
        a0 = _mm256_ternarylogic_epi64(a0, a1, _mm256_xor_si256(a2, a3), 0x96);
        _mm256_storeu_si256((__m256i *)(out + b), a0);
    }
}
#endif
