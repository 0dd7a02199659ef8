/*
 * Reed-Solomon codec over byte codewords (reedsolo-compatible conventions).
 *
 * GF(2^8) is built from any primitive polynomial `prim` (degree 8) and
 * primitive element `generator` (alpha). A codeword of n <= 255 bytes is a
 * polynomial whose FIRST byte is the HIGHEST-degree coefficient (byte i has
 * degree n-1-i); the last nsym bytes are the parity. The generator
 * polynomial is g(x) = prod_{i<nsym} (x - alpha^(fcr+i)); encoding is
 * systematic: parity = msg(x) * x^nsym mod g(x). This is exactly what
 * reedsolo 1.7 produces for the same parameters.
 *
 * Decoding corrects e errors and f erasures whenever 2e + f <= nsym
 * (syndromes, Forney syndromes, Berlekamp-Massey, Chien search, Forney's
 * algorithm) and re-checks the syndromes of every corrected codeword, so a
 * miscorrection is reported (N3_EDECODE / a failed chunk), never returned.
 *
 * Buffers are split into chunks of n bytes (the last one may be shorter),
 * like reedsolo's RSCodec; a batch of equal codewords is the same call
 * with len a multiple of n.
 *
 * The context is caller-owned (n3_rscodec_ctx_size() bytes) and read-only
 * after n3_rscodec_ctx_init(), so one context may be shared by threads.
 * Nothing here is constant time: the codec indexes tables by codeword
 * bytes and branches on error positions. Use it for public data only.
 */
#ifndef N3_RSCODEC_H
#define N3_RSCODEC_H

#include <stddef.h>
#include <stdint.h>

#define N3_RSCODEC_MAX_N 255
/* n3_rscodec_decode flags */
#define N3_RSCODEC_ONLY_ERASURES 1

typedef struct n3_rscodec_ctx n3_rscodec_ctx;

/* Bytes the caller must provide for a context (independent of parameters). */
size_t n3_rscodec_ctx_size(void);

/*
 * Initialize ctx for 1 <= nsym < nsize <= 255, fcr < 255 (reduce mod 255
 * first), a primitive polynomial 0x100 <= prim <= 0x1ff, a generator that
 * is a primitive element, and an available kernel (N3_KERNEL_AUTO picks
 * the best). N3_EINVAL / N3_EUNAVAILABLE on failure (ctx is then zeroed).
 */
int n3_rscodec_ctx_init(n3_rscodec_ctx *ctx, size_t ctx_len, unsigned nsym, unsigned nsize,
                        unsigned fcr, unsigned prim, unsigned generator, int kernel);
int n3_rscodec_ctx_kernel(const n3_rscodec_ctx *ctx);

/* g(x), nsym + 1 coefficients, highest degree first (out[0] == 1). */
int n3_rscodec_generator_poly(const n3_rscodec_ctx *ctx, uint8_t *out, size_t out_len);

/*
 * Encode `len` message bytes in chunks of k (the last chunk may be
 * shorter), each chunk followed by the context's nsym parity bytes.
 * Requires 1 <= k, k + nsym <= 255, and
 * out_len == len + ceil(len / k) * nsym.
 */
int n3_rscodec_encode(const n3_rscodec_ctx *ctx, uint8_t *out, size_t out_len,
                      const uint8_t *in, size_t len, size_t k);

/*
 * ok[c] = 1 if chunk c (n bytes, the last one possibly shorter) has all
 * nsym syndromes zero, else 0; ceil(len / n) flags. 1 <= nsym <= 254,
 * n <= 255.
 */
int n3_rscodec_check(const n3_rscodec_ctx *ctx, uint8_t *ok, const uint8_t *in, size_t len,
                     size_t n, unsigned nsym);

/* The nsym syndromes S_j = r(alpha^(fcr+j)) of one codeword of n bytes. */
int n3_rscodec_syndromes(const n3_rscodec_ctx *ctx, uint8_t *out, unsigned nsym,
                         const uint8_t *in, size_t n);

/*
 * Decode `len` bytes in chunks of n (the last one possibly shorter but
 * longer than nsym); count = ceil(len / n) chunks.
 *
 *   full      len bytes: the corrected chunks, parity included (or NULL)
 *   msg       len - count * nsym bytes: the corrected messages (or NULL)
 *   nerrata   count entries: symbols corrected in each chunk (erasures
 *             included), -1 if the chunk could not be corrected
 *   errata    count * nsym bytes: chunk-relative positions, the erasures
 *             first in the order given, then the errors in descending
 *             position order (reedsolo's order)
 *   erase_pos count * nsym bytes: chunk-relative erasure positions (or NULL)
 *   erase_cnt count entries: erasures per chunk (or NULL: none)
 *   flags     N3_RSCODEC_ONLY_ERASURES: do not look for errors
 *
 * Returns the number of chunks that could not be corrected (their output
 * bytes and errata are zeroed), or a negative N3_E* code for bad arguments
 * (erasure positions out of range or repeated, more than nsym erasures),
 * in which case every output is zeroed.
 */
int n3_rscodec_decode(const n3_rscodec_ctx *ctx, uint8_t *full, uint8_t *msg,
                      int16_t *nerrata, uint8_t *errata, const uint8_t *in, size_t len,
                      size_t n, unsigned nsym, const uint8_t *erase_pos,
                      const uint8_t *erase_cnt, unsigned flags);

/*
 * Test hook for the kernels: out[0..w) = sum_{i<count} c[i] * t[i*stride + 0..w)
 * computed by `kernel` in ctx's field; w a multiple of 32, 32 <= w <= 256,
 * w <= stride.
 */
int n3_rscodec_lincomb(const n3_rscodec_ctx *ctx, int kernel, uint8_t *out, size_t w,
                       const uint8_t *c, size_t count, const uint8_t *t, size_t stride);

#endif
