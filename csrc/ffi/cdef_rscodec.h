#define N3_RSCODEC_MAX_N 255
#define N3_RSCODEC_ONLY_ERASURES 1

typedef struct n3_rscodec_ctx n3_rscodec_ctx;
size_t n3_rscodec_ctx_size(void);
int n3_rscodec_ctx_init(n3_rscodec_ctx *ctx, size_t ctx_len, unsigned nsym, unsigned nsize,
                        unsigned fcr, unsigned prim, unsigned generator, int kernel);
int n3_rscodec_ctx_kernel(const n3_rscodec_ctx *ctx);
int n3_rscodec_generator_poly(const n3_rscodec_ctx *ctx, uint8_t *out, size_t out_len);
int n3_rscodec_encode(const n3_rscodec_ctx *ctx, uint8_t *out, size_t out_len,
                      const uint8_t *in, size_t len, size_t k);
int n3_rscodec_check(const n3_rscodec_ctx *ctx, uint8_t *ok, const uint8_t *in, size_t len,
                     size_t n, unsigned nsym);
int n3_rscodec_syndromes(const n3_rscodec_ctx *ctx, uint8_t *out, unsigned nsym,
                         const uint8_t *in, size_t n);
int n3_rscodec_decode(const n3_rscodec_ctx *ctx, uint8_t *full, uint8_t *msg,
                      int16_t *nerrata, uint8_t *errata, const uint8_t *in, size_t len,
                      size_t n, unsigned nsym, const uint8_t *erase_pos,
                      const uint8_t *erase_cnt, unsigned flags);
int n3_rscodec_lincomb(const n3_rscodec_ctx *ctx, int kernel, uint8_t *out, size_t w,
                       const uint8_t *c, size_t count, const uint8_t *t, size_t stride);
