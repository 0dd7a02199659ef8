/* n3_init, CPU detection and kernel availability. */
#include "n3.h"
#include "cpu.h"
#include "gf256_internal.h"

uint32_t n3_cpu_flags = 0;
int n3_initialized = 0;

static uint32_t detect_cpu(void) {
    uint32_t f = 0;
#if N3_HAVE_X86_SIMD
    /* __builtin_cpu_supports also checks that the OS saves the wide
     * registers (XGETBV), and valgrind reports what it can emulate. */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) f |= N3_CPU_AVX2;
    if (__builtin_cpu_supports("gfni")) f |= N3_CPU_GFNI;
    if (__builtin_cpu_supports("avx512f")) f |= N3_CPU_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) f |= N3_CPU_AVX512BW;
    if (__builtin_cpu_supports("avx512vl")) f |= N3_CPU_AVX512VL;
    if (__builtin_cpu_supports("avx512ifma")) f |= N3_CPU_AVX512IFMA;
    if (__builtin_cpu_supports("bmi2")) f |= N3_CPU_BMI2;
    if (__builtin_cpu_supports("adx")) f |= N3_CPU_ADX;
#endif
    return f;
}

int n3_init(void) {
    if (n3_initialized) return N3_OK;
    n3_cpu_flags = detect_cpu();
    gf256_init_tables();
#ifndef N3_WITHOUT_EC
    n3_ec_init();
#endif
    n3_initialized = 1;
    return N3_OK;
}

uint32_t n3_cpu_features(void) { return n3_cpu_flags; }

int n3_build_has_simd(void) { return N3_HAVE_X86_SIMD; }

int n3_kernel_available(int kernel) {
    const uint32_t f = n3_cpu_flags;
    switch (kernel) {
    case N3_KERNEL_REF:
        return N3_OK;
#if N3_HAVE_X86_SIMD
    case N3_KERNEL_AVX2:
        return (f & N3_CPU_AVX2) ? N3_OK : N3_EUNAVAILABLE;
    case N3_KERNEL_GFNI:
        return ((f & N3_CPU_AVX2) && (f & N3_CPU_GFNI)) ? N3_OK : N3_EUNAVAILABLE;
    case N3_KERNEL_GFNI512: {
        const uint32_t need = N3_CPU_GFNI | N3_CPU_AVX512F | N3_CPU_AVX512BW | N3_CPU_AVX512VL;
        return ((f & need) == need) ? N3_OK : N3_EUNAVAILABLE;
    }
#endif
    default:
        (void)f;
        return N3_EUNAVAILABLE;
    }
}

int n3_kernel_best(void) {
    static const int order[] = {N3_KERNEL_GFNI512, N3_KERNEL_GFNI, N3_KERNEL_AVX2};
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
        if (n3_kernel_available(order[i]) == N3_OK) return order[i];
    return N3_KERNEL_REF;
}
