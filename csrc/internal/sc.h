/*
 * Scalars mod l = 2^252 + 27742317777372353535851937790883648493, four
 * 64-bit little-endian limbs, Montgomery multiplication with R = 2^256.
 * All functions are constant time in their scalar arguments.
 */
#ifndef N3_SC_H
#define N3_SC_H

#include <stdint.h>
#include "ct.h"

typedef struct { uint64_t v[4]; } sc;

/* N3_DECLASSIFY(p, n): the n bytes at p are public from here on (a verdict
 * such as "the scalar was canonical" that becomes a return code).  A no-op
 * except in the ctgrind build, where it tells valgrind the bytes are defined,
 * so every remaining secret-dependent branch is reported. */
#ifdef N3_CTGRIND
#include <valgrind/memcheck.h>
#define N3_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define N3_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

void sc_frombytes(sc *r, const uint8_t s[32]);   /* raw load, no reduction */
void sc_tobytes(uint8_t s[32], const sc *a);
int sc_is_canonical(const uint8_t s[32]);        /* 1 if s < l (declassified) */
void sc_reduce64(sc *r, const uint8_t s[64]);    /* s mod l */
void sc_add(sc *r, const sc *a, const sc *b);    /* a, b < l */
void sc_sub(sc *r, const sc *a, const sc *b);
void sc_mul(sc *r, const sc *a, const sc *b);
void sc_invert(sc *r, const sc *a);              /* a^-1 (safegcd); 0 -> 0 */
void sc_invert_pow(sc *r, const sc *a);          /* a^(l-2) (Fermat), for tests */
int sc_iszero(const sc *a);

#endif
