/*
 * ristretto255 (RFC 9496) and its scalars mod l: the public C API.
 *
 * Conventions (see n3.h): every function returns N3_OK or a negative N3_E*
 * code and zeroes its outputs on failure.  Points cross the API as their
 * 32-byte canonical encodings; scalars as 32-byte little-endian integers
 * that must be canonical (< l) unless stated otherwise.
 *
 * Constant time: everything handling a scalar or point is constant time
 * except functions suffixed _vartime, which must only see public data.
 * Decoding is constant time too, but whether it succeeded is public.
 */
#ifndef N3_EC_H
#define N3_EC_H

#include <stddef.h>
#include <stdint.h>

#define N3_RISTRETTO255_BYTES        32   /* encoded point */
#define N3_RISTRETTO255_HASHBYTES    64   /* input of the one-way map */
#define N3_SCALAR_BYTES              32
#define N3_SCALAR_WIDE_BYTES         64   /* input of wide reduction */
#define N3_RISTRETTO255_TABLE_BYTES  81920 /* fixed-base table: 64 x 8 x 160 */

size_t n3_ristretto255_bytes(void);
size_t n3_ristretto255_hashbytes(void);
size_t n3_scalar_bytes(void);
size_t n3_scalar_wide_bytes(void);
size_t n3_ristretto255_table_bytes(void);
/* Scratch bytes n3_ristretto255_multiscalar_vartime needs for n terms. */
size_t n3_ristretto255_multiscalar_scratch_bytes(size_t n);

/* Build the base-point tables and choose the field backend; called by
 * n3_init().  N3_FORCE_FIELD=ref|ifma (read here, once) forces a backend. */
int n3_ec_init(void);

#define N3_EC_FIELD_REF   0   /* portable radix 2^51, unsigned __int128 */
#define N3_EC_FIELD_IFMA  1   /* AVX-512 IFMA, 4-way parallel point formulas */
/* N3_OK if `backend` can run on this CPU and build, else N3_EUNAVAILABLE. */
int n3_ec_field_available(int backend);
/* The backend chosen by n3_ec_init(). */
int n3_ec_field_backend(void);

/* N3_OK if p is the canonical encoding of a group element, else N3_EENCODING. */
int n3_ristretto255_is_valid(const uint8_t p[32]);
/* Validate n concatenated 32-byte encodings (eight at a time: about a fifth
 * of the cost of n single calls with IFMA).  N3_OK with *first_bad = n, or
 * N3_EENCODING with *first_bad = index of the first invalid encoding. */
int n3_ristretto255_is_valid_batch(size_t *first_bad, const uint8_t *pts, size_t n);
int n3_ristretto255_add(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]);
int n3_ristretto255_sub(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]);
int n3_ristretto255_neg(uint8_t out[32], const uint8_t p[32]);
/* The one-way map of RFC 9496 section 4.3.4 (FROM_UNIFORM_BYTES). */
int n3_ristretto255_from_uniform(uint8_t out[32], const uint8_t r[64]);

/* Constant time in n (and p): out = n P.  N3_EINVAL if n >= l. */
int n3_ristretto255_scalarmult(uint8_t out[32], const uint8_t n[32], const uint8_t p[32]);
/* out1 = n1 P, out2 = n2 P, sharing the decode and the window table. */
int n3_ristretto255_scalarmult2(uint8_t out1[32], uint8_t out2[32], const uint8_t n1[32],
                                const uint8_t n2[32], const uint8_t p[32]);
/* Constant time: out = n B. */
int n3_ristretto255_scalarmult_base(uint8_t out[32], const uint8_t n[32]);
/* Fixed-base table for a long-lived point; `table` is caller memory of
 * N3_RISTRETTO255_TABLE_BYTES, 8-byte aligned. */
int n3_ristretto255_table_build(void *table, size_t table_len, const uint8_t p[32]);
int n3_ristretto255_table_scalarmult(uint8_t out[32], const void *table, size_t table_len,
                                     const uint8_t n[32]);

/* Variable time (public inputs only): out = a B + b P. */
int n3_ristretto255_double_scalarmult_vartime(uint8_t out[32], const uint8_t a[32],
                                              const uint8_t b[32], const uint8_t p[32]);
/* Variable time: out = sum scalars[i] points[i]; scalars and points are n
 * concatenated 32-byte strings; scratch is caller memory (8-byte aligned) of
 * at least n3_ristretto255_multiscalar_scratch_bytes(n) bytes.  Straus for
 * small n, Pippenger for large n. */
int n3_ristretto255_multiscalar_vartime(uint8_t out[32], const uint8_t *scalars,
                                        const uint8_t *points, size_t n, void *scratch,
                                        size_t scratch_len);

/* Scalars. */
int n3_scalar_is_canonical(const uint8_t s[32]);     /* N3_OK or N3_EENCODING */
int n3_scalar_reduce_wide(uint8_t out[32], const uint8_t s[64]);
int n3_scalar_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
int n3_scalar_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
int n3_scalar_neg(uint8_t out[32], const uint8_t a[32]);
int n3_scalar_mul(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
/* out = a^-1 mod l; N3_EINVAL if a == 0. */
int n3_scalar_invert(uint8_t out[32], const uint8_t a[32]);

#endif
