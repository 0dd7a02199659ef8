/*
 * Portable kernel of the codeword codec: one 256-byte row of the field's
 * multiplication table per scalar (f->mul[c] maps x -> c*x), applied to w
 * table bytes. Indexes tables by data: public data only.
 */
#include <string.h>

#include "codec_kernels.h"

void rsc_lincomb_ref(const gf_field *f, uint8_t *out, size_t w, const uint8_t *c, size_t count,
                     const uint8_t *t, size_t stride) {
    memset(out, 0, w);
    for (size_t i = 0; i < count; i++, t += stride) {
        if (c[i] == 0) continue;
        const uint8_t *row = f->mul[c[i]];
        for (size_t j = 0; j < w; j++) out[j] ^= row[t[j]];
    }
}
