#define N3_RISTRETTO255_BYTES 32
#define N3_RISTRETTO255_HASHBYTES 64
#define N3_SCALAR_BYTES 32
#define N3_SCALAR_WIDE_BYTES 64
#define N3_RISTRETTO255_TABLE_BYTES 81920

size_t n3_ristretto255_bytes(void);
size_t n3_ristretto255_hashbytes(void);
size_t n3_scalar_bytes(void);
size_t n3_scalar_wide_bytes(void);
size_t n3_ristretto255_table_bytes(void);
size_t n3_ristretto255_multiscalar_scratch_bytes(size_t n);
int n3_ec_init(void);
#define N3_EC_FIELD_REF 0
#define N3_EC_FIELD_IFMA 1
int n3_ec_field_available(int backend);
int n3_ec_field_backend(void);
int n3_ristretto255_is_valid(const uint8_t p[32]);
int n3_ristretto255_is_valid_batch(size_t *first_bad, const uint8_t *pts, size_t n);
int n3_ristretto255_add(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]);
int n3_ristretto255_sub(uint8_t out[32], const uint8_t p[32], const uint8_t q[32]);
int n3_ristretto255_neg(uint8_t out[32], const uint8_t p[32]);
int n3_ristretto255_from_uniform(uint8_t out[32], const uint8_t r[64]);
int n3_ristretto255_scalarmult(uint8_t out[32], const uint8_t n[32], const uint8_t p[32]);
int n3_ristretto255_scalarmult2(uint8_t out1[32], uint8_t out2[32], const uint8_t n1[32], const uint8_t n2[32], const uint8_t p[32]);
int n3_ristretto255_scalarmult_base(uint8_t out[32], const uint8_t n[32]);
int n3_ristretto255_table_build(void *table, size_t table_len, const uint8_t p[32]);
int n3_ristretto255_table_scalarmult(uint8_t out[32], const void *table, size_t table_len, const uint8_t n[32]);
int n3_ristretto255_double_scalarmult_vartime(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], const uint8_t p[32]);
int n3_ristretto255_multiscalar_vartime(uint8_t out[32], const uint8_t *scalars, const uint8_t *points, size_t n, void *scratch, size_t scratch_len);
int n3_scalar_is_canonical(const uint8_t s[32]);
int n3_scalar_reduce_wide(uint8_t out[32], const uint8_t s[64]);
int n3_scalar_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
int n3_scalar_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
int n3_scalar_neg(uint8_t out[32], const uint8_t a[32]);
int n3_scalar_mul(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
int n3_scalar_invert(uint8_t out[32], const uint8_t a[32]);
