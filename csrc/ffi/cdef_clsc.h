int n3_clsc_encap(uint8_t k_out[32], uint8_t u[32], uint8_t z[32], const uint8_t k_wide[64], const uint8_t q[32], const void *table, size_t table_len);
int n3_clsc_respond(uint8_t s[32], const uint8_t k[32], const uint8_t h_wide[64], const uint8_t a[32]);
int n3_clsc_decap(uint8_t z[32], const uint8_t a[32], const uint8_t u[32]);
int n3_clsc_verify_vartime(uint8_t out[32], const uint8_t s[32], const uint8_t h_wide[64], const uint8_t q[32]);
