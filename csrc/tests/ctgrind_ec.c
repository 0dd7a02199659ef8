/*
 * Constant-time check for csrc/ec (ctgrind): secrets are marked undefined
 * with VALGRIND_MAKE_MEM_UNDEFINED, so valgrind memcheck reports every
 * conditional branch or memory index that depends on them.  Only verdicts
 * that become return codes are declassified (N3_DECLASSIFY in sc.h).
 *
 * Covered: variable-base (single, shared-table pair), fixed-base (base
 * point and a caller table), scalar inversion / mul / add / sub / neg /
 * wide reduction, the one-way map of secret bytes, encoding of a secret
 * point, and the field operations all of these use.
 *
 * Build and run: make -C csrc ctgrind   (exit status 0 = nothing reported)
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>
#include "n3.h"
#include "n3_ec.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static uint64_t table[N3_RISTRETTO255_TABLE_BYTES / 8];

int main(int argc, char **argv) {
    uint8_t k1[32], k2[32], out[32], out2[32], pt[32], wide[64], u[64];
    int rc = 0;
    if (n3_ec_init() != N3_OK) return 2;
    /* Public point: 7 B. */
    memset(k1, 0, 32); k1[0] = 7;
    rc |= n3_ristretto255_scalarmult_base(pt, k1);
    rc |= n3_ristretto255_table_build(table, sizeof table, pt);

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 32; i++) { k1[i] = (uint8_t)(0x5a ^ (i * 29 + round)); k2[i] = (uint8_t)(i * 71 + 3 * round); }
        k1[31] &= 0x0f; k2[31] &= 0x0f;
        for (int i = 0; i < 64; i++) { wide[i] = (uint8_t)(i * 13 + round); u[i] = (uint8_t)(i * 101 + round); }
        SECRET(k1, 32); SECRET(k2, 32); SECRET(wide, 64); SECRET(u, 64);

        static volatile int sink;
        if (argc > 1 && !strcmp(argv[1], "--selftest") && (k1[3] & 1))
            sink++;    /* a deliberate secret branch: valgrind must report it */
        if (argc > 1 && !strcmp(argv[1], "--selftest")) out[0] = table[k2[5] & 7] & 1;  /* secret index */
        rc |= n3_ristretto255_scalarmult(out, k1, pt);             /* variable base */
        rc |= n3_ristretto255_scalarmult2(out, out2, k1, k2, pt);  /* shared table */
        rc |= n3_ristretto255_scalarmult_base(out, k1);           /* fixed base B */
        rc |= n3_ristretto255_table_scalarmult(out, table, sizeof table, k2);
        rc |= n3_scalar_invert(out, k1);
        rc |= n3_scalar_mul(out, k1, k2);
        rc |= n3_scalar_add(out, k1, k2);
        rc |= n3_scalar_sub(out, k1, k2);
        rc |= n3_scalar_neg(out, k1);
        rc |= n3_scalar_reduce_wide(out, wide);
        rc |= n3_ristretto255_from_uniform(out, u);               /* map of secret bytes */
        PUBLIC(out, 32); PUBLIC(out2, 32);
    }
    printf("ctgrind_ec: done (rc=%d)\n", rc);
    return rc != 0;
}
