/*
 * Kernels of the Reed-Solomon codeword codec (csrc/rs/codec.c), internal.
 *
 * One primitive serves syndromes, encoding and the Chien search: a linear
 * combination of constant table rows with data-dependent scalars,
 *
 *     out[0..w) = sum_{i<count} c[i] * t[i*stride + 0..w)       (in GF(2^8))
 *
 * where c[] is data (codeword bytes, or locator coefficients) and the rows
 * t[] are constant powers of alpha. The SIMD kernels turn each scalar c[i]
 * into a multiplier (the GF2P8AFFINEQB bit matrix f->affine[c[i]], or the
 * VPSHUFB nibble tables f->nib[c[i]]) applied to 32 table bytes at once.
 * Preconditions: w is a multiple of 32 with 32 <= w <= stride; the table
 * holds count rows of `stride` bytes; out has w bytes. These kernels index
 * tables by data: public data only.
 */
#ifndef N3_CODEC_KERNELS_H
#define N3_CODEC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "gf256_internal.h"

typedef void (*rsc_lincomb_fn)(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c,
                               size_t count, const uint8_t *t, size_t stride);

void rsc_lincomb_ref(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c, size_t count,
                     const uint8_t *t, size_t stride);
void rsc_lincomb_avx2(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c, size_t count,
                      const uint8_t *t, size_t stride);
void rsc_lincomb_gfni(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c, size_t count,
                      const uint8_t *t, size_t stride);
void rsc_lincomb_gfni512(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c,
                         size_t count, const uint8_t *t, size_t stride);

#endif
