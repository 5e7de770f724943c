// The bf16 GEMM behind `--precision bf16`: both operands are rounded to bfloat16 (round to
// nearest even) while they are packed, and the products are summed in fp32 by AVX512_BF16's
// vdpbf16ps, which multiplies two pairs per 32-bit lane. It follows the fp32 GEMM's blocking
// (kernels.c): B packed per K block in 64-column panels, A in 6-row panels, a 6×64 register
// tile; a packed element is a pair (k even in the low half, k odd in the high half) of the same
// row or column, so K is walked two at a time (an odd K pads a zero). Packing rounds 16 pairs
// per vector, and Bᵀ goes through the same 16 × 16 register transpose as the fp32 GEMM. The
// fused Adam steps (a tile's finished gradient, or B's rows once packed) are the fp32 steps.
#include "CEncoreKernels.h"
#include "kernel_bodies.h"
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
/* Bᵀ blocks are 256 columns wide, so that the next block, fetched while this one computes,
   fits in L2 beside it. Against 1024 wide without the fetch, alternating on AMD Zen 4: the
   output layer's 128 × 512 · 512 × 26,744 product 258–269 → 285–297 GFLOP/s, and 256 × 9,724
   · 9,724 × 500 237–267 → 251–277. K blocks of 128 gave the first 307–327 but slowed the second. */
#define BF_NC_T 256

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

/// dst[x] = the pair (lo[x], hi[x]) for x < count (hi NULL: zeros), 16 at a time.
TBF16 static inline void bf16_pair_rows(const float *lo, const float *hi, long count, uint32_t *dst) {
  long x = 0;
  for (; x + 16 <= count; x += 16) {
    u16v packed = bf16_pairs16(lo + x, hi ? hi + x : 0);
    memcpy(dst + x, &packed, 64);
  }
  for (; x < count; x++) dst[x] = bf16_pair(lo[x], hi ? hi[x] : 0.0f);
}

/// Sixteen pairs of 32 consecutive floats: pair q holds src[2q] (low) and src[2q + 1] (high).
TBF16 static inline u16v bf16_pairs_along(const float *src) {
  u16v a, b;
  memcpy(&a, src, 64);
  memcpy(&b, src + 16, 64);
  a = (a + 0x7FFFu + ((a >> 16) & 1u)) & 0xFFFF0000u;
  b = (b + 0x7FFFu + ((b >> 16) & 1u)) & 0xFFFF0000u;
  u16v even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  u16v odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  return (even >> 16) | odd;
}

/// The R × 64 tile (R ≤ 6, a constant once inlined) over `pairs` packed pairs: A's panel
/// holds 6 rows per pair, B's 64 columns.
TBF16 static inline __attribute__((always_inline)) void micro_bf16_body(
    int R, long pairs, const uint32_t *restrict a, const uint32_t *restrict b, float *c, long ldc, long rows,
    long cols, int accumulate) {
  __m512 acc[BF_MR][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
  for (long k = 0; k < pairs; k++) {
    __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR);
    __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR + 16);
    __m512bh b2 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR + 32);
    __m512bh b3 = (__m512bh)_mm512_loadu_si512(b + k * BF_NR + 48);
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++) {
      __m512bh ar = (__m512bh)_mm512_set1_epi32((int)a[k * BF_MR + r]);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], ar, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], ar, b1);
      acc[r][2] = _mm512_dpbf16_ps(acc[r][2], ar, b2);
      acc[r][3] = _mm512_dpbf16_ps(acc[r][3], ar, b3);
    }
  }
  if (rows == R && cols == BF_NR) {
    for (int r = 0; r < R; r++)
      for (int v = 0; v < 4; v++) {
        float *dst = c + r * ldc + 16 * v;
        _mm512_storeu_ps(dst, accumulate ? _mm512_add_ps(_mm512_loadu_ps(dst), acc[r][v]) : acc[r][v]);
      }
  } else {
    float tmp[BF_MR * BF_NR];
    for (int r = 0; r < R; r++)
      for (int v = 0; v < 4; v++) _mm512_storeu_ps(tmp + r * BF_NR + 16 * v, acc[r][v]);
    for (long r = 0; r < rows; r++)
      for (long j = 0; j < cols; j++)
        c[r * ldc + j] = accumulate ? c[r * ldc + j] + tmp[r * BF_NR + j] : tmp[r * BF_NR + j];
  }
}

/// C tile (+)= A panel · B panel for the tile's `rows` ≤ 6 rows: a short row panel multiplies
/// only its own rows (as in the fp32 GEMM; each row's sums are those of a full panel).
TBF16 static void micro_bf16(long pairs, const uint32_t *restrict a, const uint32_t *restrict b, float *c,
                             long ldc, long rows, long cols, int accumulate) {
  switch (rows) {
  case 1: micro_bf16_body(1, pairs, a, b, c, ldc, rows, cols, accumulate); break;
  case 2: micro_bf16_body(2, pairs, a, b, c, ldc, rows, cols, accumulate); break;
  case 3: micro_bf16_body(3, pairs, a, b, c, ldc, rows, cols, accumulate); break;
  case 4: micro_bf16_body(4, pairs, a, b, c, ldc, rows, cols, accumulate); break;
  case 5: micro_bf16_body(5, pairs, a, b, c, ldc, rows, cols, accumulate); break;
  default: micro_bf16_body(BF_MR, pairs, a, b, c, ldc, rows, cols, accumulate); break;
  }
}

/// Packs B[pc:pc+kc, j0:j0+w] (op(B), K × N) as one 64-wide panel of pairs, zero-padded.
TBF16 static void pack_b_panel(int transB, const stacked_rows *bRows, long ldb, long pc, long kc, long j0,
                               long w, uint32_t *restrict dst) {
  long pairs = (kc + 1) / 2;
  if (!transB) {
    // Two rows (k, k + 1) of B give a row of 64 pairs, 16 lanes at a time.
    for (long q = 0; q < pairs; q++) {
      const float *lo = stacked_row(bRows, pc + 2 * q) + j0;
      const float *hi = 2 * q + 1 < kc ? stacked_row(bRows, pc + 2 * q + 1) + j0 : 0;
      uint32_t *row = dst + q * BF_NR;
      bf16_pair_rows(lo, hi, w, row);
      for (long j = w; j < BF_NR; j++) row[j] = 0;
    }
    return;
  }
  // Bᵀ (N × K in memory): 32 consecutive floats of a source row are 16 pairs; 16 rows of them
  // are transposed in registers into 16 packed rows of 16 columns. Ragged edges one by one.
  const float *B = bRows->p1;
  long j16 = w & ~15L, q16 = (kc / 32) * 16;
  for (long j = 0; j < j16; j += 16)
    for (long q = 0; q < q16; q += 16) {
      u16v block[16];
      for (int r = 0; r < 16; r++) block[r] = bf16_pairs_along(B + (j0 + j + r) * ldb + pc + 2 * q);
      transpose16((const float *)block, 16, (float *)(dst + q * BF_NR + j), BF_NR);
    }
  for (long j = 0; j < w; j++) {
    const float *src = B + (j0 + j) * ldb + pc;
    for (long q = j < j16 ? q16 : 0; q < pairs; q++)
      dst[q * BF_NR + j] = bf16_pair(src[2 * q], 2 * q + 1 < kc ? src[2 * q + 1] : 0.0f);
  }
  for (long j = w; j < BF_NR; j++)
    for (long q = 0; q < pairs; q++) dst[q * BF_NR + j] = 0;
}

/// Packs op(A)[ic:ic+mc, pc:pc+kc] into 6-row panels of pairs (panel p at ap + 6p · pairs,
/// pair q of its row r at q · 6 + r), zero-padded to whole panels.
TBF16 static void pack_a_block(int transA, const stacked_rows *aRows, long lda, long ic, long mc, long pc,
                               long kc, uint32_t *restrict ap) {
  long pairs = (kc + 1) / 2, padded = (mc + BF_MR - 1) / BF_MR * BF_MR;
  if (transA) {
    // Two rows (k, k + 1) of Aᵀ hold a pair for each of the block's rows, 16 at a time.
    uint32_t line[BF_MC + BF_MR + 16];
    for (long q = 0; q < pairs; q++) {
      const float *lo = stacked_row(aRows, pc + 2 * q) + ic;
      const float *hi = 2 * q + 1 < kc ? stacked_row(aRows, pc + 2 * q + 1) + ic : 0;
      bf16_pair_rows(lo, hi, mc, line);
      for (long x = mc; x < padded; x++) line[x] = 0;
      for (long p = 0; p < padded; p += BF_MR)
        for (long r = 0; r < BF_MR; r++) ap[p * pairs + q * BF_MR + r] = line[p + r];
    }
    return;
  }
  // A untransposed: a row's 32 consecutive floats are 16 of its pairs.
  const float *A = aRows->p1;
  long q16 = (kc / 32) * 16;
  for (long x = 0; x < padded; x++) {
    uint32_t *dst = ap + (x - x % BF_MR) * pairs + x % BF_MR;
    if (x >= mc) {
      for (long q = 0; q < pairs; q++) dst[q * BF_MR] = 0;
      continue;
    }
    const float *src = A + (ic + x) * lda + pc;
    for (long q = 0; q < q16; q += 16) {
      uint32_t packed[16];
      u16v v = bf16_pairs_along(src + 2 * q);
      memcpy(packed, &v, 64);
      for (int e = 0; e < 16; e++) dst[(q + e) * BF_MR] = packed[e];
    }
    for (long q = q16; q < pairs; q++) dst[q * BF_MR] = bf16_pair(src[2 * q], 2 * q + 1 < kc ? src[2 * q + 1] : 0.0f);
  }
}

/// The fp32 GEMM's block (`gemm_block_body` in kernels.c) with bf16 products: the same
/// blocking, stacked K, and fused Adam steps on the result (`step`) or on B's rows (`stepB`).
TBF16 static void block_bf16(int transA, int transB, long m0, long m1, long n0, long n1, long K,
                             const float *A, long lda, const float *B, long ldb, float *C,
                             long ldc, int accumulate, const float *A2, long lda2, const float *B2,
                             long ldb2, long K1, const ek_adam_step *step, const ek_adam_step *stepB) {
  stacked_rows aRows = {A, lda, K1, A2, lda2}, bRows = {B, ldb, K1, B2, ldb2};
  static __thread uint32_t *bp = 0, *ap = 0;
  if (!bp) {
    bp = aligned_alloc(64, sizeof(uint32_t) * (BF_KC / 2) * BF_NC);
    ap = aligned_alloc(64, sizeof(uint32_t) * (BF_KC / 2) * (BF_MC + BF_MR));
  }
  // Bᵀ's rows are B's own, never stacked: the next block of them is read through this.
  stacked_rows bOwnRows = {B, ldb, n1, 0, 0};
  long kcMax = BF_KC, ncMax = transB ? BF_NC_T : BF_NC;
  for (long jc = n0; jc < n1; jc += ncMax) {
    long nc = n1 - jc < ncMax ? n1 - jc : ncMax;
    for (long pc = 0; pc < K; pc += kcMax) {
      long kc = K - pc < kcMax ? K - pc : kcMax;
      long pairs = (kc + 1) / 2;
      int acc = accumulate || pc > 0;
      for (long jp = 0; jp < nc; jp += BF_NR) {
        long w = nc - jp < BF_NR ? nc - jp : BF_NR;
        pack_b_panel(transB, &bRows, ldb, pc, kc, jc + jp, w, bp + jp * pairs);
      }
      if (stepB && pc + kc == K) {
        // Every k of B's rows jc..<jc+nc is packed: step those rows now, while in cache; the
        // product goes on with the packed values from before the step.
        for (long j = jc; j < jc + nc; j++) {
          long at = j * ldb;
          adam_flat_body(K, (float *)B + at, stepB->m + at, stepB->v + at, stepB->g + at, stepB->lr,
                         stepB->b1, stepB->b2, stepB->eps, stepB->decay, stepB->clear);
        }
      }
      // The block of B packed next (the next K block, else the next column block) is fetched
      // into L2 a few rows per tile of this one, as in fp32; Bᵀ's too, since bf16 products
      // leave packing a larger share of the time.
      gemm_block_rows nextB = gemm_next_b_block(transB, &bRows, &bOwnRows, pc, kc, jc, nc, K, n1, kcMax, ncMax);
      long tilesInBlock = gemm_tiles_in_block(m0, m1, BF_MC, BF_MR, nc, BF_NR), tileInBlock = 0;
      for (long ic = m0; ic < m1; ic += BF_MC) {
        long mc = m1 - ic < BF_MC ? m1 - ic : BF_MC;
        pack_a_block(transA, &aRows, lda, ic, mc, pc, kc, ap);
        long panelsN = (nc + BF_NR - 1) / BF_NR, panelsM = (mc + BF_MR - 1) / BF_MR;
        // With a fused step, row panel by row panel, so the step sweeps whole parameter rows.
        int rowsFirst = step != 0;
        for (long t = 0; t < panelsN * panelsM; t++) {
          long jp = (rowsFirst ? t % panelsN : t / panelsM) * BF_NR;
          long ip = (rowsFirst ? t / panelsN : t % panelsM) * BF_MR;
          long w = nc - jp < BF_NR ? nc - jp : BF_NR, h = mc - ip < BF_MR ? mc - ip : BF_MR;
          float *ct = C + (ic + ip) * ldc + jc + jp;
          prefetch_block_rows(&nextB, tileInBlock++, tilesInBlock);
          if (step && pc + kc == K) {
            float tile[BF_MR * BF_NR] __attribute__((aligned(64)));
            micro_bf16(pairs, ap + ip * pairs, bp + jp * pairs, tile, BF_NR, h, BF_NR, 0);
            int untouched = step->cIsZero && pc == 0;
            adam_tile_epilogue(tile, BF_NR, h, w, ct, ldc, (ic + ip) * ldc + jc + jp, step, acc && !untouched,
                               untouched);
          } else {
            micro_bf16(pairs, ap + ip * pairs, bp + jp * pairs, ct, ldc, h, w, acc);
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
  // Not below the AVX-512 build (ENCORE_ISA may cap the kernels at AVX2 or baseline).
  return strcmp(ek_isa(), "avx512") == 0 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
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
    block_bf16(transA, transB, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, accumulate, 0, 0, 0, 0, K, 0, 0);
    return;
  }
#endif
  // No AVX512_BF16 (or nothing to sum): the fp32 GEMM.
  ek_sgemm_block(transA, transB, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, accumulate);
}

void ek_sgemm_block_nt_stepping_b_bf16(long m0, long m1, long n0, long n1, long K, const float *A, long lda,
                                       float *B, long ldb, float *C, long ldc, const ek_adam_step *step) {
  if (m1 <= m0 || n1 <= n0) return;
#if defined(__x86_64__)
  if (K > 0 && ek_has_bf16()) {
    block_bf16(0, 1, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, 0, 0, 0, 0, 0, K, 0, step);
    return;
  }
#endif
  ek_sgemm_block_nt_stepping_b(m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, step);
}

void ek_sgemm_block_tn_stacked_bf16(long m0, long m1, long n0, long n1, const float *A1, long lda1,
                                    const float *B1, long ldb1, long K1, const float *A2, long lda2,
                                    const float *B2, long ldb2, long K2, float *C, long ldc,
                                    int accumulate, const ek_adam_step *step) {
  if (m1 <= m0 || n1 <= n0) return;
#if defined(__x86_64__)
  if (K1 + K2 > 0 && ek_has_bf16()) {
    block_bf16(1, 0, m0, m1, n0, n1, K1 + K2, A1, lda1, B1, ldb1, C, ldc, accumulate, A2, lda2, B2, ldb2, K1,
               step, 0);
    return;
  }
#endif
  ek_sgemm_block_tn_stacked(m0, m1, n0, n1, A1, lda1, B1, ldb1, K1, A2, lda2, B2, ldb2, K2, C, ldc, accumulate,
                            step);
}

float ek_round_bf16(float x) {
  uint32_t u = bf16_bits(x) << 16;
  float y;
  memcpy(&y, &u, sizeof y);
  return y;
}
