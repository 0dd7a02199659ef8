#define N3_SPHINX_CTX_BYTES 256

size_t n3_sphinx_ctx_bytes(void);
int n3_sphinx_hop_shared(uint8_t shared[32], void *ctx, size_t ctx_len, const uint8_t y[32], const uint8_t alpha[32]);
int n3_sphinx_hop_blind(uint8_t alpha_next[32], void *ctx, size_t ctx_len, const uint8_t b_wide[64]);
int n3_sphinx_create_hop(uint8_t alpha[32], uint8_t shared[32], const uint8_t c[32], const uint8_t y_pub[32], const void *table, size_t table_len);
int n3_sphinx_blind_scalar(uint8_t c_next[32], const uint8_t c[32], const uint8_t b_wide[64]);
