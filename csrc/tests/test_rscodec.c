/* Randomized C check of the byte-codeword codec (any primitive polynomial, fcr,
 * nsym, shortened codewords, errors and erasures within and beyond the bound):
 * corrections within the bound must be exact, beyond it the decoder must
 * fail or return a valid codeword. Run under ASan/UBSan by make -f rs.mk rs-ci. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "n3.h"
static unsigned long long s = 88172645463325252ull;
static unsigned rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (unsigned)(s >> 11); }
static const unsigned prims[] = {0x11d, 0x12b, 0x12d, 0x14d, 0x15f, 0x163, 0x165, 0x169, 0x171, 0x187, 0x18d, 0x1a9, 0x1c3, 0x1cf, 0x1e7, 0x1f5};
int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 2000;
    if (n3_init()) return 1;
    size_t sz = n3_rscodec_ctx_size();
    n3_rscodec_ctx *ctx = malloc(sz);
    long ok = 0, fails = 0, beyond_ok = 0, beyond_fail = 0;
    for (int it = 0; it < iters; it++) {
        unsigned nsym = (rnd() % 2) ? 1 + rnd() % 60 : 1 + rnd() % 254, nsize = nsym + 1 + rnd() % (255 - nsym);
        unsigned fcr = rnd() % 255, prim = prims[rnd() % 16];
        int kernel = rnd() % 4;
        if (n3_kernel_available(kernel)) kernel = 0;
        if (n3_rscodec_ctx_init(ctx, sz, nsym, nsize, fcr, prim, 2, kernel)) { printf("init fail\n"); return 1; }
        size_t k = 1 + rnd() % (nsize - nsym), n = k + nsym;
        uint8_t *msg = malloc(k), *cw = malloc(n), *bad = malloc(n), *full = malloc(n), *m = malloc(k), *er = malloc(nsym), ep[256];
        int16_t ne;
        for (size_t i = 0; i < k; i++) msg[i] = rnd();
        if (n3_rscodec_encode(ctx, cw, n, msg, k, k)) { printf("enc fail\n"); return 1; }
        unsigned f = rnd() % (nsym + 1); if (f > n) f = n;
        int beyond = rnd() % 4 == 0;
        unsigned e = beyond ? (nsym - f) / 2 + 1 + rnd() % 5 : rnd() % ((nsym - f) / 2 + 1);
        if (e + f > n) e = n - f;
        memcpy(bad, cw, n);
        uint8_t used[256] = {0};
        unsigned cnt = 0;
        while (cnt < e + f) { unsigned p = rnd() % n; if (used[p]) continue; used[p] = 1;
            if (cnt < f) { ep[cnt] = p; bad[p] = rnd(); } else bad[p] ^= 1 + rnd() % 255; cnt++; }
        uint8_t fc = f;
        int rc = n3_rscodec_decode(ctx, full, m, &ne, er, bad, n, n, nsym, f ? ep : NULL, f ? &fc : NULL, 0);
        if (rc < 0) { printf("decode EINVAL\n"); return 1; }
        uint8_t okc;
        if (!beyond || 2 * e + f <= nsym) {
            if (rc != 0 || memcmp(full, cw, n) || memcmp(m, msg, k)) { printf("MISMATCH it=%d nsym=%u n=%zu e=%u f=%u rc=%d\n", it, nsym, n, e, f, rc); fails++; }
            else ok++;
        } else if (rc == 0) {
            n3_rscodec_check(ctx, &okc, full, n, n, nsym);
            unsigned diff = 0; for (size_t i = 0; i < n; i++) diff += full[i] != bad[i];
            if (!okc || (unsigned)ne < diff || 2 * (ne - f) + f > nsym) { printf("BAD beyond it=%d\n", it); fails++; }
            beyond_ok++;
        } else beyond_fail++;
        free(msg); free(cw); free(bad); free(full); free(m); free(er);
    }
    printf("ok=%ld fails=%ld beyond_ok=%ld beyond_fail=%ld\n", ok, fails, beyond_ok, beyond_fail);
    free(ctx);
    return fails != 0;
}
