// Encore's hot loops. Every kernel body is written once as an always-inline function over
// 16-float vectors and instantiated three times with different target attributes; the
// dispatcher picks one with __builtin_cpu_supports. Memory-bound kernels gain from AVX-512
// mainly through fewer instructions per 2 KB weight row (see docs/ARCHITECTURE.md).
#include "CEncoreKernels.h"
#include "kernel_bodies.h"
#include <math.h>
#include <string.h>

// Weight rows are fp32, or bf16 (the upper halves of the floats they stand for, which a load
// widens exactly: `--precision bf16` for AutoRec's gathers). `bf16` is a constant at every
// call site, so each instantiation compiles to one straight loop.
typedef uint16_t bf16x16 __attribute__((vector_size(32), aligned(2)));
typedef uint32_t u32x16 __attribute__((vector_size(64), aligned(4)));

INLINE v16 load16(const void *row, long j, int bf16) {
  if (!bf16) return *(const v16 *)((const float *)row + j);
  bf16x16 h;
  memcpy(&h, (const uint16_t *)row + j, 32);
  u32x16 u = __builtin_convertvector(h, u32x16) << 16;
  v16 f;
  memcpy(&f, &u, 64);
  return f;
}

INLINE float load1(const void *row, long j, int bf16) {
  if (!bf16) return ((const float *)row)[j];
  uint32_t u = (uint32_t)((const uint16_t *)row)[j] << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/// Row `r` of a matrix with leading dimension `ld`, fp32 or bf16.
INLINE const void *row_at(const void *m, long r, long ld, int bf16) {
  return bf16 ? (const void *)((const uint16_t *)m + r * ld) : (const void *)((const float *)m + r * ld);
}

INLINE void axpy_any_body(long n, float a, const void *restrict x, int bf16, float *restrict y) {
  long j = 0;
  for (; j + 16 <= n; j += 16) {
    v16 xv = load16(x, j, bf16);
    v16 yv = *(v16 *)(y + j);
    *(v16 *)(y + j) = yv + a * xv;
  }
  for (; j < n; j++) y[j] += a * load1(x, j, bf16);
}

INLINE void axpy_body(long n, float a, const float *restrict x, float *restrict y) { axpy_any_body(n, a, x, 0, y); }

INLINE float dot_any_body(const float *restrict x, const void *restrict y, int bf16, long n) {
  v16 acc0 = {0}, acc1 = {0};
  long j = 0;
  for (; j + 32 <= n; j += 32) {
    acc0 += *(const v16 *)(x + j) * load16(y, j, bf16);
    acc1 += *(const v16 *)(x + j + 16) * load16(y, j + 16, bf16);
  }
  for (; j + 16 <= n; j += 16) acc0 += *(const v16 *)(x + j) * load16(y, j, bf16);
  acc0 += acc1;
  // Tree reduction (log-depth), not a 16-step chain: the dot sits on SGD's critical path.
  v8 h8 = __builtin_shufflevector(acc0, acc0, 0, 1, 2, 3, 4, 5, 6, 7) +
          __builtin_shufflevector(acc0, acc0, 8, 9, 10, 11, 12, 13, 14, 15);
  v4 h4 = __builtin_shufflevector(h8, h8, 0, 1, 2, 3) + __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
  float s = (h4[0] + h4[2]) + (h4[1] + h4[3]);
  for (; j < n; j++) s += x[j] * load1(y, j, bf16);
  return s;
}

INLINE float dot_body(const float *restrict x, const float *restrict y, long n) { return dot_any_body(x, y, 0, n); }

INLINE float hsum16(v16 a) {
  v8 h8 = __builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7) +
          __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15);
  v4 h4 = __builtin_shufflevector(h8, h8, 0, 1, 2, 3) + __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
  return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

// out[b * ldo + i] = dot(rows[i], vecs[b]) for rows i0..<i1 and `count` vectors: each row is
// read once for four vectors at a time (a GEMM with a small M that needs no packing).
INLINE void multi_dot_body(long i0, long i1, const float *restrict rows, long ldr,
                           const float *restrict vecs, long ldv, long count, long n,
                           float *restrict out, long ldo) {
  for (long i = i0; i < i1; i++) {
    const float *r = rows + i * ldr;
    long b = 0;
    for (; b + 4 <= count; b += 4) {
      const float *v0 = vecs + b * ldv, *v1 = v0 + ldv, *v2 = v1 + ldv, *v3 = v2 + ldv;
      v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
      long j = 0;
      for (; j + 16 <= n; j += 16) {
        v16 x = *(const v16 *)(r + j);
        a0 += x * *(const v16 *)(v0 + j);
        a1 += x * *(const v16 *)(v1 + j);
        a2 += x * *(const v16 *)(v2 + j);
        a3 += x * *(const v16 *)(v3 + j);
      }
      float s0 = hsum16(a0), s1 = hsum16(a1), s2 = hsum16(a2), s3 = hsum16(a3);
      for (; j < n; j++) {
        s0 += r[j] * v0[j];
        s1 += r[j] * v1[j];
        s2 += r[j] * v2[j];
        s3 += r[j] * v3[j];
      }
      out[b * ldo + i] = s0;
      out[(b + 1) * ldo + i] = s1;
      out[(b + 2) * ldo + i] = s2;
      out[(b + 3) * ldo + i] = s3;
    }
    for (; b < count; b++) out[b * ldo + i] = dot_body(r, vecs + b * ldv, n);
  }
}

INLINE void gather_axpy_body(long t0, long t1, const int32_t *rows, const long *ptr,
                             const int32_t *idx, const float *val, const void *m, int bf16, long ldm,
                             const float *init, float *out, long ldo, long n) {
  for (long t = t0; t < t1; t++) {
    long r = rows ? rows[t] : t;
    float *o = out + t * ldo;
    if (init) memcpy(o, init, (size_t)n * sizeof(float));
    else memset(o, 0, (size_t)n * sizeof(float));
    for (long p = ptr[r]; p < ptr[r + 1]; p++) axpy_any_body(n, val[p], row_at(m, idx[p], ldm, bf16), bf16, o);
  }
}

INLINE void gather_axpy_indirect_body(long t0, long t1, const long *ptr, const int32_t *idx,
                                      const int32_t *pos, const float *val, const float *m,
                                      long ldm, float *out, long ldo, long n) {
  for (long t = t0; t < t1; t++) {
    float *o = out + t * ldo;
    memset(o, 0, (size_t)n * sizeof(float));
    for (long p = ptr[t]; p < ptr[t + 1]; p++) {
      float a = pos ? val[pos[p]] : val[p];
      axpy_body(n, a, m + (long)idx[p] * ldm, o);
    }
  }
}

INLINE void gather_dot_body(long t0, long t1, const int32_t *rows, const long *ptr,
                            const int32_t *idx, const float *h, long ldh, const void *m, int bf16,
                            long ldm, const float *bias, float *out, const long *outStart,
                            long n) {
  for (long t = t0; t < t1; t++) {
    long r = rows ? rows[t] : t;
    const float *hr = h + t * ldh;
    float *o = out + outStart[t];
    long base = ptr[r];
    for (long p = base; p < ptr[r + 1]; p++) {
      long c = idx[p];
      o[p - base] = dot_any_body(hr, row_at(m, c, ldm, bf16), bf16, n) + (bias ? bias[c] : 0.0f);
    }
  }
}

// Rows of an fp32 matrix rounded to bf16 (nearest even, as `ek_round_bf16`) into a bf16 copy.
INLINE void round_rows_bf16_body(long t0, long t1, const int32_t *rows, const float *src, long lds,
                                 uint16_t *dst, long ldd, long n) {
  for (long t = t0; t < t1; t++) {
    long r = rows ? rows[t] : t;
    const float *s = src + r * lds;
    uint16_t *d = dst + r * ldd;
    long j = 0;
    for (; j + 16 <= n; j += 16) {
      u32x16 u;
      memcpy(&u, s + j, 64);
      bf16x16 b = __builtin_convertvector((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16, bf16x16);
      memcpy(d + j, &b, 32);
    }
    for (; j < n; j++) {
      uint32_t u;
      memcpy(&u, s + j, 4);
      d[j] = (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }
  }
}

// Momentum SGD over a flat range, as `momentum_rows_body`, clearing the gradient when asked.
INLINE void momentum_flat_body(long n, float *restrict w, float *restrict u, float *restrict g,
                               float lr, float mu, float decay, int clear) {
  for (long j = 0; j < n; j++) {
    float uj = mu * u[j] + g[j] + decay * w[j];
    u[j] = uj;
    w[j] -= lr * uj;
    if (clear) g[j] = 0;
  }
}

INLINE void adam_rows_body(long t0, long t1, const int32_t *rows, float *w, float *mo, float *ve,
                           long ldw, const float *g, long ldg, long n, float lr, float b1,
                           float b2, float eps, float decayAll, const float *rowDecay) {
  for (long t = t0; t < t1; t++) {
    long r = rows ? rows[t] : t;
    float decay = rowDecay ? decayAll * rowDecay[r] : decayAll;
    // A row is a flat range; its gradient is only read (clear = 0).
    adam_flat_body(n, w + r * ldw, mo + r * ldw, ve + r * ldw, (float *)(g + t * ldg), lr, b1, b2, eps, decay, 0);
  }
}

INLINE void momentum_rows_body(long t0, long t1, const int32_t *rows, float *w, float *u,
                               long ldw, const float *g, long ldg, long n, float lr, float mu,
                               float decayAll, const float *rowDecay) {
  for (long t = t0; t < t1; t++) {
    long r = rows ? rows[t] : t;
    float decay = rowDecay ? decayAll * rowDecay[r] : decayAll;
    momentum_flat_body(n, w + r * ldw, u + r * ldw, (float *)(g + t * ldg), lr, mu, decay, 0);
  }
}

INLINE void rprop_body(long count, float *w, const float *g, float *prevG, float *step,
                       float etaPlus, float etaMinus, float stepMin, float stepMax) {
  for (long i = 0; i < count; i++) {
    float gi = g[i];
    float s = prevG[i] * gi;
    float st = step[i];
    if (s > 0) st = fminf(st * etaPlus, stepMax);
    else if (s < 0) { st = fmaxf(st * etaMinus, stepMin); gi = 0; }
    step[i] = st;
    prevG[i] = gi;
    w[i] -= (gi > 0 ? st : (gi < 0 ? -st : 0.0f));
  }
}

INLINE double svd_epoch_body(long userCount, const long *userStart, const int32_t *items,
                             const float *ratings, float mu, float *bu, float *bi, float *p,
                             float *q, long f, float lr, float reg) {
  double sse = 0;
  for (long u = 0; u < userCount; u++) {
    float *restrict pu = p + u * f;
    for (long k = userStart[u]; k < userStart[u + 1]; k++) {
      long i = items[k];
      float *restrict qi = q + i * f;
      float dot = f ? dot_body(qi, pu, f) : 0.0f;
      float e = ratings[k] - (mu + bu[u] + bi[i] + dot);
      sse += (double)e * e;
      bu[u] += lr * (e - reg * bu[u]);
      bi[i] += lr * (e - reg * bi[i]);
      long c = 0;
      float le = lr * e, keep = 1.0f - lr * reg;
      for (; c + 16 <= f; c += 16) {
        v16 pv = *(v16 *)(pu + c), qv = *(v16 *)(qi + c);
        *(v16 *)(pu + c) = keep * pv + le * qv;
        *(v16 *)(qi + c) = keep * qv + le * pv;
      }
      for (; c < f; c++) {
        float puf = pu[c], qif = qi[c];
        pu[c] = keep * puf + le * qif;
        qi[c] = keep * qif + le * puf;
      }
    }
  }
  return sse;
}

INLINE double svdpp_epoch_body(long userCount, const long *userStart, const int32_t *items,
                               const float *ratings, const long *implicitStart,
                               const int32_t *implicitItems, float mu, float *bu, float *bi,
                               float *p, float *q, float *y, long f, float lr, float reg,
                               float *work) {
  double sse = 0;
  float *sum = work;          // S = sum_j y[j] (current, exact)
  float *shift = work + f;    // C: pending additive part of the deferred affine map
  for (long u = 0; u < userCount; u++) {
    long n = implicitStart[u + 1] - implicitStart[u];
    if (userStart[u] == userStart[u + 1]) continue;
    float *pu = p + u * f;
    float inv = n > 0 ? 1.0f / sqrtf((float)n) : 0.0f;
    for (long c = 0; c < f; c++) { sum[c] = 0; shift[c] = 0; }
    for (long t = implicitStart[u]; t < implicitStart[u + 1]; t++) {
      const float *yj = y + (long)implicitItems[t] * f;
      for (long c = 0; c < f; c++) sum[c] += yj[c];
    }
    float scale = 1.0f;  // A: pending multiplicative part
    float decay = 1.0f - lr * reg;
    for (long k = userStart[u]; k < userStart[u + 1]; k++) {
      long i = items[k];
      float *qi = q + i * f;
      float dot = 0;
      for (long c = 0; c < f; c++) dot += qi[c] * (pu[c] + sum[c] * inv);
      float e = ratings[k] - (mu + bu[u] + bi[i] + dot);
      sse += (double)e * e;
      bu[u] += lr * (e - reg * bu[u]);
      bi[i] += lr * (e - reg * bi[i]);
      for (long c = 0; c < f; c++) {
        float puf = pu[c], qif = qi[c];
        float implicit = sum[c] * inv;
        pu[c] = puf + lr * (e * qif - reg * puf);
        qi[c] = qif + lr * (e * (puf + implicit) - reg * qif);
        // Every y[j], j in N(u): y <- decay * y + lr * e * qif * inv (qif: q before this update).
        float add = lr * e * qif * inv;
        sum[c] = decay * sum[c] + (float)n * add;
        shift[c] = decay * shift[c] + add;
      }
      scale *= decay;
    }
    for (long t = implicitStart[u]; t < implicitStart[u + 1]; t++) {
      float *yj = y + (long)implicitItems[t] * f;
      for (long c = 0; c < f; c++) yj[c] = scale * yj[c] + shift[c];
    }
  }
  return sse;
}

// ---- iALS: conjugate-gradient row solves ----------------------------------------------------

// One half of an iALS epoch for rows [r0, r1) (Hu et al.'s objective as benfred/implicit
// solves it): row u's factors x (warm start) take `steps` conjugate-gradient steps on
//   (S + Σ_{i∈I_u} extra·y_i y_iᵀ) x = c·Σ_{i∈I_u} y_i,   S = α₀·YᵀY + λI (d × d, given),
// with extra = c − α₀. A row without items gets x = 0. `work` holds 3·d floats.
INLINE void ials_cg_rows_body(long r0, long r1, const long *ptr, const int32_t *idx, const float *y,
                              const float *shared, long d, float c, float extra, int steps, float *x,
                              float *work) {
  float *r = work, *p = work + d, *ap = work + 2 * d;
  for (long u = r0; u < r1; u++) {
    float *w = x + u * d;
    long lo = ptr[u], hi = ptr[u + 1];
    if (lo == hi) {
      memset(w, 0, (size_t)d * sizeof(float));
      continue;
    }
    // r = c·Σ y_i − A·w
    for (long i = 0; i < d; i++) r[i] = -dot_body(shared + i * d, w, d);
    for (long k = lo; k < hi; k++) {
      const float *yi = y + (long)idx[k] * d;
      float coef = c - extra * dot_body(yi, w, d);
      axpy_body(d, coef, yi, r);
    }
    memcpy(p, r, (size_t)d * sizeof(float));
    float rsOld = dot_body(r, r, d);
    for (int it = 0; it < steps; it++) {
      if (rsOld < 1e-20f) break;
      for (long i = 0; i < d; i++) ap[i] = dot_body(shared + i * d, p, d);
      if (extra != 0)
        for (long k = lo; k < hi; k++) {
          const float *yi = y + (long)idx[k] * d;
          axpy_body(d, extra * dot_body(yi, p, d), yi, ap);
        }
      float pAp = dot_body(p, ap, d);
      if (!(pAp > 0)) break;
      float step = rsOld / pAp;
      axpy_body(d, step, p, w);
      axpy_body(d, -step, ap, r);
      float rsNew = dot_body(r, r, d);
      float beta = rsNew / rsOld;
      for (long i = 0; i < d; i++) p[i] = r[i] + beta * p[i];
      rsOld = rsNew;
    }
  }
}

// ---- dense GEMM ----------------------------------------------------------------------------
#include <stdlib.h>
#define GEMM_MR 6
#define GEMM_NR 64
#define GEMM_KC 256
#define GEMM_MC 96
#define GEMM_NC 1024
#define GEMM_KC_T 512
#define GEMM_NC_T 256

// The R × 64 register tile (R ≤ 6, a constant once inlined): C[0:R, 0:64] (+)= Σ_k a(r, k) ·
// b[k · bs][0:64]. Row r of A is read at arow[r][k * as]: a packed panel (as = 6) or rows
// read in place (as = 1); B is a packed panel (bs = 64) or rows read in place (bs = ldb).
// NW (a constant per instruction set) is how many 16-float column groups one pass over k
// keeps in registers: 4 with AVX-512 (24 accumulators of 32 registers), 1 with AVX2 and the
// baseline, whose 16 registers would otherwise spill the 6 × 64 tile on every k (AVX2 ran
// at 30% of its peak). Each element still sums its k terms in the same order: the same bits.
INLINE void gemm_micro_body(int R, int NW, long kc, const float *const *arow, long as, const float *restrict b, long bs,
                            float *c, long ldc, long rows, long cols, int accumulate) {
  for (int v0 = 0; v0 < 4 && 16 * v0 < cols; v0 += NW) {
    v16 acc[GEMM_MR][4];
    for (int r = 0; r < R; r++)
      for (int v = 0; v < NW; v++) acc[r][v] = (v16){0};
    for (long k = 0; k < kc; k++) {
      v16 bv[4];
#pragma clang loop unroll(full)
      for (int v = 0; v < NW; v++) bv[v] = *(const v16 *)(b + k * bs + 16 * (v0 + v));
#pragma clang loop unroll(full)
      for (int r = 0; r < R; r++) {
        float ar = arow[r][k * as];
#pragma clang loop unroll(full)
        for (int v = 0; v < NW; v++) acc[r][v] += ar * bv[v];
      }
    }
    if (rows == R && cols == GEMM_NR) {
      for (int r = 0; r < R; r++)
        for (int v = 0; v < NW; v++) {
          v16 *dst = (v16 *)(c + r * ldc + 16 * (v0 + v));
          *dst = accumulate ? *dst + acc[r][v] : acc[r][v];
        }
    } else {
      float tmp[GEMM_MR * 64];
      for (int r = 0; r < R; r++)
        for (int v = 0; v < NW; v++) *(v16 *)(tmp + r * 64 + 16 * v) = acc[r][v];
      long j0 = 16 * v0, j1 = 16 * (v0 + NW) < cols ? 16 * (v0 + NW) : cols;
      for (long r = 0; r < rows; r++)
        for (long j = j0; j < j1; j++)
          c[r * ldc + j] = accumulate ? c[r * ldc + j] + tmp[r * 64 + j - j0] : tmp[r * 64 + j - j0];
    }
  }
}

// A tile of `rows` ≤ 6 rows: a short row panel (a batch of 128 is 21 panels and 2 rows)
// multiplies only its own rows, each summed as in a full panel (the same bits).
INLINE void gemm_micro_rows(int nw, long kc, const float *const *arow, long as, const float *restrict b, long bs, float *c,
                            long ldc, long rows, long cols, int accumulate) {
#define GEMM_MICRO_ROWS(NW)                                                                       \
  switch (rows) {                                                                                \
  case 1: gemm_micro_body(1, NW, kc, arow, as, b, bs, c, ldc, rows, cols, accumulate); break;    \
  case 2: gemm_micro_body(2, NW, kc, arow, as, b, bs, c, ldc, rows, cols, accumulate); break;    \
  case 3: gemm_micro_body(3, NW, kc, arow, as, b, bs, c, ldc, rows, cols, accumulate); break;    \
  case 4: gemm_micro_body(4, NW, kc, arow, as, b, bs, c, ldc, rows, cols, accumulate); break;    \
  case 5: gemm_micro_body(5, NW, kc, arow, as, b, bs, c, ldc, rows, cols, accumulate); break;    \
  default: gemm_micro_body(GEMM_MR, NW, kc, arow, as, b, bs, c, ldc, rows, cols, accumulate); break; \
  }
  if (nw == 4) { GEMM_MICRO_ROWS(4) } else { GEMM_MICRO_ROWS(1) }
#undef GEMM_MICRO_ROWS
}

INLINE void gemm_block_body(int nw, int transA, int transB, long m0, long m1, long n0, long n1, long K,
                            const float *A, long lda, const float *B, long ldb, float *C, long ldc,
                            int accumulate, const float *A2, long lda2, const float *B2, long ldb2,
                            long K1, const ek_adam_step *step, const ek_adam_step *stepB) {
  if (m1 <= m0 || n1 <= n0) return;
  stacked_rows aRows = {A, lda, K1, A2, lda2}, bRows = {B, ldb, K1, B2, ldb2};
  if (K == 0) {
    if (!accumulate)
      for (long i = m0; i < m1; i++) memset(C + i * ldc + n0, 0, (size_t)(n1 - n0) * sizeof(float));
    return;
  }
  // Per-thread pack buffers, allocated once (a fresh megabyte per call would page-fault).
  static __thread float *bp = 0, *ap = 0;
  if (!bp) {
    bp = aligned_alloc(64, sizeof(float) * GEMM_KC * GEMM_NC);
    ap = aligned_alloc(64, sizeof(float) * GEMM_KC_T * (GEMM_MC + GEMM_MR));
  }
  // Bᵀ blocks are deeper and narrower: 512 × 256 instead of 256 × 1024. The output layer's
  // product then writes C once for K = 512 and its packed block leaves room in L2 for C's
  // rows: 13–17% faster on that shape (configurations alternating call by call), the same elsewhere.
  long kcMax = transB ? GEMM_KC_T : GEMM_KC, ncMax = transB ? GEMM_NC_T : GEMM_NC;
  // Untransposed B is read in place, its rows ldb apart, when few row panels would reuse a
  // packed copy (a batch of 128 or 256 rows): the copy then cost more than it saved. 512 ×
  // 512 products: 156–160 → 197–201 GFLOP/s; 128 × 26,744 · 26,744 × 512: 188–198 → 192–205
  // (alternating, AMD Zen 4). A stacked B, a fused step and ragged panels are still packed.
  // (Only where one pass covers the tile's 64 columns: a narrower pass would read B's rows
  // from memory once per column group, where a packed copy is read from cache.)
  int inPlaceB = nw == 4 && !transB && K1 >= K && !step && m1 - m0 <= 4 * GEMM_MC;
  for (long jc = n0; jc < n1; jc += ncMax) {
    long nc = n1 - jc < ncMax ? n1 - jc : ncMax;
    for (long pc = 0; pc < K; pc += kcMax) {
      long kc = K - pc < kcMax ? K - pc : kcMax;
      int acc = accumulate || pc > 0;
      // Pack B[pc:pc+kc, jc:jc+nc] into NR-wide panels, zero-padded.
      for (long jp = 0; jp < nc; jp += GEMM_NR) {
        long w = nc - jp < GEMM_NR ? nc - jp : GEMM_NR;
        float *dst = bp + jp * kc;
        if (inPlaceB && w == GEMM_NR) {
          // Read in place by the tiles below.
        } else if (!transB) {
          for (long k = 0; k < kc; k++) {
            float *row = dst + k * GEMM_NR;
            const float *src = stacked_row(&bRows, pc + k) + jc + jp;
            for (long j = 0; j < w; j++) row[j] = src[j];
            for (long j = w; j < GEMM_NR; j++) row[j] = 0;
          }
        } else {
          // Bᵀ: 16 source rows × 16 k at a time, transposed in registers and stored as 16
          // packed rows; the ragged edges one element at a time.
          long j16 = w & ~15L, k16 = kc & ~15L;
          for (long j = 0; j < j16; j += 16)
            for (long k = 0; k < k16; k += 16)
              transpose16(B + (jc + jp + j) * ldb + pc + k, ldb, dst + k * GEMM_NR + j, GEMM_NR);
          for (long j = 0; j < w; j++) {
            const float *src = B + (jc + jp + j) * ldb + pc;
            for (long k = j < j16 ? k16 : 0; k < kc; k++) dst[k * GEMM_NR + j] = src[k];
          }
          for (long j = w; j < GEMM_NR; j++)
            for (long k = 0; k < kc; k++) dst[k * GEMM_NR + j] = 0;
        }
      }
      if (stepB && pc + kc == K) {
        // Every k of B's rows jc..<jc+nc is packed: step those rows of the parameter now,
        // while they are in cache; this product goes on with the packed values before the step.
        for (long j = jc; j < jc + nc; j++) {
          long at = j * ldb;
          adam_flat_body(K, (float *)B + at, stepB->m + at, stepB->v + at, stepB->g + at, stepB->lr,
                         stepB->b1, stepB->b2, stepB->eps, stepB->decay, stepB->clear);
        }
      }
      // B untransposed comes from K rows far apart in memory, packed or read in place: the
      // rows of the next block (the next K block, else the next column block) are fetched
      // into L2 a few per tile of this block (7% faster on 128 × 26,744 · 26,744 × 512 when
      // it was packed; Bᵀ, whose blocks are twice as large, and A gained nothing).
      gemm_block_rows nextB = gemm_next_b_block(0, &bRows, 0, pc, kc, jc, nc, K, n1, kcMax, ncMax);
      if (transB) nextB.r1 = nextB.r0;
      long tilesInBlock = gemm_tiles_in_block(m0, m1, GEMM_MC, GEMM_MR, nc, GEMM_NR), tileInBlock = 0;
      for (long ic = m0; ic < m1; ic += GEMM_MC) {
        long mc = m1 - ic < GEMM_MC ? m1 - ic : GEMM_MC;
        // Aᵀ is packed into MR-row panels, k-major, zero-padded. A untransposed is read in
        // place, row by row (six sequential streams): packing it would cost each thread a
        // copy of A per column block, a fifth of the time when M is a batch of 128.
        if (transA) {
          long full = mc / GEMM_MR * GEMM_MR;
          for (long k = 0; k < kc; k++) {
            const float *src = stacked_row(&aRows, pc + k) + ic;
            for (long ip = 0; ip < full; ip += GEMM_MR)
              memcpy(ap + ip * kc + k * GEMM_MR, src + ip, GEMM_MR * sizeof(float));
            for (long r = 0; full < mc && r < GEMM_MR; r++)
              ap[full * kc + k * GEMM_MR + r] = full + r < mc ? src[full + r] : 0;
          }
        }
        long panelsN = (nc + GEMM_NR - 1) / GEMM_NR, panelsM = (mc + GEMM_MR - 1) / GEMM_MR;
        // Tiles column panel by column panel, except with a fused step: then row panel by row
        // panel, so that the step sweeps whole rows of the parameter and its moments as
        // sequential streams (5% faster on the tied 26,744 × 512 weight; the same without).
        int rowsFirst = step != 0;
        for (long t = 0; t < panelsN * panelsM; t++) {
          long jp = (rowsFirst ? t % panelsN : t / panelsM) * GEMM_NR;
          long ip = (rowsFirst ? t / panelsN : t % panelsM) * GEMM_MR;
          long w = nc - jp < GEMM_NR ? nc - jp : GEMM_NR;
          prefetch_block_rows(&nextB, tileInBlock++, tilesInBlock);
          {
            long h = mc - ip < GEMM_MR ? mc - ip : GEMM_MR;
            const float *rows[GEMM_MR];
            for (long r = 0; r < GEMM_MR; r++)
              // Rows past the edge (never read: the tile has h rows) repeat the last real row.
              rows[r] = transA ? ap + ip * kc + r : A + (ic + ip + (r < h ? r : h - 1)) * lda + pc;
            float *ct = C + (ic + ip) * ldc + jc + jp;
            long as = transA ? GEMM_MR : 1;
            if (step && pc + kc == K) {
              // The last block of K: the tile's sums are complete, so step the parameter now.
              float tile[GEMM_MR * GEMM_NR] __attribute__((aligned(64)));
              gemm_micro_rows(nw, kc, rows, as, bp + jp * kc, GEMM_NR, tile, GEMM_NR, h, GEMM_NR, 0);
              int untouched = step->cIsZero && pc == 0;
              adam_tile_epilogue(tile, GEMM_NR, h, w, ct, ldc, (ic + ip) * ldc + jc + jp, step,
                                 acc && !untouched, untouched);
            } else {
              if (inPlaceB && w == GEMM_NR)
                gemm_micro_rows(nw, kc, rows, as, B + pc * ldb + jc + jp, ldb, ct, ldc, h, w, acc);
              else
                gemm_micro_rows(nw, kc, rows, as, bp + jp * kc, GEMM_NR, ct, ldc, h, w, acc);
            }
          }
        }
      }
    }
  }
}

// ---- instantiation per instruction set -------------------------------------------------

#if defined(__x86_64__) || defined(__i386__)
#define EK_HAS_X86 1
#define T512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))
#define T256 __attribute__((target("avx2,fma")))
#else
#define EK_HAS_X86 0
#endif

// Column groups per pass of the GEMM's register tile (see gemm_micro_body).
#define GEMM_NW_base 1
#define GEMM_NW_avx2 1
#define GEMM_NW_avx512 4

#define INSTANTIATE(SUFFIX, ATTR)                                                                \
  ATTR static void gather_axpy_##SUFFIX(long t0, long t1, const int32_t *rows, const long *ptr, \
                                        const int32_t *idx, const float *val, const float *m,    \
                                        long ldm, const float *init, float *out, long ldo,       \
                                        long n) {                                                \
    gather_axpy_body(t0, t1, rows, ptr, idx, val, m, 0, ldm, init, out, ldo, n);                 \
  }                                                                                              \
  ATTR static void gather_axpy_bf16_##SUFFIX(long t0, long t1, const int32_t *rows,             \
                                             const long *ptr, const int32_t *idx,               \
                                             const float *val, const uint16_t *m, long ldm,     \
                                             const float *init, float *out, long ldo, long n) { \
    gather_axpy_body(t0, t1, rows, ptr, idx, val, m, 1, ldm, init, out, ldo, n);                 \
  }                                                                                              \
  ATTR static void round_rows_bf16_##SUFFIX(long t0, long t1, const int32_t *rows,              \
                                            const float *src, long lds, uint16_t *dst, long ldd, \
                                            long n) {                                            \
    round_rows_bf16_body(t0, t1, rows, src, lds, dst, ldd, n);                                   \
  }                                                                                              \
  ATTR static void gather_axpy_indirect_##SUFFIX(long t0, long t1, const long *ptr,             \
                                                 const int32_t *idx, const int32_t *pos,        \
                                                 const float *val, const float *m, long ldm,    \
                                                 float *out, long ldo, long n) {                \
    gather_axpy_indirect_body(t0, t1, ptr, idx, pos, val, m, ldm, out, ldo, n);                 \
  }                                                                                              \
  ATTR static void gather_dot_##SUFFIX(long t0, long t1, const int32_t *rows, const long *ptr,  \
                                       const int32_t *idx, const float *h, long ldh,            \
                                       const float *m, long ldm, const float *bias, float *out, \
                                       const long *outStart, long n) {                          \
    gather_dot_body(t0, t1, rows, ptr, idx, h, ldh, m, 0, ldm, bias, out, outStart, n);         \
  }                                                                                              \
  ATTR static void gather_dot_bf16_##SUFFIX(long t0, long t1, const int32_t *rows,              \
                                            const long *ptr, const int32_t *idx, const float *h, \
                                            long ldh, const uint16_t *m, long ldm,               \
                                            const float *bias, float *out, const long *outStart, \
                                            long n) {                                            \
    gather_dot_body(t0, t1, rows, ptr, idx, h, ldh, m, 1, ldm, bias, out, outStart, n);         \
  }                                                                                              \
  ATTR static float dot_##SUFFIX(const float *x, const float *y, long n) {                      \
    return dot_body(x, y, n);                                                                    \
  }                                                                                              \
  ATTR static void axpy_##SUFFIX(long n, float a, const float *x, float *y) {                   \
    axpy_body(n, a, x, y);                                                                       \
  }                                                                                              \
  ATTR static void multi_dot_##SUFFIX(long i0, long i1, const float *rows, long ldr,            \
                                      const float *vecs, long ldv, long count, long n,          \
                                      float *out, long ldo) {                                    \
    multi_dot_body(i0, i1, rows, ldr, vecs, ldv, count, n, out, ldo);                           \
  }                                                                                              \
  ATTR static void adam_rows_##SUFFIX(long t0, long t1, const int32_t *rows, float *w,          \
                                      float *mo, float *ve, long ldw, const float *g, long ldg, \
                                      long n, float lr, float b1, float b2, float eps,          \
                                      float decay, const float *rowDecay) {                      \
    adam_rows_body(t0, t1, rows, w, mo, ve, ldw, g, ldg, n, lr, b1, b2, eps, decay, rowDecay);  \
  }                                                                                              \
  ATTR static void adam_flat_##SUFFIX(long n, float *w, float *mo, float *ve, float *g,         \
                                      float lr, float b1, float b2, float eps, float decay,      \
                                      int clear) {                                               \
    adam_flat_body(n, w, mo, ve, g, lr, b1, b2, eps, decay, clear);                              \
  }                                                                                              \
  ATTR static void momentum_flat_##SUFFIX(long n, float *w, float *u, float *g, float lr,      \
                                          float mu, float decay, int clear) {                   \
    momentum_flat_body(n, w, u, g, lr, mu, decay, clear);                                        \
  }                                                                                              \
  ATTR static void momentum_rows_##SUFFIX(long t0, long t1, const int32_t *rows, float *w,      \
                                          float *u, long ldw, const float *g, long ldg, long n, \
                                          float lr, float mu, float decay,                      \
                                          const float *rowDecay) {                               \
    momentum_rows_body(t0, t1, rows, w, u, ldw, g, ldg, n, lr, mu, decay, rowDecay);            \
  }                                                                                              \
  ATTR static double svd_epoch_##SUFFIX(long userCount, const long *userStart,                 \
                                        const int32_t *items, const float *ratings, float mu,    \
                                        float *bu, float *bi, float *p, float *q, long f,        \
                                        float lr, float reg) {                                   \
    return svd_epoch_body(userCount, userStart, items, ratings, mu, bu, bi, p, q, f, lr, reg);   \
  }                                                                                              \
  ATTR static double svdpp_epoch_##SUFFIX(long userCount, const long *userStart,               \
                                          const int32_t *items, const float *ratings,           \
                                          const long *implicitStart,                             \
                                          const int32_t *implicitItems, float mu, float *bu,     \
                                          float *bi, float *p, float *q, float *y, long f,       \
                                          float lr, float reg, float *work) {                    \
    return svdpp_epoch_body(userCount, userStart, items, ratings, implicitStart, implicitItems, \
                            mu, bu, bi, p, q, y, f, lr, reg, work);                              \
  }                                                                                              \
  ATTR static void sgemm_block_##SUFFIX(int transA, int transB, long m0, long m1, long n0,      \
                                         long n1, long K, const float *A, long lda,              \
                                         const float *B, long ldb, float *C, long ldc,           \
                                         int accumulate) {                                       \
    gemm_block_body(GEMM_NW_##SUFFIX, transA, transB, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, accumulate, 0, 0, \
                    0, 0, K, 0, 0);                                                              \
  }                                                                                              \
  ATTR static void sgemm_block_nt_stepping_b_##SUFFIX(long m0, long m1, long n0, long n1, long K, \
                                                      const float *A, long lda, float *B,         \
                                                      long ldb, float *C, long ldc,               \
                                                      const ek_adam_step *step) {                 \
    gemm_block_body(GEMM_NW_##SUFFIX, 0, 1, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, 0, 0, 0, 0, 0, K, 0, step); \
  }                                                                                              \
  ATTR static void sgemm_block_tn_stacked_##SUFFIX(                                             \
      long m0, long m1, long n0, long n1, const float *A1, long lda1, const float *B1, long ldb1, \
      long K1, const float *A2, long lda2, const float *B2, long ldb2, long K2, float *C,        \
      long ldc, int accumulate, const ek_adam_step *step) {                                      \
    gemm_block_body(GEMM_NW_##SUFFIX, 1, 0, m0, m1, n0, n1, K1 + K2, A1, lda1, B1, ldb1, C, ldc, accumulate, A2,  \
                    lda2, B2, ldb2, K1, step, 0);                                                \
  }                                                                                              \
  ATTR static void ials_cg_rows_##SUFFIX(long r0, long r1, const long *ptr, const int32_t *idx, \
                                         const float *y, const float *shared, long d, float c,   \
                                         float extra, int steps, float *x, float *work) {        \
    ials_cg_rows_body(r0, r1, ptr, idx, y, shared, d, c, extra, steps, x, work);                 \
  }                                                                                              \
  ATTR static void rprop_##SUFFIX(long count, float *w, const float *g, float *prevG,          \
                                  float *step, float etaPlus, float etaMinus, float stepMin,    \
                                  float stepMax) {                                               \
    rprop_body(count, w, g, prevG, step, etaPlus, etaMinus, stepMin, stepMax);                  \
  }

INSTANTIATE(base, )
#if EK_HAS_X86
INSTANTIATE(avx2, T256)
INSTANTIATE(avx512, T512)
#endif

// 0 = baseline, 1 = avx2, 2 = avx512; chosen once (a benign race: every thread computes the same).
static int ek_level = -1;

static int level(void) {
  int l = ek_level;
  if (l >= 0) return l;
  l = 0;
#if EK_HAS_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    l = 2;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    l = 1;
#endif
  // ENCORE_ISA=avx2 or baseline caps the choice, so that the builds a CPU would not pick are
  // tested on it too (CI runs the kernel tests under each); it never raises it.
  const char *cap = getenv("ENCORE_ISA");
  if (cap && strcmp(cap, "baseline") == 0) l = 0;
  else if (cap && strcmp(cap, "avx2") == 0 && l > 1) l = 1;
  ek_level = l;
  return l;
}

const char *ek_isa(void) {
  switch (level()) {
  case 2: return "avx512";
  case 1: return "avx2";
  default: return "baseline";
  }
}

#if EK_HAS_X86
#define DISPATCH(NAME, ...)                                                                      \
  switch (level()) {                                                                             \
  case 2: return NAME##_avx512(__VA_ARGS__);                                                     \
  case 1: return NAME##_avx2(__VA_ARGS__);                                                       \
  default: return NAME##_base(__VA_ARGS__);                                                      \
  }
#else
#define DISPATCH(NAME, ...) return NAME##_base(__VA_ARGS__);
#endif

void ek_gather_axpy(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                    const float *val, const float *m, long ldm, const float *init, float *out,
                    long ldo, long n) {
  DISPATCH(gather_axpy, t0, t1, rows, ptr, idx, val, m, ldm, init, out, ldo, n)
}

void ek_gather_axpy_indirect(long t0, long t1, const long *ptr, const int32_t *idx,
                             const int32_t *pos, const float *val, const float *m, long ldm,
                             float *out, long ldo, long n) {
  DISPATCH(gather_axpy_indirect, t0, t1, ptr, idx, pos, val, m, ldm, out, ldo, n)
}

void ek_gather_dot(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                   const float *h, long ldh, const float *m, long ldm, const float *bias,
                   float *out, const long *outStart, long n) {
  DISPATCH(gather_dot, t0, t1, rows, ptr, idx, h, ldh, m, ldm, bias, out, outStart, n)
}

void ek_gather_axpy_bf16(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                         const float *val, const uint16_t *m, long ldm, const float *init, float *out,
                         long ldo, long n) {
  DISPATCH(gather_axpy_bf16, t0, t1, rows, ptr, idx, val, m, ldm, init, out, ldo, n)
}

void ek_gather_dot_bf16(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                        const float *h, long ldh, const uint16_t *m, long ldm, const float *bias,
                        float *out, const long *outStart, long n) {
  DISPATCH(gather_dot_bf16, t0, t1, rows, ptr, idx, h, ldh, m, ldm, bias, out, outStart, n)
}

void ek_round_rows_bf16(long t0, long t1, const int32_t *rows, const float *src, long lds,
                        uint16_t *dst, long ldd, long n) {
  DISPATCH(round_rows_bf16, t0, t1, rows, src, lds, dst, ldd, n)
}

float ek_dot(const float *x, const float *y, long n) { DISPATCH(dot, x, y, n) }

void ek_ials_cg_rows(long r0, long r1, const long *ptr, const int32_t *idx, const float *y,
                     const float *shared, long d, float c, float extra, int steps, float *x,
                     float *work) {
  DISPATCH(ials_cg_rows, r0, r1, ptr, idx, y, shared, d, c, extra, steps, x, work)
}

void ek_axpy(long n, float a, const float *x, float *y) { DISPATCH(axpy, n, a, x, y) }

void ek_multi_dot(long i0, long i1, const float *rows, long ldr, const float *vecs, long ldv,
                  long count, long n, float *out, long ldo) {
  DISPATCH(multi_dot, i0, i1, rows, ldr, vecs, ldv, count, n, out, ldo)
}

void ek_adam_rows(long t0, long t1, const int32_t *rows, float *w, float *mo, float *ve, long ldw,
                  const float *g, long ldg, long n, float lr, float b1, float b2, float eps,
                  float decay, const float *rowDecay) {
  DISPATCH(adam_rows, t0, t1, rows, w, mo, ve, ldw, g, ldg, n, lr, b1, b2, eps, decay, rowDecay)
}

void ek_adam_flat(long n, float *w, float *mo, float *ve, float *g, float lr, float b1, float b2,
                  float eps, float decay, int clear) {
  DISPATCH(adam_flat, n, w, mo, ve, g, lr, b1, b2, eps, decay, clear)
}

void ek_momentum_flat(long n, float *w, float *u, float *g, float lr, float mu, float decay,
                      int clear) {
  DISPATCH(momentum_flat, n, w, u, g, lr, mu, decay, clear)
}

void ek_momentum_rows(long t0, long t1, const int32_t *rows, float *w, float *u, long ldw,
                      const float *g, long ldg, long n, float lr, float mu, float decay,
                      const float *rowDecay) {
  DISPATCH(momentum_rows, t0, t1, rows, w, u, ldw, g, ldg, n, lr, mu, decay, rowDecay)
}

void ek_rprop(long count, float *w, const float *g, float *prevG, float *step, float etaPlus,
              float etaMinus, float stepMin, float stepMax) {
  DISPATCH(rprop, count, w, g, prevG, step, etaPlus, etaMinus, stepMin, stepMax)
}

double ek_svd_epoch(long userCount, const long *userStart, const int32_t *items, const float *ratings,
                    float mu, float *bu, float *bi, float *p, float *q, long f, float lr, float reg) {
  DISPATCH(svd_epoch, userCount, userStart, items, ratings, mu, bu, bi, p, q, f, lr, reg)
}

double ek_svdpp_epoch(long userCount, const long *userStart, const int32_t *items, const float *ratings,
                      const long *implicitStart, const int32_t *implicitItems, float mu, float *bu,
                      float *bi, float *p, float *q, float *y, long f, float lr, float reg, float *work) {
  DISPATCH(svdpp_epoch, userCount, userStart, items, ratings, implicitStart, implicitItems, mu, bu, bi,
           p, q, y, f, lr, reg, work)
}

void ek_sgemm_block(int transA, int transB, long m0, long m1, long n0, long n1, long K,
                    const float *A, long lda, const float *B, long ldb, float *C, long ldc,
                    int accumulate) {
  DISPATCH(sgemm_block, transA, transB, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, accumulate)
}

void ek_sgemm_block_tn_stacked(long m0, long m1, long n0, long n1, const float *A1, long lda1,
                               const float *B1, long ldb1, long K1, const float *A2, long lda2,
                               const float *B2, long ldb2, long K2, float *C, long ldc,
                               int accumulate, const ek_adam_step *step) {
  DISPATCH(sgemm_block_tn_stacked, m0, m1, n0, n1, A1, lda1, B1, ldb1, K1, A2, lda2, B2, ldb2, K2,
           C, ldc, accumulate, step)
}

void ek_sgemm_block_nt_stepping_b(long m0, long m1, long n0, long n1, long K, const float *A,
                                  long lda, float *B, long ldb, float *C, long ldc,
                                  const ek_adam_step *step) {
  DISPATCH(sgemm_block_nt_stepping_b, m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc, step)
}
