/* GF(2^8) tables, scalar arithmetic, small matrix algebra and dispatch. */
#include <string.h>

#include "n3.h"
#include "cpu.h"
#include "ct.h"
#include "gf256_internal.h"

gf_field gf256_default;

/* Multiply by x modulo prim (prim includes the x^8 term). */
static unsigned xtime_poly(unsigned a, unsigned prim) {
    a <<= 1;
    if (a & 0x100) a ^= prim;
    return a & 0xff;
}

static unsigned mul_slow(unsigned a, unsigned b, unsigned prim) {
    unsigned r = 0;
    while (b) {
        if (b & 1) r ^= a;
        a = xtime_poly(a, prim);
        b >>= 1;
    }
    return r;
}

int gf_field_build(gf_field *f, unsigned prim, unsigned generator) {
    if (prim < 0x100 || prim > 0x1ff || generator < 2 || generator > 255) return N3_EINVAL;
    memset(f, 0, sizeof *f);
    f->prim = prim;
    f->xtime_red = (uint8_t)(prim & 0xff);
    f->generator = (uint8_t)generator;
    /* Powers of the generator must visit all 255 non-zero elements: that
     * proves prim irreducible (else zero divisors would shorten the cycle
     * or hit 0) and the generator primitive. */
    unsigned x = 1;
    for (unsigned i = 0; i < 255; i++) {
        if (i > 0 && x == 1) return N3_EINVAL;
        f->exp[i] = (uint8_t)x;
        if (f->log[x] != 0 || (i > 0 && x == 1)) return N3_EINVAL;
        f->log[x] = (uint8_t)i;
        x = mul_slow(x, generator, prim);
        if (x == 0) return N3_EINVAL;
    }
    if (x != 1) return N3_EINVAL;
    for (unsigned i = 255; i < 512; i++) f->exp[i] = f->exp[i - 255];
    f->log[1] = 0;
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++)
            f->mul[a][b] = (a && b) ? f->exp[f->log[a] + f->log[b]] : 0;
        for (unsigned n = 0; n < 16; n++) {
            f->nib[a][n] = f->mul[a][n];
            f->nib[a][16 + n] = f->mul[a][n << 4];
        }
        /* Row for output bit i lives in byte 7-i; its bit j says whether
         * bit i of a*x^j is set. */
        uint64_t m = 0;
        for (unsigned i = 0; i < 8; i++) {
            unsigned row = 0;
            for (unsigned j = 0; j < 8; j++)
                row |= ((f->mul[a][1u << j] >> i) & 1u) << j;
            m |= (uint64_t)row << (8 * (7 - i));
        }
        f->affine[a] = m;
    }
    /* The multiplication table must agree with shift-and-add. */
    for (unsigned a = 0; a < 256; a += 17)
        for (unsigned b = 0; b < 256; b += 13)
            if (f->mul[a][b] != mul_slow(a, b, prim)) return N3_EINVAL;
    return N3_OK;
}

void gf256_init_tables(void) {
    (void)gf_field_build(&gf256_default, 0x11d, 2);
}

uint8_t n3_gf256_mul(uint8_t a, uint8_t b) {
    return gf_mul_ct(&gf256_default, a, b);
}

uint8_t n3_gf256_inv(uint8_t a) {
    /* a^254 by square-and-multiply with a fixed schedule: constant time. */
    uint8_t r = 1, base = a;
    for (int i = 0; i < 8; i++) {
        if ((254 >> i) & 1) r = gf_mul_ct(&gf256_default, r, base);
        base = gf_mul_ct(&gf256_default, base, base);
    }
    return r;
}

gf_dot_fn gf_dot_select(int kernel, int consttime) {
    switch (kernel) {
#if N3_HAVE_X86_SIMD
    case N3_KERNEL_AVX2: return gf_dot_avx2;
    case N3_KERNEL_GFNI: return gf_dot_gfni;
    case N3_KERNEL_GFNI512: return gf_dot_gfni512;
#endif
    default: return consttime ? gf_dot_ref_ct : gf_dot_ref;
    }
}

int n3_gf256_dot_prod(int kernel, int flags, size_t len, size_t nsrc, size_t ndst,
                      const uint8_t *coeffs, const uint8_t *const *src, uint8_t *const *dst) {
    if (!n3_initialized) return N3_ENOTINIT;
    if (kernel == N3_KERNEL_AUTO) kernel = n3_kernel_best();
    if (n3_kernel_available(kernel) != N3_OK) return N3_EUNAVAILABLE;
    if ((flags & ~(N3_GF_ACCUMULATE | N3_GF_CONSTTIME)) != 0) return N3_EINVAL;
    if (nsrc == 0 || ndst == 0 || nsrc > 255 || ndst > 255) return N3_EINVAL;
    if (len == 0) return N3_OK;
    gf_dot_fn fn = gf_dot_select(kernel, flags & N3_GF_CONSTTIME);
    fn(&gf256_default, len, nsrc, ndst, coeffs, src, dst,
       ((flags & N3_GF_ACCUMULATE) ? GF_DOT_ACCUMULATE : 0) |
       ((flags & N3_GF_CONSTTIME) ? GF_DOT_CONSTTIME : 0));
    return N3_OK;
}

int n3_gf256_vandermonde(uint8_t *out, const uint8_t *xs, size_t nxs, size_t ncols) {
    if (nxs == 0 || ncols == 0 || nxs > 256 || ncols > 256) return N3_EINVAL;
    for (size_t i = 0; i < nxs; i++) {
        uint8_t p = 1;
        for (size_t j = 0; j < ncols; j++) {
            out[i * ncols + j] = p;
            p = gf_mul_ct(&gf256_default, p, xs[i]);
        }
    }
    return N3_OK;
}

int n3_gf256_lagrange(uint8_t *out, const uint8_t *xs, size_t n, uint8_t at) {
    if (n == 0 || n > 256) return N3_EINVAL;
    /* Points are public (share indices); still computed without tables. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (xs[i] == xs[j]) { memset(out, 0, n); return N3_EINVAL; }
    for (size_t i = 0; i < n; i++) {
        uint8_t num = 1, den = 1;
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            num = gf_mul_ct(&gf256_default, num, (uint8_t)(at ^ xs[j]));
            den = gf_mul_ct(&gf256_default, den, (uint8_t)(xs[i] ^ xs[j]));
        }
        out[i] = gf_mul_ct(&gf256_default, num, n3_gf256_inv(den));
    }
    return N3_OK;
}

/* Gauss-Jordan on public matrices (erasure patterns are public). */
int gf_invert_matrix_field(const gf_field *f, uint8_t *out, uint8_t *work, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) out[i * n + j] = (uint8_t)(i == j);
    for (size_t c = 0; c < n; c++) {
        size_t p = c;
        while (p < n && work[p * n + c] == 0) p++;
        if (p == n) { memset(out, 0, n * n); return N3_ESINGULAR; }
        if (p != c) {
            for (size_t j = 0; j < n; j++) {
                uint8_t t = work[c * n + j]; work[c * n + j] = work[p * n + j]; work[p * n + j] = t;
                t = out[c * n + j]; out[c * n + j] = out[p * n + j]; out[p * n + j] = t;
            }
        }
        const uint8_t inv = gf_inv_vartime(f, work[c * n + c]);
        for (size_t j = 0; j < n; j++) {
            work[c * n + j] = f->mul[inv][work[c * n + j]];
            out[c * n + j] = f->mul[inv][out[c * n + j]];
        }
        for (size_t r = 0; r < n; r++) {
            const uint8_t e = work[r * n + c];
            if (r == c || e == 0) continue;
            for (size_t j = 0; j < n; j++) {
                work[r * n + j] ^= f->mul[e][work[c * n + j]];
                out[r * n + j] ^= f->mul[e][out[c * n + j]];
            }
        }
    }
    return N3_OK;
}

int n3_gf256_invert_matrix(uint8_t *out, uint8_t *a, size_t n) {
    if (n == 0 || n > 255) return N3_EINVAL;
    return gf_invert_matrix_field(&gf256_default, out, a, n);
}
