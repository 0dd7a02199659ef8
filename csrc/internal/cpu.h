#ifndef N3_CPU_H
#define N3_CPU_H

#include <stdint.h>

/* Detected once by n3_init(); read-only afterwards. */
extern uint32_t n3_cpu_flags;
extern int n3_initialized;

/* SIMD kernels are compiled with function-level target attributes, so the
 * translation unit itself stays baseline x86-64; N3_PORTABLE removes them. */
#if !defined(N3_PORTABLE) && (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define N3_HAVE_X86_SIMD 1
#else
#define N3_HAVE_X86_SIMD 0
#endif

#endif
