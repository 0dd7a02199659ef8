/*
 * dudect-style timing test (Reparaz, Balasch, Verbauwhede 2017) for the
 * constant-time paths of the active field backend, above all the AVX-512
 * IFMA one, which valgrind (ctgrind) cannot execute.
 *
 * Two classes of secret scalars -- class 0 fixed (a low-weight value, the
 * most "unusual" input), class 1 fresh pseudo-random -- are interleaved in
 * random order; each operation is timed with rdtsc; the top 10% slowest
 * samples are cropped; Welch's t statistic between the classes must stay
 * below the threshold (|t| < 10, dudect's "definitely not constant time"
 * bound; typical values here are < 3).
 *
 * make -C csrc dudect        (N3_FORCE_FIELD=ref|ifma picks the backend)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>
#include "n3.h"
#include "n3_ec.h"

#define N 20000

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

typedef int (*op_fn)(uint8_t *out, const uint8_t *k, const uint8_t *p);
static int op_var(uint8_t *o, const uint8_t *k, const uint8_t *p) { return n3_ristretto255_scalarmult(o, k, p); }
static int op_base(uint8_t *o, const uint8_t *k, const uint8_t *p) { (void)p; return n3_ristretto255_scalarmult_base(o, k); }
static int op_inv(uint8_t *o, const uint8_t *k, const uint8_t *p) { (void)p; return n3_scalar_invert(o, k); }

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double welch(const char *name, op_fn f, const uint8_t *p) {
    static uint64_t t[N], sorted[N];
    static uint8_t cls[N], keys[N][32];
    uint8_t out[32];
    for (int i = 0; i < N; i++) {
        cls[i] = next() & 1;
        if (cls[i] == 0) { memset(keys[i], 0, 32); keys[i][0] = 1; keys[i][16] = 0x80; }
        else { for (int j = 0; j < 32; j++) keys[i][j] = (uint8_t)next(); keys[i][31] &= 0x0f; keys[i][0] |= 1; }
    }
    for (int i = 0; i < N; i++) {
        _mm_lfence();
        uint64_t c0 = __rdtsc();
        f(out, keys[i], p);
        _mm_lfence();
        t[i] = __rdtsc() - c0;
    }
    memcpy(sorted, t, sizeof t);
    qsort(sorted, N, sizeof sorted[0], cmp_u64);
    const uint64_t crop = sorted[N * 9 / 10];
    double n[2] = {0}, mean[2] = {0}, m2[2] = {0};
    for (int i = 0; i < N; i++) {
        if (t[i] > crop) continue;
        const int c = cls[i];
        n[c] += 1;
        const double d = (double)t[i] - mean[c];
        mean[c] += d / n[c];
        m2[c] += d * ((double)t[i] - mean[c]);
    }
    const double v0 = m2[0] / (n[0] - 1), v1 = m2[1] / (n[1] - 1);
    const double tstat = (mean[0] - mean[1]) / sqrt(v0 / n[0] + v1 / n[1]);
    printf("%-22s mean %8.0f / %8.0f cycles  |t| = %5.2f\n", name, mean[0], mean[1], fabs(tstat));
    return fabs(tstat);
}

int main(void) {
    uint8_t k[32] = {7}, p[32];
    n3_ec_init();
    n3_ristretto255_scalarmult_base(p, k);
    printf("field backend: %s\n", n3_ec_field_backend() == N3_EC_FIELD_IFMA ? "ifma" : "ref");
    double worst = 0, t;
    if ((t = welch("variable base", op_var, p)) > worst) worst = t;
    if ((t = welch("fixed base", op_base, p)) > worst) worst = t;
    if ((t = welch("scalar inversion", op_inv, p)) > worst) worst = t;
    printf("max |t| = %.2f (threshold 10)\n", worst);
    return worst < 10 ? 0 : 1;
}
