// Tight multiply-add loops that measure the machine's arithmetic peak, the yardstick
// `encore bench gemm` reports the GEMMs against: 24 independent accumulator chains (more than
// the FMA latency × throughput), no memory traffic.
#include "CEncoreKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32), aligned(4)));

#define CHAINS 24

__attribute__((target("avx512f,fma"))) static float fma_loop_avx512(long n) {
  v16 acc[CHAINS];
  for (int c = 0; c < CHAINS; c++) acc[c] = (v16){0} + (float)c * 1e-3f;
  v16 x = (v16){0} + 0.999999f, y = (v16){0} + 1e-7f;
  for (long i = 0; i < n; i++) {
#pragma clang loop unroll(full)
    for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * x + y;
    __asm__ volatile("" : "+v"(x));
  }
  v16 s = (v16){0};
  for (int c = 0; c < CHAINS; c++) s += acc[c];
  float t = 0;
  for (int j = 0; j < 16; j++) t += s[j];
  return t;
}

__attribute__((target("avx2,fma"))) static float fma_loop_avx2(long n) {
  v8 acc[12];
  for (int c = 0; c < 12; c++) acc[c] = (v8){0} + (float)c * 1e-3f;
  v8 x = (v8){0} + 0.999999f, y = (v8){0} + 1e-7f;
  for (long i = 0; i < n; i++) {
#pragma clang loop unroll(full)
    for (int c = 0; c < 12; c++) acc[c] = acc[c] * x + y;
    __asm__ volatile("" : "+x"(x));
  }
  v8 s = (v8){0};
  for (int c = 0; c < 12; c++) s += acc[c];
  float t = 0;
  for (int j = 0; j < 8; j++) t += s[j];
  return t;
}

__attribute__((target("avx512f,avx512vl,avx512bf16"))) static float bf16_loop(long n) {
  __m512 acc[CHAINS];
  for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_set1_ps((float)c * 1e-3f);
  __m512bh x = (__m512bh)_mm512_set1_epi32(0x3F803F80), y = (__m512bh)_mm512_set1_epi32(0x33D633D6);
  for (long i = 0; i < n; i++) {
#pragma clang loop unroll(full)
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_dpbf16_ps(acc[c], x, y);
    __asm__ volatile("" : "+v"(x));
  }
  __m512 s = _mm512_setzero_ps();
  for (int c = 0; c < CHAINS; c++) s = _mm512_add_ps(s, acc[c]);
  return _mm512_reduce_add_ps(s);
}
#endif

double ek_peak_loop(int kind, long n, float *sink) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (kind == 1) {
    if (!ek_has_bf16()) return 0;
    *sink = bf16_loop(n);
    return (double)n * CHAINS * 16 * 4;
  }
  if (__builtin_cpu_supports("avx512f")) {
    *sink = fma_loop_avx512(n);
    return (double)n * CHAINS * 16 * 2;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    *sink = fma_loop_avx2(n);
    return (double)n * 12 * 8 * 2;
  }
#endif
  if (kind == 1) return 0;
  float a = 1, b = 1, c = 1, d = 1, x = 0.999999f, y = 1e-7f;
  for (long i = 0; i < n; i++) {
    a = a * x + y;
    b = b * x + y;
    c = c * x + y;
    d = d * x + y;
  }
  *sink = a + b + c + d;
  return (double)n * 8;
}
