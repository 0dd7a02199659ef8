/* Cycle counts for csrc/ec (rdtsc, median of runs).  make -C csrc speed_ec */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>
#include "n3.h"
#include "n3_ec.h"
#include "fe.h"
#include "sc.h"
#include "ge.h"

static double now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
#define BENCH(name, iters, stmt) do { \
    double best = 1e9; uint64_t bc = ~0ULL; \
    for (int r = 0; r < 7; r++) { \
        double t0 = now(); uint64_t c0 = __rdtsc(); \
        for (int it = 0; it < (iters); it++) { stmt; } \
        uint64_t c = (__rdtsc() - c0) / (iters); double t = (now() - t0) / (iters); \
        if (t < best) best = t;  \
        if (c < bc) bc = c; } \
    printf("%-28s %10.3f us %9llu cyc\n", name, best * 1e6, (unsigned long long)bc); } while (0)

int main(void) {
    n3_ec_init();
    uint8_t s[32], p[32], out[32], out2[32];
    for (int i = 0; i < 32; i++) s[i] = (uint8_t)(rand());
    s[31] &= 0x0f;
    n3_ristretto255_scalarmult_base(p, s);
    fe a, b;
    fe_frombytes(&a, p); fe_frombytes(&b, s);
    BENCH("fe_mul", 1000000, fe_mul(&a, &a, &b));
    BENCH("fe_sq", 1000000, fe_sq(&a, &a));
    BENCH("fe_invert", 2000, fe_invert(&a, &a));
    sc x, y; sc_frombytes(&x, s); sc_frombytes(&y, s);
    BENCH("sc_mul", 100000, sc_mul(&x, &x, &y));
    BENCH("sc_invert", 2000, sc_invert(&x, &x));
    ge_p3 gp, gq;
    ge_ristretto_decode(&gp, p);
    BENCH("encode", 2000, ge_ristretto_encode(out, &gp));
    BENCH("fe_pow22523", 2000, fe_pow22523(&a, &a));
    fe x4[4] = {a, b, a, b}, x8[8] = {a, b, a, b, a, b, a, b};
    BENCH("fe_pow22523_x4_ifma", 2000, fe_pow22523_x4_ifma(x4, x4));
    BENCH("fe_pow22523_x8_ifma", 2000, fe_pow22523_x8_ifma(x8, x8));
    BENCH("fixed-base (no encode)", 2000, ge_scalarmult_fixed(&gq, s, &ge_base_table));
    BENCH("var-base (no enc/dec)", 500, ge_scalarmult(&gq, s, &gp));
    static uint8_t pts[64 * 32];
    static ge_p3 dec[64];
    for (int i = 0; i < 64; i++) memcpy(pts + 32 * i, p, 32);
    BENCH("decode_batch /point (64)", 100, ge_ristretto_decode_batch(dec, pts, 64); __asm__ volatile("" ::: "memory"));
    BENCH("is_valid (decode)", 2000, n3_ristretto255_is_valid(p));
    BENCH("scalarmult", 500, n3_ristretto255_scalarmult(out, s, p));
    BENCH("scalarmult_base", 1000, n3_ristretto255_scalarmult_base(out, s));
    BENCH("double_scalarmult_vartime", 500, n3_ristretto255_double_scalarmult_vartime(out, s, s, p));
    BENCH("scalarmult2", 500, n3_ristretto255_scalarmult2(out, out2, s, s, p));
    return 0;
}
