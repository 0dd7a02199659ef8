#define N3_GF_ACCUMULATE 1
#define N3_GF_CONSTTIME 2
#define N3_RS_MAX_SHARDS 255
#define N3_RS_CACHE_SLOTS 8

uint8_t n3_gf256_mul(uint8_t a, uint8_t b);
uint8_t n3_gf256_inv(uint8_t a);
int n3_gf256_dot_prod(int kernel, int flags, size_t len, size_t nsrc, size_t ndst,
                      const uint8_t *coeffs, const uint8_t *const *src, uint8_t *const *dst);
int n3_gf256_vandermonde(uint8_t *out, const uint8_t *xs, size_t nxs, size_t ncols);
int n3_gf256_lagrange(uint8_t *out, const uint8_t *xs, size_t n, uint8_t at);
int n3_gf256_invert_matrix(uint8_t *out, uint8_t *a, size_t n);

typedef struct n3_rs_ctx n3_rs_ctx;
size_t n3_rs_ctx_size(unsigned k, unsigned m);
int n3_rs_ctx_init(n3_rs_ctx *ctx, size_t ctx_len, unsigned k, unsigned m, int kernel);
int n3_rs_ctx_kernel(const n3_rs_ctx *ctx);
int n3_rs_parity_matrix(const n3_rs_ctx *ctx, uint8_t *out);
int n3_rs_encode(const n3_rs_ctx *ctx, size_t len, const uint8_t *const *data,
                 uint8_t *const *parity);
int n3_rs_decode_rows(n3_rs_ctx *ctx, const uint8_t *present, const uint8_t *want,
                      uint8_t *src_idx, uint8_t *rows);
size_t n3_rs_locate_scratch_size(const n3_rs_ctx *ctx);
int n3_rs_locate(const n3_rs_ctx *ctx, size_t len, const uint8_t *const *shards,
                 const uint8_t *present, uint8_t *scratch, size_t scratch_len, uint8_t *bad);
int n3_rs_check_rows(const n3_rs_ctx *ctx, const uint8_t *present, uint8_t *rows);
