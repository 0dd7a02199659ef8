/*
 * GF(2^8) arithmetic over the polynomial 0x11D (x^8+x^4+x^3+x^2+1), with
 * region kernels chosen at run time.
 */
#ifndef N3_GF256_H
#define N3_GF256_H

#include <stddef.h>
#include <stdint.h>

/* Flags for n3_gf256_dot_prod. */
#define N3_GF_ACCUMULATE 1  /* dst ^= result instead of dst = result */
#define N3_GF_CONSTTIME  2  /* source bytes are secret: no table indexed by data */

/* Constant-time scalar multiplication and inversion (inv(0) is defined as 0). */
uint8_t n3_gf256_mul(uint8_t a, uint8_t b);
uint8_t n3_gf256_inv(uint8_t a);

/*
 * dst[i][0..len) (^)= sum_j coeffs[i*nsrc + j] * src[j][0..len), for i < ndst.
 * Coefficients are public; with N3_GF_CONSTTIME the running time and memory
 * accesses do not depend on the source bytes. Destinations must not overlap
 * sources unless nsrc == ndst == 1 and dst == src.
 */
int n3_gf256_dot_prod(int kernel, int flags, size_t len, size_t nsrc, size_t ndst,
                      const uint8_t *coeffs, const uint8_t *const *src, uint8_t *const *dst);

/* out[i*ncols + j] = xs[i]^j (a Vandermonde matrix), i < nxs, j < ncols. */
int n3_gf256_vandermonde(uint8_t *out, const uint8_t *xs, size_t nxs, size_t ncols);

/*
 * Lagrange basis at `at` for distinct points xs[0..n):
 * out[i] = prod_{j != i} (at - xs[j]) / (xs[i] - xs[j]).  N3_EINVAL if two
 * points coincide.
 */
int n3_gf256_lagrange(uint8_t *out, const uint8_t *xs, size_t n, uint8_t at);

/* Invert the n x n matrix a (row major, destroyed) into out; N3_ESINGULAR if singular. */
int n3_gf256_invert_matrix(uint8_t *out, uint8_t *a, size_t n);

#endif
