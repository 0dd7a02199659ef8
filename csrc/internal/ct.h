/*
 * Constant-time helpers. Assumptions: the compiler does not turn mask
 * arithmetic into branches (checked by the ctgrind target under valgrind);
 * values are unsigned and shifts are by public amounts.
 */
#ifndef N3_CT_H
#define N3_CT_H

#include <stddef.h>
#include <stdint.h>

/* All-ones if x != 0 else 0, without a branch. */
static inline uint64_t ct_nonzero_mask64(uint64_t x) {
    return (uint64_t)0 - ((x | ((uint64_t)0 - x)) >> 63);
}
static inline uint64_t ct_eq_mask64(uint64_t a, uint64_t b) {
    return ~ct_nonzero_mask64(a ^ b);
}
static inline uint8_t ct_nonzero_mask8(uint8_t x) {
    return (uint8_t)ct_nonzero_mask64(x);
}
/* Compare n bytes; returns 0 if equal, -1 otherwise; time depends only on n. */
static inline int ct_memcmp(const uint8_t *a, const uint8_t *b, size_t n) {
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++) d |= (uint8_t)(a[i] ^ b[i]);
    return (int)(ct_nonzero_mask64(d) & 1) * -1;
}
/* Wipe a secret; the volatile pointer keeps the compiler from eliding it. */
static inline void ct_wipe(void *p, size_t n) {
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}

#endif
