/* Throughput of the erasure kernels from C (no Python overhead).
 * Build and run: make -C csrc -f rs.mk speed_rs
 * Usage: speed_rs [kernel [src_offset [dst_offset [stagger]]]]: buffers are
 * 64-byte aligned plus the offsets; any 4th argument staggers them by 64
 * bytes each so they sit at different offsets modulo 4 KiB.
 * Instruction counts: make -C csrc -f rs.mk callgrind_rs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "n3.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    n3_init();
    const unsigned k = 10, m = 4;
    const int kernels[] = {N3_KERNEL_REF, N3_KERNEL_AVX2, N3_KERNEL_GFNI, N3_KERNEL_GFNI512};
    const char *names[] = {"ref", "avx2", "gfni", "gfni512"};
    size_t sizes[] = {65536, 1 << 20};
    /* Under callgrind (N3_CALLGRIND=1): one encode of 64 KiB shards per
     * kernel, to count instructions with --toggle-collect=n3_rs_encode. */
    const int counting = getenv("N3_CALLGRIND") != NULL;
    for (int si = 0; si < (counting ? 1 : 2); si++) {
        const size_t len = sizes[si];
        uint8_t *data[10], *par[4];
        for (unsigned i = 0; i < k; i++) {
            data[i] = (uint8_t *)aligned_alloc(64, len + 4096) + (argc > 2 ? atoi(argv[2]) : 0) + (argc > 4 ? 64 * i : 0);
            for (size_t p = 0; p < len; p++) data[i][p] = (uint8_t)rand();
        }
        for (unsigned i = 0; i < m; i++) par[i] = (uint8_t *)aligned_alloc(64, len + 4096) + (argc > 3 ? atoi(argv[3]) : 0) + (argc > 4 ? 64 * (i + 10) : 0);
        for (int ki = 0; ki < 4; ki++) {
            if (argc > 1 && strcmp(argv[1], names[ki]) != 0) continue;
            if (n3_kernel_available(kernels[ki]) != N3_OK) continue;
            size_t csz = n3_rs_ctx_size(k, m);
            n3_rs_ctx *ctx = malloc(csz);
            n3_rs_ctx_init(ctx, csz, k, m, kernels[ki]);
            int reps = counting ? 1 : ki == 0 ? 3 : 50;
            double best = 1e9;
            for (int r = 0; r < (counting ? 1 : 5); r++) {
                double t = now();
                for (int i = 0; i < reps; i++)
                    n3_rs_encode(ctx, len, (const uint8_t *const *)data, par);
                double dt = (now() - t) / reps;
                if (dt < best) best = dt;
            }
            printf("%7zu %-8s %8.1f us  %6.2f GB/s\n", len, names[ki], best * 1e6, k * len / best / 1e9);
            free(ctx);
        }
    }
    return 0;
}
