/*
 * Constant-time check of the GF(2^8) paths used for secret data, under
 * valgrind memcheck: the source bytes are marked undefined, so any branch
 * or memory index that depends on them is reported. Valgrind runs the
 * portable shift-and-add fallback and the AVX2 kernel (it does not emulate
 * GFNI or AVX-512, so those kernels get an argument in
 * docs/reed-solomon.md instead: GF2P8AFFINEQB has no data-dependent timing).
 * `--selftest` plants a table lookup by secret to prove the harness works.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "n3.h"
#include "gf256_internal.h"

int main(int argc, char **argv) {
    n3_init();
    enum { LEN = 333, NSRC = 3, NDST = 2 };
    uint8_t src[NSRC][LEN], dst[NDST][LEN], coef[NSRC * NDST];
    for (int j = 0; j < NSRC; j++) for (int p = 0; p < LEN; p++) src[j][p] = (uint8_t)(p * 7 + j);
    for (int i = 0; i < NSRC * NDST; i++) coef[i] = (uint8_t)(i * 29 + 3);
    const uint8_t *s[NSRC] = {src[0], src[1], src[2]};
    uint8_t *d[NDST] = {dst[0], dst[1]};
    VALGRIND_MAKE_MEM_UNDEFINED(src, sizeof src);
    if (argc > 1 && strcmp(argv[1], "--selftest") == 0) {
        volatile uint8_t x = gf256_default.mul[3][src[0][5]];  /* secret index: must be reported */
        (void)x;
        return 0;
    }
    const int kernels[] = {N3_KERNEL_REF, N3_KERNEL_AVX2};
    for (unsigned k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        if (n3_kernel_available(kernels[k]) != N3_OK) continue;
        n3_gf256_dot_prod(kernels[k], N3_GF_CONSTTIME, LEN, NSRC, NDST, coef, s, d);
        n3_gf256_dot_prod(kernels[k], N3_GF_CONSTTIME | N3_GF_ACCUMULATE, LEN, NSRC, NDST, coef, s, d);
        uint8_t a = n3_gf256_mul(src[0][1], src[1][2]);
        uint8_t b = n3_gf256_inv(src[2][3]);
        dst[0][0] ^= (uint8_t)(a ^ b);
    }
    /* Results are secret too; declassify only to let the process exit cleanly. */
    VALGRIND_MAKE_MEM_DEFINED(dst, sizeof dst);
    printf("ctgrind_gf: done\n");
    return 0;
}
