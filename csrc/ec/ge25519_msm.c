/*
 * Variable-time multi-scalar multiplication sum a_i P_i (public inputs only):
 *   - Straus (interleaved width-5 NAF, one table of odd multiples per
 *     point, shared doublings) for small n;
 *   - Pippenger (signed radix-2^w buckets, running-sum aggregation) for
 *     large n, with the decoded points kept affine (ristretto decoding gives
 *     Z = 1) so every bucket update is a 7M mixed addition.
 * All memory is the caller's scratch buffer (8-byte aligned).
 */
#include <string.h>
#include "n3.h"
#include "ge.h"
#include "sc.h"

#define STRAUS_MAX 96    /* n <= STRAUS_MAX uses Straus; measured crossover (IFMA) */

/* Window widths measured on n = 128 .. 4096 (cost ~ 256/w (n + 2^w)). */
static int pippenger_window(size_t n) {
    if (n < 384) return 6;
    if (n < 768) return 7;
    if (n < 3000) return 8;
    if (n < 12000) return 10;
    return 12;
}

static size_t nwin_for(int w) { return (253 + (size_t)w - 1) / (size_t)w + 1; }

static size_t round32(size_t x) { return (x + 31) & ~(size_t)31; }

/* 160 bytes per point in every layout: ge_p3, ge_cached, ge_niels4 (and the
 * IFMA backend's fe4). */
_Static_assert(sizeof(ge_p3) == 160 && sizeof(ge_cached) == 160 && sizeof(ge_niels4) == 160, "layout");

size_t n3_ristretto255_multiscalar_scratch_bytes(size_t n) {
    if (n == 0) return 0;
    if (n > ((size_t)1 << 32)) return 0;   /* refused by the multiscalar call */
    if (n <= STRAUS_MAX)
        return 32 + round32(n * 160) + round32(n * 8 * 160) + round32(n * 256);
    const int w = pippenger_window(n);
    return 32 + round32(n * 160) + round32(n * nwin_for(w) * sizeof(int16_t)) +
           ((size_t)1 << (w - 1)) * 160;
}

/* Signed radix-2^w digits of a scalar < 2^253: nwin digits in (-2^(w-1), 2^(w-1)]. */
static void recode_radix(int16_t *d, const uint8_t a[32], int w, size_t nwin) {
    uint64_t x[5] = {0};
    for (int i = 0; i < 32; i++) x[i / 8] |= (uint64_t)a[i] << (8 * (i % 8));
    const uint64_t mask = ((uint64_t)1 << w) - 1;
    const int64_t half = (int64_t)1 << (w - 1);
    int64_t carry = 0;
    for (size_t k = 0; k < nwin; k++) {
        const size_t pos = k * (size_t)w;
        uint64_t bits = 0;
        if (pos < 256) {
            const size_t idx = pos / 64, off = pos % 64;
            bits = x[idx] >> off;
            if (off + (size_t)w > 64) bits |= x[idx + 1] << (64 - off);
        }
        int64_t v = (int64_t)(bits & mask) + carry;
        if (v > half) { v -= (int64_t)1 << w; carry = 1; } else carry = 0;
        d[k] = (int16_t)v;
    }
}

static void p3_add_p3(ge_p3 *r, const ge_p3 *p, const ge_p3 *q) {
    ge_cached c; ge_p1p1 t;
    ge_p3_to_cached(&c, q);
    ge_add(&t, p, &c);
    ge_p1p1_to_p3(r, &t);
}

static void straus_ref(ge_p3 *r, const ge_p3 *pts, const int8_t *nafs, size_t n, ge_cached *tabs) {
    ge_p1p1 t;
    ge_p3 u, p2;
    ge_p2 q;
    int i;
    for (size_t k = 0; k < n; k++) {
        ge_p3_to_cached(&tabs[8 * k], &pts[k]);
        ge_p3_dbl(&t, &pts[k]); ge_p1p1_to_p3(&p2, &t);
        for (int j = 1; j < 8; j++) {
            ge_add(&t, &p2, &tabs[8 * k + j - 1]); ge_p1p1_to_p3(&u, &t);
            ge_p3_to_cached(&tabs[8 * k + j], &u);
        }
    }
    for (i = 255; i >= 0; i--) {
        size_t k;
        for (k = 0; k < n && !nafs[256 * k + i]; k++) {}
        if (k < n) break;
    }
    ge_p3_0(r);
    if (i < 0) return;
    ge_p3_to_p2(&q, r);
    for (; i >= 0; i--) {
        ge_p2_dbl(&t, &q);
        for (size_t k = 0; k < n; k++) {
            const int8_t d = nafs[256 * k + i];
            if (!d) continue;
            ge_p1p1_to_p3(&u, &t);
            if (d > 0) ge_add(&t, &u, &tabs[8 * k + d / 2]);
            else ge_sub(&t, &u, &tabs[8 * k + (-d) / 2]);
        }
        ge_p1p1_to_p2(&q, &t);
    }
    ge_p1p1_to_p3(r, &t);
}

static void pippenger_ref(ge_p3 *r, const ge_niels4 *pts, const int16_t *digits, size_t n, int w,
                          size_t nwin, ge_p3 *buckets) {
    const size_t nb = (size_t)1 << (w - 1);
    ge_p1p1 t;
    ge_p2 q;
    ge_p3 run, sum;
    ge_niels e;
    ge_p3_0(r);
    for (size_t k = nwin; k-- > 0;) {
        /* r = 2^w r */
        if (k + 1 < nwin) {
            ge_p3_to_p2(&q, r);
            for (int j = 0; j < w - 1; j++) { ge_p2_dbl(&t, &q); ge_p1p1_to_p2(&q, &t); }
            ge_p2_dbl(&t, &q); ge_p1p1_to_p3(r, &t);
        }
        for (size_t b = 0; b < nb; b++) ge_p3_0(&buckets[b]);
        for (size_t i = 0; i < n; i++) {
            const int d = digits[i * nwin + k];
            if (!d) continue;
            for (int l = 0; l < 5; l++) {
                e.ymx.v[l] = pts[i].v[l][0]; e.ypx.v[l] = pts[i].v[l][1]; e.xy2d.v[l] = pts[i].v[l][3];
            }
            if (d > 0) { ge_madd(&t, &buckets[d - 1], &e); ge_p1p1_to_p3(&buckets[d - 1], &t); }
            else { ge_msub(&t, &buckets[-d - 1], &e); ge_p1p1_to_p3(&buckets[-d - 1], &t); }
        }
        /* sum_b (b+1) bucket[b] by running sums from the top. */
        run = buckets[nb - 1];
        sum = run;
        for (size_t b = nb - 1; b-- > 0;) {
            p3_add_p3(&run, &run, &buckets[b]);
            p3_add_p3(&sum, &sum, &run);
        }
        p3_add_p3(r, r, &sum);
    }
}

int n3_ristretto255_multiscalar_vartime(uint8_t out[32], const uint8_t *scalars,
                                        const uint8_t *points, size_t n, void *scratch,
                                        size_t scratch_len) {
    ge_p3 r;
    if (n == 0) { memset(out, 0, 32); return N3_OK; }   /* the empty sum: identity */
    const size_t need = n3_ristretto255_multiscalar_scratch_bytes(n);
    if (need == 0 || scratch_len < need || !scratch || !scalars || !points) {
        memset(out, 0, 32);
        return N3_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (!sc_is_canonical(scalars + 32 * i)) { memset(out, 0, 32); return N3_EINVAL; }
    uint8_t *s = (uint8_t *)(((uintptr_t)scratch + 31) & ~(uintptr_t)31);
    ge_p3 *pts = (ge_p3 *)s;
    /* Decode all points, four square-root exponentiations at a time. */
    if (ge_ristretto_decode_batch(pts, points, n)) { memset(out, 0, 32); return N3_EENCODING; }
    const int ifma = ge_field_backend == N3_EC_FIELD_IFMA;
    if (n <= STRAUS_MAX) {
        void *tabs = s + round32(n * 160);
        int8_t *nafs = (int8_t *)(s + round32(n * 160) + round32(n * 8 * 160));
        for (size_t k = 0; k < n; k++) sc_wnaf_vartime(nafs + 256 * k, scalars + 32 * k, 5);
        if (ifma) ge_straus_ifma(&r, pts, nafs, n, tabs);
        else straus_ref(&r, pts, nafs, n, (ge_cached *)tabs);
    } else {
        const int w = pippenger_window(n);
        const size_t nwin = nwin_for(w);
        ge_niels4 *np = (ge_niels4 *)s;   /* converted in place, same size */
        int16_t *digits = (int16_t *)(s + round32(n * 160));
        void *buckets = s + round32(n * 160) + round32(n * nwin * sizeof(int16_t));
        for (size_t i = 0; i < n; i++) {
            ge_p3 p = pts[i];
            ge_niels e;
            /* decode returns Z = 1: the affine niels form needs no inversion. */
            fe_add(&e.ypx, &p.Y, &p.X); fe_carry(&e.ypx);
            fe_sub(&e.ymx, &p.Y, &p.X);
            fe_mul(&e.xy2d, &p.T, &FE_D2);
            ge_niels_to_niels4(&np[i], &e);
            recode_radix(digits + i * nwin, scalars + 32 * i, w, nwin);
        }
        if (ifma) ge_pippenger_ifma(&r, np, digits, n, w, nwin, buckets);
        else pippenger_ref(&r, np, digits, n, w, nwin, (ge_p3 *)buckets);
    }
    ge_ristretto_encode(out, &r);
    return N3_OK;
}
