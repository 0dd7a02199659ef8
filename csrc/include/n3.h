/*
 * n3crypto native core: the public C API (umbrella header).
 *
 * Contract (see docs/native.md):
 *   - every function returns 0 (N3_OK) or a negative N3_E* code and, on
 *     failure, zeroes its outputs;
 *   - the core never allocates memory and never draws randomness: callers
 *     pass output buffers, scratch and context structs they own;
 *   - the only global state is read-only tables built once by n3_init().
 */
#ifndef N3_H
#define N3_H

#include <stddef.h>
#include <stdint.h>

#define N3_OK            0
#define N3_EINVAL       -1  /* an argument is out of range */
#define N3_EENCODING    -2  /* bytes are not a canonical encoding */
#define N3_EDECODE      -3  /* a codeword cannot be corrected */
#define N3_EUNAVAILABLE -4  /* the requested kernel is not supported by this CPU/build */
#define N3_ESINGULAR    -5  /* a matrix that must be invertible is not */
#define N3_ENOTINIT     -6  /* n3_init() has not run */

/* SIMD kernels for GF(2^8) region arithmetic. */
#define N3_KERNEL_AUTO  -1
#define N3_KERNEL_REF    0  /* portable C */
#define N3_KERNEL_AVX2   1  /* AVX2 split-nibble tables (VPSHUFB) */
#define N3_KERNEL_GFNI   2  /* GFNI + AVX2 (ymm) */
#define N3_KERNEL_GFNI512 3 /* GFNI + AVX-512BW/VL (zmm, VPTERNLOGQ) */
#define N3_KERNEL_COUNT  4

/* CPU feature bits reported by n3_cpu_features(). */
#define N3_CPU_AVX2      (1u << 0)
#define N3_CPU_GFNI      (1u << 1)
#define N3_CPU_AVX512BW  (1u << 2)
#define N3_CPU_AVX512VL  (1u << 3)
#define N3_CPU_AVX512IFMA (1u << 4)
#define N3_CPU_AVX512F   (1u << 5)
#define N3_CPU_BMI2      (1u << 6)
#define N3_CPU_ADX       (1u << 7)

/* Build tables and detect the CPU; idempotent, call once before anything else. */
int n3_init(void);
uint32_t n3_cpu_features(void);
/* 1 if the build contains SIMD kernels (0 when built with N3_PORTABLE=1). */
int n3_build_has_simd(void);
/* 0 if `kernel` can run here, N3_EUNAVAILABLE otherwise. */
int n3_kernel_available(int kernel);
/* The fastest kernel available here. */
int n3_kernel_best(void);

#include "n3_gf256.h"
#include "n3_rs.h"
#include "n3_rscodec.h"
#include "n3_ec.h"
#include "n3_clsc.h"
#include "n3_sphinx.h"

#endif
