/* Quick C-level KATs for csrc/ec (RFC 9496 vectors); the full suite is
 * tests/test_group.py.  Build: make -C csrc test_ec */
#include <stdio.h>
#include <string.h>
#include "n3.h"
#include "n3_ec.h"
#include "sc.h"
#include "ge.h"

static const char *MULT[4] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
    "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
    "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
};
static const char *UNIFORM_IN =
    "5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c14d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6";
static const char *UNIFORM_OUT = "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46";

static void unhex(uint8_t *out, const char *h) {
    for (size_t i = 0; h[2 * i]; i++) sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static int fails = 0;
#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); fails++; } } while (0)

int main(void) {
    uint8_t p[4][32], out[32], out2[32], n[32], u[64], acc[32];
    CHECK(n3_ec_init() == N3_OK);
    for (int i = 0; i < 4; i++) unhex(p[i], MULT[i]);
    for (int i = 0; i < 4; i++) {
        memset(n, 0, 32); n[0] = (uint8_t)i;
        CHECK(n3_ristretto255_scalarmult_base(out, n) == N3_OK);
        CHECK(memcmp(out, p[i], 32) == 0);
        CHECK(n3_ristretto255_scalarmult(out, n, p[1]) == N3_OK);
        CHECK(memcmp(out, p[i], 32) == 0);
        CHECK(n3_ristretto255_is_valid(p[i]) == N3_OK);
    }
    {   /* batch validation: 130 encodings, the first bad one named */
        static uint8_t many[130 * 32];
        size_t bad = 0;
        for (int i = 0; i < 130; i++) memcpy(many + 32 * i, p[1 + i % 3], 32);
        CHECK(n3_ristretto255_is_valid_batch(&bad, many, 130) == N3_OK && bad == 130);
        many[32 * 100] ^= 1;   /* odd s: negative, invalid */
        many[32 * 120] ^= 1;
        CHECK(n3_ristretto255_is_valid_batch(&bad, many, 130) == N3_EENCODING && bad == 100);
        CHECK(n3_ristretto255_is_valid_batch(&bad, many, 100) == N3_OK && bad == 100);
        CHECK(n3_ristretto255_is_valid_batch(NULL, many, 1) == N3_EINVAL);
    }
    CHECK(n3_ristretto255_add(out, p[1], p[2]) == N3_OK && memcmp(out, p[3], 32) == 0);
    CHECK(n3_ristretto255_sub(out, p[3], p[1]) == N3_OK && memcmp(out, p[2], 32) == 0);
    unhex(u, UNIFORM_IN); unhex(acc, UNIFORM_OUT);
    CHECK(n3_ristretto255_from_uniform(out, u) == N3_OK && memcmp(out, acc, 32) == 0);
    /* random-ish scalar: compare ct, fixed-base, double-scalar and msm */
    for (int i = 0; i < 32; i++) n[i] = (uint8_t)(i * 37 + 11);
    n[31] &= 0x0f;
    CHECK(n3_ristretto255_scalarmult(out, n, p[1]) == N3_OK);
    CHECK(n3_ristretto255_scalarmult_base(out2, n) == N3_OK && memcmp(out, out2, 32) == 0);
    uint8_t z[32] = {0};
    CHECK(n3_ristretto255_double_scalarmult_vartime(out2, n, z, p[1]) == N3_OK && memcmp(out, out2, 32) == 0);
    CHECK(n3_ristretto255_double_scalarmult_vartime(out2, z, n, p[1]) == N3_OK && memcmp(out, out2, 32) == 0);
    static uint64_t scratch[200000];
    CHECK(n3_ristretto255_multiscalar_vartime(out2, n, p[1], 1, scratch, sizeof scratch) == N3_OK && memcmp(out, out2, 32) == 0);
    uint8_t inv[32], one[32] = {1}, prod[32];
    CHECK(n3_scalar_invert(inv, n) == N3_OK);
    CHECK(n3_scalar_mul(prod, inv, n) == N3_OK && memcmp(prod, one, 32) == 0);
    /* safegcd inversion against Fermat on pseudo-random and edge scalars */
    uint64_t st = 0x9e3779b97f4a7c15ULL;
    for (int it = 0; it < 20000; it++) {
        uint8_t b[32];
        for (int i = 0; i < 32; i++) { st = st * 6364136223846793005ULL + 1442695040888963407ULL; b[i] = (uint8_t)(st >> 56); }
        if (it % 4 == 0) b[31] &= 0x0f; else if (it % 4 == 1) b[31] = 0x10, memset(b + 16, 0, 15);
        else if (it % 4 == 2) { memset(b, 0, 32); b[0] = (uint8_t)(it & 0xff) | 1; }
        else b[31] &= 0x0f;
        if (n3_scalar_is_canonical(b) != N3_OK) continue;
        sc x, r1, r2;
        sc_frombytes(&x, b);
        if (sc_iszero(&x)) continue;
        sc_invert(&r1, &x);
        sc_invert_pow(&r2, &x);
        if (memcmp(&r1, &r2, sizeof r1)) { fails++; if (fails < 5) printf("safegcd mismatch at %d\n", it); }
    }
    /* batch decoding (both backends) against one-at-a-time decoding, on
     * random strings (~1/8 valid), RFC points and a few invalid ones */
    {
        static uint8_t enc[32 * 512];
        static ge_p3 batch[512];
        int nvalid = 0;
        for (int i = 0; i < 512 * 32; i++) { st = st * 6364136223846793005ULL + 1442695040888963407ULL; enc[i] = (uint8_t)(st >> 56); }
        for (int i = 0; i < 512; i++) {
            enc[32 * i] &= 0xfe; enc[32 * i + 31] &= 0x7f;
            if (i % 5 == 0) memcpy(enc + 32 * i, p[i % 4], 32);
        }
        for (int i = 0; i < 512; i += 8) {
            const uint8_t *e8[8];
            for (int k = 0; k < 8; k++) e8[k] = enc + 32 * (i + k);
            unsigned bad = ge_field_backend == N3_EC_FIELD_IFMA ? ge_decode8_ifma(batch + i, e8) : 0;
            for (int k = 0; k < 8; k++) {
                ge_p3 one_p;
                const int ok1 = ge_ristretto_decode(&one_p, e8[k]) == 0;
                if (ge_field_backend != N3_EC_FIELD_IFMA) { batch[i + k] = one_p; if (!ok1) bad |= 1u << k; }
                const int okb = !(bad & (1u << k));
                nvalid += ok1;
                if (ok1 != okb) { fails++; printf("batch verdict mismatch at %d\n", i + k); continue; }
                if (ok1) {
                    uint8_t a1[32], a2[32];
                    ge_ristretto_encode(a1, &one_p);
                    ge_ristretto_encode(a2, &batch[i + k]);
                    if (memcmp(a1, a2, 32) || memcmp(a1, e8[k], 32)) { fails++; printf("batch point mismatch at %d\n", i + k); }
                }
            }
        }
        if (nvalid < 120) { fails++; printf("too few valid samples: %d\n", nvalid); }
        size_t r = ge_ristretto_decode_batch(batch, enc, 512);
        size_t first_bad = 0;
        for (int i = 0; i < 512 && !first_bad; i++) { ge_p3 q; if (ge_ristretto_decode(&q, enc + 32 * i)) first_bad = (size_t)i + 1; }
        if (r != first_bad) { fails++; printf("decode_batch returned %zu, expected %zu\n", r, first_bad); }
    }
    printf("%s (%d failures)\n", fails ? "FAILED" : "ok", fails);
    return fails != 0;
}
