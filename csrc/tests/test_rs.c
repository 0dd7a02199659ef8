/*
 * C-level checks of the GF(2^8) kernels and the erasure coder, meant to run
 * under AddressSanitizer/UBSan (make -C csrc asan_rs): every buffer is
 * malloc'ed at its exact size so an over-read or over-write is reported.
 *  - each kernel against gf_dot_ref for random shapes and odd lengths;
 *  - encode / reconstruct round trips for random erasure patterns;
 *  - n3_rs_locate finds up to t corrupted shards and refuses t < e <= m'-t.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "n3.h"
#include "gf256_internal.h"

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}
static int failures = 0;
#define CHECK(c, ...) do { if (!(c)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static uint8_t *rand_buf(size_t n) {
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd(256);
    return p;
}

static void test_kernels(void) {
    for (int kernel = 0; kernel < N3_KERNEL_COUNT; kernel++) {
        if (n3_kernel_available(kernel) != N3_OK) continue;
        for (int iter = 0; iter < 200; iter++) {
            const size_t nsrc = 1 + rnd(12), ndst = 1 + rnd(9), len = rnd(700);
            uint8_t *coef = rand_buf(nsrc * ndst);
            uint8_t *src[12], *a[9], *b[9];
            for (size_t j = 0; j < nsrc; j++) src[j] = rand_buf(len);
            const int flags = rnd(4);
            for (size_t i = 0; i < ndst; i++) {
                a[i] = rand_buf(len);
                b[i] = malloc(len ? len : 1);
                memcpy(b[i], a[i], len);
            }
            gf_dot_ref(&gf256_default, len, nsrc, ndst, coef, (const uint8_t *const *)src, a,
                       flags & GF_DOT_ACCUMULATE);
            n3_gf256_dot_prod(kernel, flags, len, nsrc, ndst, coef, (const uint8_t *const *)src, b);
            for (size_t i = 0; i < ndst; i++)
                CHECK(len == 0 || memcmp(a[i], b[i], len) == 0, "kernel %d nsrc %zu ndst %zu len %zu flags %d",
                      kernel, nsrc, ndst, len, flags);
            for (size_t j = 0; j < nsrc; j++) free(src[j]);
            for (size_t i = 0; i < ndst; i++) { free(a[i]); free(b[i]); }
            free(coef);
        }
    }
}

static void test_coder(void) {
    for (int iter = 0; iter < 300; iter++) {
        const unsigned k = 1 + rnd(12), m = rnd(9), n = k + m;
        const size_t len = 1 + rnd(300);
        const int kernel = n3_kernel_best() == N3_KERNEL_REF ? 0 : (int)rnd(N3_KERNEL_COUNT);
        if (n3_kernel_available(kernel) != N3_OK) continue;
        const size_t csz = n3_rs_ctx_size(k, m);
        n3_rs_ctx *ctx = malloc(csz);
        CHECK(n3_rs_ctx_init(ctx, csz, k, m, kernel) == N3_OK, "init");
        uint8_t *sh[255], *orig[255];
        for (unsigned l = 0; l < n; l++) sh[l] = l < k ? rand_buf(len) : malloc(len);
        n3_rs_encode(ctx, len, (const uint8_t *const *)sh, sh + k);
        for (unsigned l = 0; l < n; l++) { orig[l] = malloc(len); memcpy(orig[l], sh[l], len); }

        /* Erasures: drop up to m shards and rebuild them. */
        uint8_t present[255], want[255];
        const unsigned f = m ? rnd(m + 1) : 0;
        memset(present, 1, n);
        for (unsigned e = 0; e < f;) { unsigned l = rnd(n); if (present[l]) { present[l] = 0; e++; } }
        for (unsigned l = 0; l < n; l++) { want[l] = !present[l]; if (want[l]) memset(sh[l], 0, len); }
        if (f) {
            uint8_t src_idx[255], *rows = malloc((size_t)f * k);
            CHECK(n3_rs_decode_rows(ctx, present, want, src_idx, rows) == N3_OK, "decode rows");
            const uint8_t *srcs[255]; uint8_t *dsts[255]; unsigned w = 0;
            for (unsigned t = 0; t < k; t++) srcs[t] = sh[src_idx[t]];
            for (unsigned l = 0; l < n; l++) if (want[l]) dsts[w++] = sh[l];
            n3_gf256_dot_prod(kernel, 0, len, k, f, rows, srcs, dsts);
            free(rows);
        }
        for (unsigned l = 0; l < n; l++) CHECK(memcmp(sh[l], orig[l], len) == 0, "reconstruct k=%u m=%u", k, m);

        /* Corruption: e <= t located exactly; t < e <= m' - t refused. */
        const unsigned mp = m - f, t = mp / 2;
        const unsigned e = (mp > 0 && rnd(2)) ? t + 1 + rnd(mp - 2 * t > 0 ? mp - 2 * t : 1) : rnd(t + 1);
        uint8_t bad[255], marked[255] = {0};
        unsigned done = 0;
        while (done < e && done < n - f) {
            unsigned l = rnd(n);
            if (!present[l] || marked[l]) continue;
            marked[l] = 1; done++;
            for (size_t p = 0; p < len; p++) if (rnd(2)) sh[l][p] ^= (uint8_t)(1 + rnd(255));
            sh[l][rnd(len)] ^= 0x5a;  /* at least one byte differs */
        }
        const size_t ssz = n3_rs_locate_scratch_size(ctx);
        uint8_t *scratch = malloc(ssz);
        const int rc = n3_rs_locate(ctx, len, (const uint8_t *const *)sh, present, scratch, ssz, bad);
        if (e <= t) {
            CHECK(rc == (int)e, "locate k=%u m=%u f=%u e=%u rc=%d", k, m, f, e, rc);
            for (unsigned l = 0; l < n; l++) CHECK(bad[l] == marked[l], "located set");
        } else if (e <= mp - t) {
            CHECK(rc == N3_EDECODE, "beyond bound k=%u m=%u f=%u e=%u rc=%d", k, m, f, e, rc);
        }
        free(scratch);
        for (unsigned l = 0; l < n; l++) { free(sh[l]); free(orig[l]); }
        free(ctx);
    }
}

int main(void) {
    n3_init();
    test_kernels();
    test_coder();
    if (failures) { fprintf(stderr, "%d failures\n", failures); return 1; }
    printf("test_rs: ok\n");
    return 0;
}
