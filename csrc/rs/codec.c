/*
 * Reed-Solomon codec over byte codewords, reedsolo-compatible (see
 * n3_rscodec.h for the conventions). Variable time: public data only.
 *
 * Notation. A chunk of n bytes r_0..r_{n-1} is r(x) = sum_i r_i x^(n-1-i):
 * byte i sits at DEGREE d = n-1-i. alpha is the generator; X = alpha^d is
 * the locator of degree d. Syndromes S_j = r(alpha^(fcr+j)), j < nsym.
 * Internal polynomials (locators, evaluator) are stored lowest degree first.
 *
 * Decoding with f erasures (degrees z_k, locators Z_k) and unknown errors:
 *   1. Forney syndromes T_j (j < nsym - f): S multiplied by (x + Z_k) for
 *      every erasure; each T_j = sum over errors of Y'_k X_k^j, the
 *      erasures cancelled (this is reedsolo's rs_forney_syndromes).
 *   2. Berlekamp-Massey on T gives the error locator sigma(x) of length L;
 *      2L + f <= nsym is required (else the pattern is beyond the bound).
 *   3. Chien search: sigma(alpha^-d) for every degree d < n, vectorised as
 *      sum_j sigma_j * (alpha^(-j*d))_d over the whole chunk at once. It must
 *      find exactly L = deg(sigma) roots, none at an erased position.
 *   4. Errata locator Lambda = sigma * Gamma (Gamma = prod (1 - Z_k x)),
 *      evaluator Omega = S * Lambda mod x^nsym (only its first deg(Lambda)
 *      coefficients can be non-zero for a correctable pattern), and
 *      Forney's formula Y = X^(1-fcr) * Omega(X^-1) / Lambda'(X^-1).
 *   5. The corrected chunk's syndromes must all be zero, else the chunk is
 *      reported as uncorrectable (a miscorrection is never returned).
 */
#include <string.h>

#include "kernels/codec_kernels.h"
#include "cpu.h"
#include "gf256_internal.h"
#include "n3.h"

#define RSC_MAGIC 0x6e33727343u /* "n3rsC" */

struct n3_rscodec_ctx {
    /* synd[q][j] = alpha^((fcr + j) * d) with d = 254 - q: the row of a byte
     * of degree d. Byte i of an n-byte chunk uses row 255 - n + i, so the
     * rows of a chunk are consecutive. Used when decoding or checking with
     * an nsym other than the context's. */
    uint8_t synd[255][256];
    /* The same rows cut to the context's width W = round32(nsym) and packed
     * (row q at synd_w + q*W): with a 256-byte stride the 255 rows of a chunk
     * would fall into a quarter of the L1 sets and evict each other. */
    uint8_t synd_w[255 * 256];
    /* enc_w + q*W = x^d mod g(x) for d = 254 - q >= nsym, as nsym parity
     * bytes (coefficient of x^(nsym-1) first); message byte i of a k-byte
     * chunk has degree k-1-i+nsym, row 255 - k - nsym + i. */
    uint8_t enc_w[255 * 256];
    /* chien[j][d] = alpha^(-j*d): row j multiplies the coefficient sigma_j;
     * j <= 127 since 2*deg(sigma) <= nsym <= 254. */
    uint8_t chien[128][256];
    gf_field f;
    /* Branch-free products for the scalar steps: logx[0] = 512 pushes any
     * product with 0 into expx[512..1024], which is all zero; expx[i] =
     * alpha^(i mod 255) below 510. Both stay in L1 (the 64 KiB mul table
     * would not). */
    uint16_t logx[256];
    uint8_t expx[1025];
    uint8_t gen[256]; /* g(x), highest degree first, nsym + 1 coefficients */
    uint64_t magic;
    unsigned nsym, nsize, fcr, width;
    int kernel;
};

size_t n3_rscodec_ctx_size(void) { return sizeof(n3_rscodec_ctx); }

static rsc_lincomb_fn select_kernel(int kernel) {
    switch (kernel) {
#if N3_HAVE_X86_SIMD
    case N3_KERNEL_AVX2: return rsc_lincomb_avx2;
    case N3_KERNEL_GFNI: return rsc_lincomb_gfni;
    case N3_KERNEL_GFNI512: return rsc_lincomb_gfni512;
#endif
    default: return rsc_lincomb_ref;
    }
}

/* a * b, and a * alpha^l for l < 512. */
static inline uint8_t gmul(const n3_rscodec_ctx *c, uint8_t a, uint8_t b) {
    return c->expx[c->logx[a] + c->logx[b]];
}
static inline uint8_t gmul_log(const n3_rscodec_ctx *c, uint8_t a, unsigned l) {
    return c->expx[c->logx[a] + l];
}
/* alpha^(e mod 255) */
static inline uint8_t apow(const gf_field *f, unsigned long e) { return f->exp[e % 255]; }

/* Bit 8j+7 set iff byte j of p[0..8) is zero (exact: no carries between
 * bytes, since each byte is masked to 7 bits before the add). */
static inline uint64_t zero_bytes(const uint8_t *p) {
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t x = 0;
    for (unsigned j = 0; j < 8; j++) x |= (uint64_t)p[j] << (8 * j); /* little-endian order */
    return ~(((x & lo7) + lo7) | x | lo7);
}

static inline size_t round32(size_t x) { return (x + 31) & ~(size_t)31; }

static int ctx_ok(const n3_rscodec_ctx *ctx) {
    return ctx != NULL && ctx->magic == RSC_MAGIC && n3_initialized;
}

int n3_rscodec_ctx_init(n3_rscodec_ctx *ctx, size_t ctx_len, unsigned nsym, unsigned nsize,
                        unsigned fcr, unsigned prim, unsigned generator, int kernel) {
    if (ctx == NULL) return N3_EINVAL;
    if (ctx_len < sizeof *ctx) {
        memset(ctx, 0, ctx_len);
        return N3_EINVAL;
    }
    memset(ctx, 0, sizeof *ctx);
    if (!n3_initialized) return N3_ENOTINIT;
    if (nsym < 1 || nsize > N3_RSCODEC_MAX_N || nsym >= nsize || fcr >= 255) return N3_EINVAL;
    if (kernel == N3_KERNEL_AUTO) kernel = n3_kernel_best();
    if (kernel < 0 || kernel >= N3_KERNEL_COUNT) return N3_EINVAL;
    if (n3_kernel_available(kernel) != N3_OK) return N3_EUNAVAILABLE;
    int rc = gf_field_build(&ctx->f, prim, generator);
    if (rc != N3_OK) {
        memset(ctx, 0, sizeof *ctx);
        return N3_EINVAL;
    }
    const gf_field *f = &ctx->f;
    for (unsigned i = 0; i < 1025; i++) ctx->expx[i] = i < 510 ? f->exp[i % 255] : 0;
    for (unsigned a = 0; a < 256; a++) ctx->logx[a] = a ? f->log[a] : 512;
    ctx->nsym = nsym;
    ctx->nsize = nsize;
    ctx->fcr = fcr;
    ctx->kernel = kernel;
    const unsigned W = (unsigned)round32(nsym);
    ctx->width = W;

    /* g(x) = prod_{i<nsym} (x + alpha^(fcr+i)), highest degree first. */
    uint8_t *g = ctx->gen;
    g[0] = 1;
    for (unsigned i = 0; i < nsym; i++) {
        const uint8_t r = apow(f, (unsigned long)fcr + i);
        g[i + 1] = 0;
        for (unsigned j = i + 1; j > 0; j--) g[j] ^= gmul(ctx, g[j - 1], r);
    }

    for (unsigned q = 0; q < 255; q++) {
        const unsigned d = 254 - q;
        unsigned e = (unsigned)(((unsigned long)fcr * d) % 255); /* (fcr + j) * d mod 255 */
        for (unsigned j = 0; j < 256; j++) {
            ctx->synd[q][j] = f->exp[e];
            e += d;
            e = e >= 255 ? e - 255 : e;
        }
        memcpy(ctx->synd_w + (size_t)q * W, ctx->synd[q], W);
    }

    /* x^nsym mod g = g without its leading 1; x^(d+1) = x * x^d mod g. */
    uint8_t r[256];
    memcpy(r, g + 1, nsym);
    for (unsigned d = nsym; d < 255; d++) {
        memcpy(ctx->enc_w + (size_t)(254 - d) * W, r, nsym);
        const uint8_t top = r[0];
        memmove(r, r + 1, nsym - 1);
        r[nsym - 1] = 0;
        for (unsigned t = 0; t < nsym; t++) r[t] ^= gmul(ctx, top, g[t + 1]);
    }

    for (unsigned j = 0; j < 128; j++) {
        unsigned e = 0; /* -j * d mod 255 */
        const unsigned step = (255 - j % 255) % 255;
        for (unsigned d = 0; d < 256; d++) {
            ctx->chien[j][d] = f->exp[e];
            e += step;
            e = e >= 255 ? e - 255 : e;
        }
    }

    ctx->magic = RSC_MAGIC;
    return N3_OK;
}

int n3_rscodec_ctx_kernel(const n3_rscodec_ctx *ctx) {
    if (!ctx_ok(ctx)) return N3_EINVAL;
    return ctx->kernel;
}

int n3_rscodec_generator_poly(const n3_rscodec_ctx *ctx, uint8_t *out, size_t out_len) {
    if (out == NULL) return N3_EINVAL;
    if (!ctx_ok(ctx) || out_len != ctx->nsym + 1) {
        memset(out, 0, out_len);
        return N3_EINVAL;
    }
    memcpy(out, ctx->gen, out_len);
    return N3_OK;
}

/* Syndromes of an n-byte chunk into s[0..round32(nsym)); returns 1 if all
 * nsym are zero. */
static int syndromes(const n3_rscodec_ctx *ctx, rsc_lincomb_fn lc, uint8_t *s,
                     const uint8_t *cw, size_t n, unsigned nsym) {
    if (nsym == ctx->nsym)
        lc(&ctx->f, s, ctx->width, cw, n, ctx->synd_w + (255 - n) * ctx->width, ctx->width);
    else
        lc(&ctx->f, s, round32(nsym), cw, n, ctx->synd[255 - n], 256);
    uint8_t acc = 0;
    for (unsigned j = 0; j < nsym; j++) acc |= s[j];
    return acc == 0;
}

int n3_rscodec_syndromes(const n3_rscodec_ctx *ctx, uint8_t *out, unsigned nsym,
                         const uint8_t *in, size_t n) {
    if (out == NULL) return N3_EINVAL;
    if (!ctx_ok(ctx) || in == NULL || n < 1 || n > 255 || nsym < 1 || nsym > 254) {
        memset(out, 0, nsym);
        return N3_EINVAL;
    }
    uint8_t s[256];
    syndromes(ctx, select_kernel(ctx->kernel), s, in, n, nsym);
    memcpy(out, s, nsym);
    return N3_OK;
}

int n3_rscodec_lincomb(const n3_rscodec_ctx *ctx, int kernel, uint8_t *out, size_t w,
                       const uint8_t *c, size_t count, const uint8_t *t, size_t stride) {
    if (out == NULL) return N3_EINVAL;
    if (!ctx_ok(ctx) || w < 32 || w > 256 || (w & 31) != 0 || stride < w ||
        (count > 0 && (c == NULL || t == NULL)) || kernel < 0 || kernel >= N3_KERNEL_COUNT) {
        if (w <= 256) memset(out, 0, w);
        return N3_EINVAL;
    }
    if (n3_kernel_available(kernel) != N3_OK) {
        memset(out, 0, w);
        return N3_EUNAVAILABLE;
    }
    select_kernel(kernel)(&ctx->f, out, w, c, count, t, stride);
    return N3_OK;
}

int n3_rscodec_encode(const n3_rscodec_ctx *ctx, uint8_t *out, size_t out_len,
                      const uint8_t *in, size_t len, size_t k) {
    if (out == NULL && out_len > 0) return N3_EINVAL;
    if (!ctx_ok(ctx) || k < 1 || k + ctx->nsym > 255 || (len > 0 && in == NULL) ||
        out_len != len + ((len + k - 1) / k) * ctx->nsym) {
        if (out_len) memset(out, 0, out_len);
        return N3_EINVAL;
    }
    const unsigned nsym = ctx->nsym;
    const rsc_lincomb_fn lc = select_kernel(ctx->kernel);
    uint8_t par[256];
    for (size_t off = 0; off < len; off += k) {
        const size_t kk = len - off < k ? len - off : k;
        lc(&ctx->f, par, ctx->width, in + off, kk, ctx->enc_w + (255 - kk - nsym) * ctx->width,
           ctx->width);
        memmove(out, in + off, kk);
        memcpy(out + kk, par, nsym);
        out += kk + nsym;
    }
    return N3_OK;
}

int n3_rscodec_check(const n3_rscodec_ctx *ctx, uint8_t *ok, const uint8_t *in, size_t len,
                     size_t n, unsigned nsym) {
    if (ok == NULL && len > 0) return N3_EINVAL;
    const size_t count = n ? (len + n - 1) / n : 0;
    if (!ctx_ok(ctx) || n < 1 || n > 255 || nsym < 1 || nsym > 254 || (len > 0 && in == NULL)) {
        if (count) memset(ok, 0, count);
        return N3_EINVAL;
    }
    const rsc_lincomb_fn lc = select_kernel(ctx->kernel);
    uint8_t s[256];
    for (size_t c = 0; c < count; c++) {
        const size_t nn = len - c * n < n ? len - c * n : n;
        ok[c] = (uint8_t)syndromes(ctx, lc, s, in + c * n, nn, nsym);
    }
    return N3_OK;
}

/*
 * Correct one chunk in place. epos/f: chunk-relative erasure positions
 * (validated: < n, distinct, f <= nsym). On success returns the number of
 * errata written to errata[] (erasures first, then errors by descending
 * position); N3_EDECODE if the chunk cannot be corrected.
 */
static int decode_chunk(const n3_rscodec_ctx *ctx, rsc_lincomb_fn lc, uint8_t *cw, size_t n,
                        unsigned nsym, const uint8_t *epos, unsigned f, int only_erasures,
                        uint8_t *errata) {
    const gf_field *F = &ctx->f;
    uint8_t s[256], buf[256];

    for (unsigned k = 0; k < f; k++) cw[epos[k]] = 0; /* like reedsolo */
    if (syndromes(ctx, lc, s, cw, n, nsym)) {
        if (f) memcpy(errata, epos, f);
        return (int)f;
    }
    if (only_erasures && f == 0) return N3_EDECODE;

    /* Erasure locator Gamma(x) = prod (1 - Z_k x), Z_k = alpha^(n-1-pos). */
    uint8_t gam[256] = {1};
    uint8_t zlog[256]; /* log Z_k = erased degree */
    for (unsigned k = 0; k < f; k++) {
        zlog[k] = (uint8_t)(n - 1 - epos[k]);
        for (unsigned i = k + 1; i > 0; i--) gam[i] ^= gmul_log(ctx, gam[i - 1], zlog[k]);
    }

    uint8_t sig[256] = {1};
    unsigned L = 0;
    if (!only_erasures) {
        /* Forney syndromes: T_j <- Z * T_j + T_{j+1}, once per erasure. */
        const unsigned m = nsym - f;
        uint8_t *T = buf;
        memcpy(T, s, nsym);
        for (unsigned k = 0; k < f; k++)
            for (unsigned j = 0; j + 1 < nsym - k; j++)
                T[j] = gmul_log(ctx, T[j], zlog[k]) ^ T[j + 1];

        /* Berlekamp-Massey (Massey's LFSR synthesis) on T_0..T_{m-1}:
         * sig = connection polynomial, B = copy before the last length
         * change, b = discrepancy then, shift = steps since. */
        uint8_t B[256] = {1}, tmp[256];
        uint8_t b = 1;
        unsigned shift = 1;
        for (unsigned r = 0; r < m; r++) {
            uint8_t d = T[r];
            for (unsigned i = 1; i <= L; i++) d ^= gmul(ctx, sig[i], T[r - i]);
            if (d == 0) {
                shift++;
                continue;
            }
            /* sig -= (d / b) x^shift B; deg(x^shift B) <= max(L, r + 1 - L). */
            const unsigned ld = (unsigned)F->log[d] + 255 - F->log[b];
            const unsigned lq = ld >= 255 ? ld - 255 : ld;
            if (2 * L <= r) {
                const unsigned newL = r + 1 - L;
                memcpy(tmp, sig, L + 1);
                for (unsigned i = 0; i + shift <= newL; i++)
                    sig[i + shift] ^= gmul_log(ctx, B[i], lq);
                /* Every earlier B had degree <= L (L never decreases), so
                 * this overwrites all its non-zero coefficients. */
                memcpy(B, tmp, L + 1);
                L = newL;
                b = d;
                shift = 1;
            } else {
                for (unsigned i = 0; i + shift <= L; i++) sig[i + shift] ^= gmul_log(ctx, B[i], lq);
                shift++;
            }
        }
        /* Unique decoding needs 2e + f <= nsym. */
        if (2 * L + f > nsym || sig[L] == 0) return N3_EDECODE;

        if (L > 0) {
            /* Chien: v[d] = sigma(alpha^-d) for every degree d < n at once. */
            uint8_t *v = buf;
            lc(F, v, round32(n), sig, L + 1, ctx->chien[0], 256);
            uint8_t erased[256] = {0};
            for (unsigned k = 0; k < f; k++) erased[zlog[k]] = 1;
            unsigned found = 0;
            /* Ascending degree = descending position: reedsolo's order.
             * Eight bytes at a time; branches only on the (few) roots. */
            for (size_t base = 0; base < n; base += 8) {
                uint64_t z = zero_bytes(v + base);
                if (n - base < 8) z &= ((uint64_t)1 << (8 * (n - base))) - 1;
                while (z) {
                    const size_t d = base + (size_t)(__builtin_ctzll(z) >> 3);
                    z &= z - 1;
                    if (found == L || erased[d]) return N3_EDECODE;
                    errata[f + found++] = (uint8_t)(n - 1 - d);
                }
            }
            if (found != L) return N3_EDECODE;
        }
    }
    const unsigned ne = f + L; /* errata */
    if (f) memcpy(errata, epos, f);

    /* Lambda = sigma * Gamma (degree ne). Omega = S * Lambda mod x^nsym has
     * degree < ne for a correctable pattern, so only its first ne
     * coefficients are formed; if the pattern was not correctable after
     * all, the final syndrome check catches it. */
    uint8_t lam[256] = {0}, om[256] = {0};
    for (unsigned i = 0; i <= L; i++)
        for (unsigned j = 0; j <= f; j++) lam[i + j] ^= gmul(ctx, sig[i], gam[j]);
    for (unsigned k = 0; k < ne; k++) {
        uint8_t acc = 0;
        for (unsigned i = 0; i <= k; i++) acc ^= gmul(ctx, lam[i], s[k - i]);
        om[k] = acc;
    }

    /* Forney: Y = X^(1-fcr) Omega(X^-1) / Lambda'(X^-1), X = alpha^d, with
     * Lambda'(x) = sum_{i odd} lam_i x^(i-1). Terms are summed
     * independently (no Horner chain through the tables). */
    const unsigned e1 = (256 - ctx->fcr) % 255; /* (1 - fcr) mod 255 */
    for (unsigned k = 0; k < ne; k++) {
        const unsigned d = (unsigned)(n - 1 - errata[k]);
        const unsigned xinv = (255 - d) % 255; /* log X^-1 */
        uint8_t y = om[0], dv = lam[1];
        unsigned e = 0;
        for (unsigned i = 1; i < ne; i++) {
            e += xinv;
            e = e >= 255 ? e - 255 : e; /* e = i * xinv mod 255 */
            y ^= gmul_log(ctx, om[i], e);
            if (i & 1) continue;
            dv ^= gmul_log(ctx, lam[i + 1], e); /* lam_{i+1} x^i */
        }
        if (dv == 0) return N3_EDECODE;
        if (y == 0) {
            if (k >= f) return N3_EDECODE; /* an "error" of value 0 */
            continue;
        }
        const unsigned ly = (unsigned)F->log[y] + 255 - F->log[dv] + (d * e1) % 255;
        cw[errata[k]] ^= F->exp[ly % 255];
    }
    if (!syndromes(ctx, lc, s, cw, n, nsym)) return N3_EDECODE;
    return (int)ne;
}

int n3_rscodec_decode(const n3_rscodec_ctx *ctx, uint8_t *full, uint8_t *msg,
                      int16_t *nerrata, uint8_t *errata, const uint8_t *in, size_t len,
                      size_t n, unsigned nsym, const uint8_t *erase_pos,
                      const uint8_t *erase_cnt, unsigned flags) {
    const size_t count = n ? (len + n - 1) / n : 0;
    const size_t last = count ? len - (count - 1) * n : 0;
    int bad = !ctx_ok(ctx) || n < 1 || n > 255 || nsym < 1 || nsym >= n || (flags & ~1u) ||
              (len > 0 && (in == NULL || nerrata == NULL || errata == NULL)) ||
              (count > 0 && last <= nsym) || ((erase_pos == NULL) != (erase_cnt == NULL));
    /* Validate every erasure list before touching any output. */
    if (!bad && erase_cnt != NULL) {
        for (size_t c = 0; c < count && !bad; c++) {
            const size_t nn = c + 1 == count ? last : n;
            const unsigned f = erase_cnt[c];
            uint8_t seen[256] = {0};
            if (f > nsym) bad = 1;
            for (unsigned k = 0; k < f && !bad; k++) {
                const uint8_t p = erase_pos[c * nsym + k];
                if (p >= nn || seen[p]) bad = 1;
                seen[p] = 1;
            }
        }
    }
    if (bad) {
        if (count > 0 && last > nsym && n <= 255) {
            if (full) memset(full, 0, len);
            if (msg) memset(msg, 0, len - count * nsym);
        }
        if (nerrata) memset(nerrata, 0, count * sizeof *nerrata);
        if (errata && nsym <= 254) memset(errata, 0, count * nsym);
        return N3_EINVAL;
    }
    const rsc_lincomb_fn lc = select_kernel(ctx->kernel);
    const int only_erasures = (flags & N3_RSCODEC_ONLY_ERASURES) != 0;
    int failed = 0;
    uint8_t tmp[256];
    for (size_t c = 0; c < count; c++) {
        const size_t nn = c + 1 == count ? last : n;
        uint8_t *cw = full ? full + c * n : tmp;
        uint8_t *er = errata + c * nsym;
        memmove(cw, in + c * n, nn);
        const unsigned f = erase_cnt ? erase_cnt[c] : 0;
        const uint8_t *ep = erase_pos ? erase_pos + c * nsym : NULL;
        memset(er, 0, nsym);
        int rc = decode_chunk(ctx, lc, cw, nn, nsym, ep, f, only_erasures, er);
        if (rc < 0) {
            memset(cw, 0, nn);
            memset(er, 0, nsym);
            nerrata[c] = -1;
            failed++;
        } else {
            nerrata[c] = (int16_t)rc;
        }
        if (msg) memcpy(msg + c * (n - nsym), cw, nn - nsym);
    }
    return failed;
}
