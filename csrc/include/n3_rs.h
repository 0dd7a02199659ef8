/*
 * Systematic Reed-Solomon erasure code over GF(2^8) (0x11D) with a Cauchy
 * parity matrix, in generalized Reed-Solomon (GRS) form so that corrupted
 * shards can be located from syndromes.
 *
 * Shard l (0 <= l < n = k + m) has evaluation point a_l = l + 1. Parity
 * shard j is sum_i d_i / (a_i + a_{k+j}): every square submatrix of a
 * Cauchy matrix is invertible, so any k shards determine the data.
 */
#ifndef N3_RS_H
#define N3_RS_H

#include <stddef.h>
#include <stdint.h>

#define N3_RS_MAX_SHARDS 255
#define N3_RS_CACHE_SLOTS 8

typedef struct n3_rs_ctx n3_rs_ctx;

/* Bytes the caller must provide for a context of k data and m parity shards. */
size_t n3_rs_ctx_size(unsigned k, unsigned m);
/* Initialize ctx (ctx_len bytes, from n3_rs_ctx_size) for k + m <= 255, k >= 1. */
int n3_rs_ctx_init(n3_rs_ctx *ctx, size_t ctx_len, unsigned k, unsigned m, int kernel);
int n3_rs_ctx_kernel(const n3_rs_ctx *ctx);
/* The m x k parity matrix (row j gives parity shard j). */
int n3_rs_parity_matrix(const n3_rs_ctx *ctx, uint8_t *out);

/* parity[0..m) = parity of data[0..k), each len bytes. */
int n3_rs_encode(const n3_rs_ctx *ctx, size_t len, const uint8_t *const *data,
                 uint8_t *const *parity);

/*
 * Decode rows for an erasure pattern. present[l] != 0 marks available
 * shards (at least k), want[l] != 0 the shards to rebuild (each missing).
 * Writes the k source shard indices (the first k present) to src_idx and,
 * for each wanted shard in index order, k coefficients to rows, so that
 * shard = sum_t rows[w*k + t] * shard[src_idx[t]]. The inverse matrix of
 * each pattern is cached in ctx: callers sharing a ctx across threads must
 * serialize this call (the dot product itself needs no lock).
 */
int n3_rs_decode_rows(n3_rs_ctx *ctx, const uint8_t *present, const uint8_t *want,
                      uint8_t *src_idx, uint8_t *rows);

/* Scratch bytes n3_rs_locate needs. */
size_t n3_rs_locate_scratch_size(const n3_rs_ctx *ctx);

/*
 * Locate corrupted shards among the present ones. Returns the number of
 * corrupted shards found (marked 1 in bad[0..n)), 0 if the present shards
 * are a consistent codeword, or N3_EDECODE when the corruption exceeds
 * floor((present - k) / 2) shards, as far as the code's distance can tell.
 * With exactly k present shards nothing can be checked and 0 is returned.
 */
int n3_rs_locate(const n3_rs_ctx *ctx, size_t len, const uint8_t *const *shards,
                 const uint8_t *present, uint8_t *scratch, size_t scratch_len, uint8_t *bad);

/* Parity-check rows for the present pattern: (present - k) x present. */
int n3_rs_check_rows(const n3_rs_ctx *ctx, const uint8_t *present, uint8_t *rows);

#endif
