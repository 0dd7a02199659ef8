/*
 * The certificateless signcryption hot path (docs/signcryption.md): the curve
 * work of signcrypt and unsigncrypt in few calls, so Python crosses into C
 * about twice per operation.
 *
 * Conventions as in n3_ec.h: N3_OK or a negative N3_E* code, outputs zeroed
 * on failure, points as 32-byte canonical ristretto255 encodings, scalars as
 * 32-byte little-endian canonical integers; "_wide" inputs are 64 bytes
 * reduced mod l (a SHA-512 digest read little-endian).
 */
#ifndef N3_CLSC_H
#define N3_CLSC_H

#include <stddef.h>
#include <stdint.h>

/* Signcrypt's key encapsulation.  k = k_wide mod l, U = k B, Z = k Q, where
 * Q comes from its fixed-base table when `table` is not NULL (table_len must
 * be N3_RISTRETTO255_TABLE_BYTES) and otherwise from decoding q.
 * Constant time in k.  N3_EINVAL: k == 0 (probability 2^-252) or a bad table;
 * N3_EENCODING: q does not decode; N3_ENOTINIT: n3_init() has not run. */
int n3_clsc_encap(uint8_t k_out[32], uint8_t u[32], uint8_t z[32], const uint8_t k_wide[64],
                  const uint8_t q[32], const void *table, size_t table_len);

/* The Schnorr response s = k + (h_wide mod l) a.  Constant time in k and a.
 * N3_EINVAL if k or a is not canonical. */
int n3_clsc_respond(uint8_t s[32], const uint8_t k[32], const uint8_t h_wide[64],
                    const uint8_t a[32]);

/* Unsigncrypt's decapsulation: Z = a U for a canonical, non-identity U.
 * Constant time in a.  N3_EENCODING: U does not decode or is the identity;
 * N3_EINVAL: a is not canonical. */
int n3_clsc_decap(uint8_t z[32], const uint8_t a[32], const uint8_t u[32]);

/* Verification, VARIABLE TIME (public inputs only): out = s B - (h_wide mod l) Q.
 * The caller accepts iff out equals the commitment U byte for byte.
 * N3_EENCODING: s is not canonical or Q does not decode. */
int n3_clsc_verify_vartime(uint8_t out[32], const uint8_t s[32], const uint8_t h_wide[64],
                           const uint8_t q[32]);

#endif
