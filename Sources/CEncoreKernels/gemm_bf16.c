// The bf16 GEMM behind `--precision bf16`: both operands are rounded to bfloat16 (round to
// nearest even) while they are packed, and the products are summed in fp32 by AVX512_BF16's
// vdpbf16ps, which multiplies two pairs per 32-bit lane. It follows the fp32 GEMM's blocking
// (kernels.c): B packed per K block in 64-column panels, A in 6-row panels, a 6×64 register
// tile; a packed element is a pair (k even in the low half, k odd in the high half) of the same
// row or column, so K is walked two at a time (an odd K pads a zero).
#include "CEncoreKernels.h"
#include <stdlib.h>
#include <string.h>

static inline uint32_t bf16_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
}

/// Two floats as one packed pair: `lo` (even k) in the low half, `hi` in the high half.
static inline uint32_t bf16_pair(float lo, float hi) { return bf16_bits(lo) | (bf16_bits(hi) << 16); }

#if defined(__x86_64__)
#include <immintrin.h>

#define BF_MR 6
#define BF_NR 64
#define BF_KC 256 /* floats per K block: 128 pairs, a 32 KB B panel that stays in L1 */
#define BF_MC 132 /* 22 row panels: a batch of 128 rows is one block */
#define BF_NC 1024

#define TBF16 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16,avx2,fma")))

typedef uint32_t u16v __attribute__((vector_size(64), aligned(4)));

/// Sixteen pairs at once: lanes of `lo` and `hi` rounded and interleaved per lane.
TBF16 static inline u16v bf16_pairs16(const float *lo, const float *hi) {
  u16v a, b;
  memcpy(&a, lo, 64);
  if (hi) memcpy(&b, hi, 64);
  else b = (u16v){0};
  a = (a + 0x7FFFu + ((a >> 16) & 1u)) >> 16;
  b = (b + 0x7FFFu + ((b >> 16) & 1u)) & 0xFFFF0000u;
  return a | b;
}

TBF16 static void micro_bf16(long pairs, const uint32_t *restrict a, const uint32_t *restrict b,
                             float *c, long ldc, long rows, long cols, int accumulate) {
  __m512 acc[BF_MR][4];
  for (int r = 0; r < BF_MR; r++)
    for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
  for (long k = 0; k < pairs; k++) {
    __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR);
    __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR + 16);
    __m512bh b2 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR + 32);
    __m512bh b3 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR + 48);
#pragma clang loop unroll(full)
    for (int r = 0; r < BF_MR; r++) {
      __m512bh ar = (__m512bh)_mm512_set1_epi32((int)a[k * BF_MR + r]);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], ar, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], ar, b1);
      acc[r][2] = _mm512_dpbf16_ps(acc[r][2], ar, b2);
      acc[r][3] = _mm512_dpbf16_ps(acc[r][3], ar, b3);
    }
  }
  if (rows == BF_MR && cols == BF_NR) {
    for (int r = 0; r < BF_MR; r++)
      for (int v = 0; v < 4; v++) {
        float *dst = c + r * ldc + 16 * v;
        _mm512_storeu_ps(dst, accumulate ? _mm512_add_ps(_mm512_loadu_ps(dst), acc[r][v]) : acc[r][v]);
      }
  } else {
    float tmp[BF_MR * BF_NR];
    for (int r = 0; r < BF_MR; r++)
      for (int v = 0; v < 4; v++) _mm512_storeu_ps(tmp + r * BF_NR + 16 * v, acc[r][v]);
    for (long r = 0; r < rows; r++)
      for (long j = 0; j < cols; j++)
        c[r * ldc + j] = accumulate ? c[r * ldc + j] + tmp[r * BF_NR + j] : tmp[r * BF_NR + j];
  }
}

/// op(B)[k][j] for the packed element of column j and K index k.
#define BVAL(k, j) (transB ? B[(j) * ldb + (k)] : B[(k) * ldb + (j)])
#define AVAL(i, k) (transA ? A[(k) * lda + (i)] : A[(i) * lda + (k)])

TBF16 static void block_bf16(int transA, int transB, long m0, long m1, long n0, long n1, long K,
                             const float *A, long lda, const float *B, long ldb, float *C,
                             long ldc, int accumulate) {
  static __thread uint32_t *bp = 0, *ap = 0;
  if (!bp) {
    bp = aligned_alloc(64, sizeof(uint32_t) * (BF_KC / 2) * BF_NC);
    ap = aligned_alloc(64, sizeof(uint32_t) * (BF_KC / 2) * (BF_MC + BF_MR));
  }
  for (long jc = n0; jc < n1; jc += BF_NC) {
    long nc = n1 - jc < BF_NC ? n1 - jc : BF_NC;
    for (long pc = 0; pc < K; pc += BF_KC) {
      long kc = K - pc < BF_KC ? K - pc : BF_KC;
      long pairs = (kc + 1) / 2;
      int acc = accumulate || pc > 0;
      for (long jp = 0; jp < nc; jp += BF_NR) {
        long w = nc - jp < BF_NR ? nc - jp : BF_NR;
        uint32_t *dst = bp + jp * pairs;
        long j0 = jc + jp;
        if (!transB && w == BF_NR) {
          // Two source rows (k, k+1) give 64 pairs, 16 lanes at a time.
          for (long q = 0; q < pairs; q++) {
            const float *lo = B + (pc + 2 * q) * ldb + j0;
            const float *hi = 2 * q + 1 < kc ? lo + ldb : 0;
            for (int v = 0; v < 4; v++) {
              u16v packed = bf16_pairs16(lo + 16 * v, hi ? hi + 16 * v : 0);
              memcpy(dst + q * BF_NR + 16 * v, &packed, 64);
            }
          }
        } else if (transB) {
          // Bᵀ: a pair is two neighbours of one source row, read contiguously.
          for (long j = 0; j < w; j++) {
            const float *src = B + (j0 + j) * ldb + pc;
            for (long q = 0; q < pairs; q++)
              dst[q * BF_NR + j] = bf16_pair(src[2 * q], 2 * q + 1 < kc ? src[2 * q + 1] : 0.0f);
          }
          for (long j = w; j < BF_NR; j++)
            for (long q = 0; q < pairs; q++) dst[q * BF_NR + j] = 0;
        } else {
          for (long q = 0; q < pairs; q++)
            for (long j = 0; j < BF_NR; j++)
              dst[q * BF_NR + j] =
                  j < w ? bf16_pair(BVAL(pc + 2 * q, j0 + j), 2 * q + 1 < kc ? BVAL(pc + 2 * q + 1, j0 + j) : 0.0f)
                        : 0;
        }
      }
      for (long ic = m0; ic < m1; ic += BF_MC) {
        long mc = m1 - ic < BF_MC ? m1 - ic : BF_MC;
        for (long ip = 0; ip < mc; ip += BF_MR) {
          long h = mc - ip < BF_MR ? mc - ip : BF_MR;
          uint32_t *dst = ap + ip * pairs;
          for (long r = 0; r < BF_MR; r++) {
            long i = ic + ip + r;
            for (long q = 0; q < pairs; q++)
              dst[q * BF_MR + r] =
                  r < h ? bf16_pair(AVAL(i, pc + 2 * q), 2 * q + 1 < kc ? AVAL(i, pc + 2 * q + 1) : 0.0f) : 0;
          }
        }
        for (long jp = 0; jp < nc; jp += BF_NR) {
          long w = nc - jp < BF_NR ? nc - jp : BF_NR;
          for (long ip = 0; ip < mc; ip += BF_MR) {
            long h = mc - ip < BF_MR ? mc - ip : BF_MR;
            micro_bf16(pairs, ap + ip * pairs, bp + jp * pairs, C + (ic + ip) * ldc + jc + jp, ldc, h, w, acc);
          }
        }
      }
    }
  }
}
#endif

int ek_has_bf16(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512bf16");
#else
  return 0;
#endif
}

void ek_sgemm_block_bf16(int transA, int transB, long m0, long m1, long n0, long n1, long K,
                         const float *A, long lda, const float *B, long ldb, float *C, long ldc,
                         int accumulate) {
  if (m1 <= m0 || n1 <= n0) return;
#if defined(__x86_64__)
  if (K > 0 && ek_has_bf16()) {
    block_bf16(transA, transB, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, accumulate);
    return;
  }
#endif
  // No AVX512_BF16 (or nothing to sum): the fp32 GEMM.
  ek_sgemm_block(transA, transB, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, accumulate);
}

float ek_round_bf16(float x) {
  uint32_t u = bf16_bits(x) << 16;
  float y;
  memcpy(&y, &u, sizeof y);
  return y;
}
