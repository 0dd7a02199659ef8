/*
 * Sphinx packets (docs/onion.md): the per-hop curve work in few C calls.
 *
 * The symmetric half of Sphinx (HKDF, ChaCha20, BLAKE2b, LIONESS) stays in
 * Python on well-kept libraries; these functions do the group half.  Every
 * function returns N3_OK or a negative N3_E* code and zeroes its outputs on
 * failure.  Constant time in the secret scalars (y, c, the blinding b).
 */
#ifndef N3_SPHINX_H
#define N3_SPHINX_H

#include <stddef.h>
#include <stdint.h>

/* Caller-owned, 8-byte aligned state carried from hop_shared to hop_blind
 * (the decoded alpha). */
#define N3_SPHINX_CTX_BYTES 256

size_t n3_sphinx_ctx_bytes(void);

/* Relay, step 1: decode alpha (N3_EENCODING if it is not a canonical
 * encoding or is the identity), shared = y alpha (y canonical, nonzero),
 * keep the decoded alpha in ctx. */
int n3_sphinx_hop_shared(uint8_t shared[32], void *ctx, size_t ctx_len, const uint8_t y[32],
                         const uint8_t alpha[32]);

/* Relay, step 2: alpha_next = (b_wide mod l) alpha for the alpha that step 1
 * left in ctx; wipes ctx.  N3_EINVAL if ctx was not filled by step 1. */
int n3_sphinx_hop_blind(uint8_t alpha_next[32], void *ctx, size_t ctx_len,
                        const uint8_t b_wide[64]);

/* Sender, one hop: alpha = c B (skipped when alpha is NULL: only the first
 * hop's alpha goes into a header) and shared = c Y, where Y is the relay's
 * key given either as an encoding (table == NULL) or as a fixed-base table of
 * N3_RISTRETTO255_TABLE_BYTES built by n3_ristretto255_table_build (then y_pub
 * is ignored).  N3_EENCODING if y_pub is not a valid non-identity element. */
int n3_sphinx_create_hop(uint8_t alpha[32], uint8_t shared[32], const uint8_t c[32],
                         const uint8_t y_pub[32], const void *table, size_t table_len);

/* Sender: c_next = c (b_wide mod l). */
int n3_sphinx_blind_scalar(uint8_t c_next[32], const uint8_t c[32], const uint8_t b_wide[64]);

#endif
