#define N3_OK 0
#define N3_EINVAL -1
#define N3_EENCODING -2
#define N3_EDECODE -3
#define N3_EUNAVAILABLE -4
#define N3_ESINGULAR -5
#define N3_ENOTINIT -6
#define N3_KERNEL_AUTO -1
#define N3_KERNEL_REF 0
#define N3_KERNEL_AVX2 1
#define N3_KERNEL_GFNI 2
#define N3_KERNEL_GFNI512 3
#define N3_KERNEL_COUNT 4
#define N3_CPU_AVX2 1
#define N3_CPU_GFNI 2
#define N3_CPU_AVX512BW 4
#define N3_CPU_AVX512VL 8
#define N3_CPU_AVX512IFMA 16
#define N3_CPU_AVX512F 32
#define N3_CPU_BMI2 64
#define N3_CPU_ADX 128

int n3_init(void);
uint32_t n3_cpu_features(void);
int n3_build_has_simd(void);
int n3_kernel_available(int kernel);
int n3_kernel_best(void);
