/*
 * Systematic Cauchy Reed-Solomon erasure code in GRS form (see n3_rs.h).
 *
 * GRS view. Let a_l = l + 1, data points x_i = a_i (i < k), parity points
 * y_j = a_{k+j}. Partial fractions (char 2) give, for every r < m,
 *     x_i^r / P(x_i) + sum_j y_j^r / (P'(y_j) (x_i + y_j)) = 0,
 * with P(z) = prod_j (z + y_j). So the code is annihilated by the m x n
 * parity-check matrix H[r][l] = u_l a_l^r with u_{x_i} = 1/P(x_i) and
 * u_{y_j} = 1/P'(y_j): syndromes S_r = sum_l u_l a_l^r c_l. An error of
 * value e at shard l adds u_l e a_l^r, a geometric sequence with ratio
 * a_l != 0, so Berlekamp-Massey finds the locator prod (1 - a_l z).
 * Puncturing (dropping missing shards) keeps the GRS form: for the present
 * set P the dual multipliers become u'_l = u_l prod_{l' not in P} (a_l + a_l').
 *
 * Everything here works on public data (erasure patterns, shard bytes of an
 * erasure code); table lookups are fine. The decode-matrix cache lives in
 * the caller-owned context.
 */
#include <string.h>

#include "n3.h"
#include "cpu.h"
#include "gf256_internal.h"

typedef struct cache_slot {
    uint8_t key[32];   /* bitmap of the k source shards */
    uint8_t valid;
} cache_slot;

struct n3_rs_ctx {
    uint32_t magic;
    uint32_t k, m, n;
    int32_t kernel;
    uint32_t next_slot;                 /* round-robin replacement */
    uint8_t parity[N3_RS_MAX_SHARDS * N3_RS_MAX_SHARDS];  /* only m*k used */
    uint8_t u[N3_RS_MAX_SHARDS];        /* dual multipliers of the full code */
    cache_slot slots[N3_RS_CACHE_SLOTS];
    uint8_t inv[];                      /* N3_RS_CACHE_SLOTS inverses of k*k, then a
                                           k*k work matrix (no big stack frames) */
};

#define RS_MAGIC 0x4e335253u
#define F (&gf256_default)

static inline uint8_t point(unsigned l) { return (uint8_t)(l + 1); }

size_t n3_rs_ctx_size(unsigned k, unsigned m) {
    if (k < 1 || k + m > N3_RS_MAX_SHARDS) return 0;
    return sizeof(struct n3_rs_ctx) + (size_t)(N3_RS_CACHE_SLOTS + 1) * k * k;
}

int n3_rs_ctx_init(n3_rs_ctx *ctx, size_t ctx_len, unsigned k, unsigned m, int kernel) {
    if (!n3_initialized) return N3_ENOTINIT;
    if (k < 1 || k + m > N3_RS_MAX_SHARDS || ctx_len < n3_rs_ctx_size(k, m)) return N3_EINVAL;
    if (kernel == N3_KERNEL_AUTO) kernel = n3_kernel_best();
    if (n3_kernel_available(kernel) != N3_OK) return N3_EUNAVAILABLE;
    memset(ctx, 0, ctx_len);
    ctx->k = k; ctx->m = m; ctx->n = k + m; ctx->kernel = kernel;
    for (unsigned j = 0; j < m; j++)
        for (unsigned i = 0; i < k; i++)
            ctx->parity[j * k + i] = gf_inv_vartime(F, point(i) ^ point(k + j));
    for (unsigned i = 0; i < k; i++) {
        uint8_t p = 1;
        for (unsigned j = 0; j < m; j++) p = F->mul[p][point(i) ^ point(k + j)];
        ctx->u[i] = gf_inv_vartime(F, p);
    }
    for (unsigned j = 0; j < m; j++) {
        uint8_t p = 1;
        for (unsigned j2 = 0; j2 < m; j2++)
            if (j2 != j) p = F->mul[p][point(k + j) ^ point(k + j2)];
        ctx->u[k + j] = gf_inv_vartime(F, p);
    }
    ctx->magic = RS_MAGIC;
    return N3_OK;
}

int n3_rs_ctx_kernel(const n3_rs_ctx *ctx) { return ctx->kernel; }

int n3_rs_parity_matrix(const n3_rs_ctx *ctx, uint8_t *out) {
    if (ctx->magic != RS_MAGIC) return N3_EINVAL;
    memcpy(out, ctx->parity, (size_t)ctx->m * ctx->k);
    return N3_OK;
}

int n3_rs_encode(const n3_rs_ctx *ctx, size_t len, const uint8_t *const *data,
                 uint8_t *const *parity) {
    if (ctx->magic != RS_MAGIC) return N3_EINVAL;
    if (ctx->m == 0 || len == 0) return N3_OK;
    gf_dot_select(ctx->kernel, 0)(F, len, ctx->k, ctx->m, ctx->parity, data, parity, 0);
    return N3_OK;
}

int n3_rs_decode_rows(n3_rs_ctx *ctx, const uint8_t *present, const uint8_t *want,
                      uint8_t *src_idx, uint8_t *rows) {
    if (ctx->magic != RS_MAGIC) return N3_EINVAL;
    const unsigned k = ctx->k, n = ctx->n;
    unsigned ns = 0, nwant = 0;
    uint8_t key[32] = {0};
    for (unsigned l = 0; l < n; l++) {
        if (present[l] && want[l]) return N3_EINVAL;
        if (want[l]) nwant++;
        if (present[l] && ns < k) {
            src_idx[ns++] = (uint8_t)l;
            key[l >> 3] |= (uint8_t)(1u << (l & 7));
        }
    }
    if (ns < k) return N3_EINVAL;
    if (nwant == 0) return N3_OK;

    /* Find or compute D = inverse of the source rows of the generator. */
    const size_t kk = (size_t)k * k;
    uint8_t *d = NULL;
    for (unsigned s = 0; s < N3_RS_CACHE_SLOTS; s++)
        if (ctx->slots[s].valid && memcmp(ctx->slots[s].key, key, 32) == 0) {
            d = ctx->inv + s * kk;
            break;
        }
    if (!d) {
        const unsigned s = ctx->next_slot;
        ctx->next_slot = (s + 1) % N3_RS_CACHE_SLOTS;
        ctx->slots[s].valid = 0;
        d = ctx->inv + s * kk;
        uint8_t *work = ctx->inv + N3_RS_CACHE_SLOTS * kk;
        for (unsigned t = 0; t < k; t++) {
            const unsigned l = src_idx[t];
            if (l < k) {
                memset(work + t * k, 0, k);
                work[t * k + l] = 1;
            } else {
                memcpy(work + t * k, ctx->parity + (l - k) * k, k);
            }
        }
        int rc = gf_invert_matrix_field(F, d, work, k);
        if (rc != N3_OK) return rc;   /* cannot happen for a Cauchy code */
        memcpy(ctx->slots[s].key, key, 32);
        ctx->slots[s].valid = 1;
    }
    unsigned w = 0;
    for (unsigned l = 0; l < n; l++) {
        if (!want[l]) continue;
        uint8_t *row = rows + (size_t)w * k;
        if (l < k) {
            memcpy(row, d + (size_t)l * k, k);
        } else {
            const uint8_t *pr = ctx->parity + (size_t)(l - k) * k;
            for (unsigned t = 0; t < k; t++) {
                uint8_t acc = 0;
                for (unsigned i = 0; i < k; i++) acc ^= F->mul[pr[i]][d[(size_t)i * k + t]];
                row[t] = acc;
            }
        }
        w++;
    }
    return N3_OK;
}

/* ---- locating corrupted shards ---------------------------------------- */

int n3_rs_check_rows(const n3_rs_ctx *ctx, const uint8_t *present, uint8_t *rows) {
    if (ctx->magic != RS_MAGIC) return N3_EINVAL;
    const unsigned n = ctx->n;
    unsigned np = 0;
    uint8_t pos[N3_RS_MAX_SHARDS];
    for (unsigned l = 0; l < n; l++) if (present[l]) pos[np++] = (uint8_t)l;
    if (np < ctx->k) return N3_EINVAL;
    const unsigned mp = np - ctx->k;
    for (unsigned c = 0; c < np; c++) {
        const unsigned l = pos[c];
        uint8_t u = ctx->u[l];
        for (unsigned l2 = 0; l2 < n; l2++)
            if (!present[l2]) u = F->mul[u][point(l) ^ point(l2)];
        uint8_t v = u;
        for (unsigned r = 0; r < mp; r++) {
            rows[(size_t)r * np + c] = v;
            v = F->mul[v][point(l)];
        }
    }
    return N3_OK;
}

#define LOCATE_BLOCK_BYTES 65536u

size_t n3_rs_locate_scratch_size(const n3_rs_ctx *ctx) {
    const size_t n = ctx->n;
    /* H rows, Q rows, and syndrome + projected blocks. */
    return 2 * n * n + LOCATE_BLOCK_BYTES;
}

/*
 * Berlekamp-Massey on s[0..len): the shortest LFSR (connection polynomial
 * lam, degree L) generating the sequence. Returns L.
 */
static unsigned berlekamp_massey(const uint8_t *s, unsigned len, uint8_t *lam) {
    uint8_t b[N3_RS_MAX_SHARDS + 1], t[N3_RS_MAX_SHARDS + 1];
    memset(lam, 0, len + 1);
    memset(b, 0, len + 1);
    lam[0] = b[0] = 1;
    unsigned L = 0, shift = 1;
    uint8_t bd = 1;  /* discrepancy when b was saved */
    for (unsigned r = 0; r < len; r++) {
        uint8_t d = s[r];
        for (unsigned i = 1; i <= L; i++) d ^= F->mul[lam[i]][s[r - i]];
        if (d == 0) { shift++; continue; }
        const uint8_t coef = gf_div_vartime(F, d, bd);
        if (2 * L <= r) {
            memcpy(t, lam, len + 1);
            for (unsigned i = 0; i + shift <= len; i++) lam[i + shift] ^= F->mul[coef][b[i]];
            L = r + 1 - L;
            memcpy(b, t, len + 1);
            bd = d;
            shift = 1;
        } else {
            for (unsigned i = 0; i + shift <= len; i++) lam[i + shift] ^= F->mul[coef][b[i]];
            shift++;
        }
    }
    return L;
}

static uint8_t poly_eval(const uint8_t *p, unsigned deg, uint8_t x) {
    uint8_t acc = 0;
    for (unsigned i = deg + 1; i-- > 0;) acc = F->mul[acc][x] ^ p[i];
    return acc;
}

/* Q rows for erasure set E (indices into the present list): row s holds the
 * coefficients of prod_{e in E} (z + a_e) shifted by s. */
static void build_q(uint8_t *q, unsigned mp, unsigned np, const uint8_t *pos,
                    const uint8_t *eset, unsigned ne) {
    uint8_t p[N3_RS_MAX_SHARDS + 1] = {1};
    for (unsigned e = 0; e < ne; e++) {
        const uint8_t a = point(pos[eset[e]]);
        for (unsigned i = e + 1; i > 0; i--) p[i] = p[i - 1] ^ F->mul[p[i]][a];
        p[0] = F->mul[p[0]][a];
    }
    memset(q, 0, (size_t)(mp - ne) * mp);
    for (unsigned s = 0; s + ne < mp; s++)
        for (unsigned i = 0; i <= ne; i++) q[(size_t)s * mp + s + i] = p[i];
    (void)np;
}

static int first_nonzero_column(uint8_t *const *rows, unsigned nrows, size_t len, size_t *col) {
    for (size_t c0 = 0; c0 < len; c0 += 64) {
        const size_t c1 = c0 + 64 < len ? c0 + 64 : len;
        uint8_t any = 0;
        for (unsigned r = 0; r < nrows; r++)
            for (size_t c = c0; c < c1; c++) any |= rows[r][c];
        if (!any) continue;
        for (size_t c = c0; c < c1; c++)
            for (unsigned r = 0; r < nrows; r++)
                if (rows[r][c]) { *col = c; return 1; }
    }
    return 0;
}

int n3_rs_locate(const n3_rs_ctx *ctx, size_t len, const uint8_t *const *shards,
                 const uint8_t *present, uint8_t *scratch, size_t scratch_len, uint8_t *bad) {
    if (ctx->magic != RS_MAGIC) return N3_EINVAL;
    if (scratch_len < n3_rs_locate_scratch_size(ctx)) return N3_EINVAL;
    const unsigned n = ctx->n, k = ctx->k;
    memset(bad, 0, n);
    uint8_t pos[N3_RS_MAX_SHARDS];
    const uint8_t *src[N3_RS_MAX_SHARDS];
    unsigned np = 0;
    for (unsigned l = 0; l < n; l++)
        if (present[l]) { pos[np] = (uint8_t)l; src[np] = shards[l]; np++; }
    if (np < k) return N3_EINVAL;
    const unsigned mp = np - k, tmax = mp / 2;
    if (mp == 0 || len == 0) return 0;

    uint8_t *h = scratch;
    uint8_t *q = scratch + (size_t)n * n;
    uint8_t *blk = scratch + 2 * (size_t)n * n;
    n3_rs_check_rows(ctx, present, h);
    /* Block of columns so that S (mp rows) and T (mp rows) fit the scratch. */
    size_t bl = LOCATE_BLOCK_BYTES / (2 * (size_t)mp);
    if (bl > 64) bl &= ~(size_t)63;
    uint8_t *srow[N3_RS_MAX_SHARDS], *trow[N3_RS_MAX_SHARDS];
    for (unsigned r = 0; r < mp; r++) {
        srow[r] = blk + (size_t)r * bl;
        trow[r] = blk + (size_t)(mp + r) * bl;
    }
    const gf_dot_fn dot = gf_dot_select(ctx->kernel, 0);
    uint8_t eset[N3_RS_MAX_SHARDS];   /* indices into pos[] */
    unsigned ne = 0;
    uint8_t in_e[N3_RS_MAX_SHARDS] = {0};

    for (size_t off = 0; off < len; off += bl) {
        const size_t w = len - off < bl ? len - off : bl;
        const uint8_t *bsrc[N3_RS_MAX_SHARDS];
        for (unsigned c = 0; c < np; c++) bsrc[c] = src[c] + off;
        dot(F, w, np, mp, h, bsrc, srow, 0);
        for (;;) {
            uint8_t *const *chk = srow;
            unsigned nchk = mp;
            if (ne > 0) {
                nchk = mp - ne;
                dot(F, w, mp, nchk, q, (const uint8_t *const *)srow, trow, 0);
                chk = trow;
            }
            size_t col;
            if (!first_nonzero_column(chk, nchk, w, &col)) break;
            if (tmax == 0) return N3_EDECODE;   /* detected, cannot be located */
            uint8_t s[N3_RS_MAX_SHARDS], lam[N3_RS_MAX_SHARDS + 1];
            for (unsigned r = 0; r < mp; r++) s[r] = srow[r][col];
            const unsigned L = berlekamp_massey(s, mp, lam);
            if (L > tmax) return N3_EDECODE;
            unsigned roots = 0, added = 0;
            for (unsigned c = 0; c < np; c++) {
                if (poly_eval(lam, L, gf_inv_vartime(F, point(pos[c]))) != 0) continue;
                roots++;
                if (!in_e[c]) { in_e[c] = 1; eset[ne++] = (uint8_t)c; added++; }
            }
            if (roots != L || added == 0 || ne > tmax) { memset(bad, 0, n); return N3_EDECODE; }
            build_q(q, mp, np, pos, eset, ne);
        }
    }
    for (unsigned e = 0; e < ne; e++) bad[pos[eset[e]]] = 1;
    return (int)ne;
}
