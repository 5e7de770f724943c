// The hot loops of every Encore model. Each kernel exists in an AVX-512, an AVX2 and a
// baseline build inside one library; the best one this CPU supports is chosen once at
// run time, so the package needs no architecture flags and runs on any x86-64 or arm64.
#ifndef CENCOREKERNELS_H
#define CENCOREKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Name of the instruction set the kernels use on this CPU ("avx512", "avx2" or "baseline"):
/// the best it supports, or less when the environment variable ENCORE_ISA names "avx2" or
/// "baseline" (for testing those builds on a CPU that would not pick them).
const char *ek_isa(void);

/// Sparse rows times a dense matrix, one output row per listed sparse row:
///   out[t, 0..<n] = (init ? init[0..<n] : 0) + sum_{p in ptr[r]..<ptr[r+1]} val[p] * m[idx[p], 0..<n]
/// where r = rows ? rows[t] : t, for t in t0..<t1. `valScale` multiplies every value.
void ek_gather_axpy(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                    const float *val, const float *m, long ldm, const float *init,
                    float *out, long ldo, long n);

/// Like ek_gather_axpy but reads the value of entry p from val[pos[p]] (pos may be NULL).
void ek_gather_axpy_indirect(long t0, long t1, const long *ptr, const int32_t *idx,
                             const int32_t *pos, const float *val, const float *m, long ldm,
                             float *out, long ldo, long n);

/// Sampled dense-dense product (the output layer at observed positions only):
/// for t in t0..<t1, r = rows ? rows[t] : t, and the j-th entry p = ptr[r] + j of row r,
///   out[outStart[t] + j] = dot(h[t, 0..<n], m[idx[p], 0..<n]) + (bias ? bias[idx[p]] : 0).
void ek_gather_dot(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                   const float *h, long ldh, const float *m, long ldm, const float *bias,
                   float *out, const long *outStart, long n);

/// `ek_gather_axpy` and `ek_gather_dot` over a matrix of bf16 rows (each element the upper
/// half of a float's bits, as `ek_round_rows_bf16` writes it): the same sums, in the same
/// order, as the fp32 kernels over the rounded matrix, with half the memory traffic per row.
void ek_gather_axpy_bf16(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                         const float *val, const uint16_t *m, long ldm, const float *init,
                         float *out, long ldo, long n);
void ek_gather_dot_bf16(long t0, long t1, const int32_t *rows, const long *ptr, const int32_t *idx,
                        const float *h, long ldh, const uint16_t *m, long ldm, const float *bias,
                        float *out, const long *outStart, long n);
/// dst row r = src row r rounded to bf16 (nearest even), for r = rows ? rows[t] : t, t in t0..<t1.
void ek_round_rows_bf16(long t0, long t1, const int32_t *rows, const float *src, long lds,
                        uint16_t *dst, long ldd, long n);

/// Dot product of two float vectors of length n (accumulated in float, 16 lanes).
float ek_dot(const float *x, const float *y, long n);

/// iALS: rows [r0, r1) of x (d factors each, warm start) take `steps` conjugate-gradient steps
/// on (shared + extra·Σ_{i∈row} y_i y_iᵀ) x = c·Σ_{i∈row} y_i, where shared = α₀·YᵀY + λI
/// (d × d) and extra = c − α₀; the row's items are idx[ptr[u]..<ptr[u+1]]. A row without
/// items gets x = 0. `work` holds 3·d floats.
void ek_ials_cg_rows(long r0, long r1, const long *ptr, const int32_t *idx, const float *y,
                     const float *shared, long d, float c, float extra, int steps, float *x,
                     float *work);

/// out[b * ldo + i] = dot(rows[i * ldr ..< +n], vecs[b * ldv ..< +n]) for i in [i0, i1) and
/// b < count: many vectors against many rows, each row read once per four vectors (scoring a
/// batch of users against every item without packing a GEMM operand).
void ek_multi_dot(long i0, long i1, const float *rows, long ldr, const float *vecs, long ldv,
                  long count, long n, float *out, long ldo);

/// y += a * x over n floats.
void ek_axpy(long n, float a, const float *x, float *y);

/// Adam on selected rows of a row-major matrix (ldw floats per row, n used):
/// for each listed row r (rows[t], t in t0..<t1), with gradient g[t * ldg ...] + decay * w:
///   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  w -= lr * m / (sqrt(v) + eps)
/// `lr` already carries the bias correction. rows == NULL means row t. The weight decay of
/// row r is decay * rowDecay[r] (rowDecay may be NULL: decay for every row).
void ek_adam_rows(long t0, long t1, const int32_t *rows, float *w, float *mo, float *ve, long ldw,
                  const float *g, long ldg, long n, float lr, float b1, float b2, float eps,
                  float decay, const float *rowDecay);

/// SGD with momentum on selected rows: u = mu u + (g + decay w); w -= lr u.
/// Adam over n contiguous parameters (bias-corrected rate `lr`), weight decay added to the
/// gradient; with `clear`, zeroes g in the same pass.
void ek_adam_flat(long n, float *w, float *mo, float *ve, float *g, float lr, float b1, float b2,
                  float eps, float decay, int clear);
/// Momentum SGD over n contiguous parameters; with `clear`, zeroes g in the same pass.
void ek_momentum_flat(long n, float *w, float *u, float *g, float lr, float mu, float decay,
                      int clear);
void ek_momentum_rows(long t0, long t1, const int32_t *rows, float *w, float *u, long ldw,
                      const float *g, long ldg, long n, float lr, float mu, float decay,
                      const float *rowDecay);

/// iRprop- on a dense block of count floats: per element step sizes grow by etaPlus while the
/// gradient keeps its sign and shrink by etaMinus when it flips (the gradient is then zeroed).
void ek_rprop(long count, float *w, const float *g, float *prevG, float *step,
              float etaPlus, float etaMinus, float stepMin, float stepMax);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// One epoch of surprise's SVD / BaselineOnly-SGD stochastic gradient descent, in its order
/// (users in index order, each user's ratings in file order):
///   e = r - (mu + bu[u] + bi[i] + p[u]·q[i]);  bu += lr(e - reg bu);  bi += lr(e - reg bi);
///   p[u] += lr(e q[i] - reg p[u]);  q[i] += lr(e p[u]_old - reg q[i]).
/// f == 0 gives BaselineOnly's SGD. Returns the sum of squared errors seen.
double ek_svd_epoch(long userCount, const long *userStart, const int32_t *items, const float *ratings,
                    float mu, float *bu, float *bi, float *p, float *q, long f, float lr, float reg);

/// One epoch of surprise's SVD++ (same order). y[j] for the items j the user rated receive,
/// after every rating of that user, y[j] += lr(e q[i]/sqrt|N(u)| - reg y[j]); since that update
/// is the same affine map for all j, it is applied once at the end of the user's ratings
/// (exactly equal in exact arithmetic), making an epoch O(ratings * f).
/// `implicitStart`/`implicitItems` list N(u). `work` holds 2 * f floats.
double ek_svdpp_epoch(long userCount, const long *userStart, const int32_t *items, const float *ratings,
                      const long *implicitStart, const int32_t *implicitItems, float mu, float *bu,
                      float *bi, float *p, float *q, float *y, long f, float lr, float reg, float *work);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// Dense single-precision matrix product on a block of the result, row-major:
///   C[m0:m1, n0:n1] = op(A) · op(B) (+ C[m0:m1, n0:n1] when accumulate != 0)
/// where op(A) is M×K (A, or Aᵀ when transA) and op(B) is K×N (B, or Bᵀ when transB).
/// Packed panels and a 6×64 register-tiled micro-kernel; callers split [0,M)×[0,N) among threads.
void ek_sgemm_block(int transA, int transB, long m0, long m1, long n0, long n1, long K,
                    const float *A, long lda, const float *B, long ldb, float *C, long ldc,
                    int accumulate);

/// An Adam step fused into a product whose result C is a parameter's gradient: each tile of
/// G = (C when accumulate) + product steps the parameter as soon as its sums are complete,
/// while it is still in cache, exactly as `ek_adam_flat` would (the same bits), so the step
/// costs no pass of its own over the gradient.
/// (`ek_sgemm_block_nt_stepping_b` uses the same struct for a step on B's rows: g is then the
/// gradient, laid out as B, and w, cIsZero are unused.)
typedef struct {
  float *w, *m, *v;              ///< the parameter and its two moments, laid out as C (ldc)
  float *g;                      ///< the gradient, for a step on B's rows only
  float lr, b1, b2, eps, decay;  ///< as `ek_adam_flat`; lr carries the bias correction
  int clear;                     ///< leave the gradient zero (else C holds G afterwards)
  int cIsZero;                   ///< C holds zeros on entry: never read, nor written with clear
} ek_adam_step;

/// C[m0:m1, n0:n1] = A · Bᵀ (A M×K, B N×K, row-major) where B is a parameter whose Adam step
/// (gradient `step->g`, moments m, v, all laid out as B) is due: each block of B's rows is
/// stepped right after it is packed, while in cache, and the product uses the values before
/// the step. Rows n0..<n1 are stepped exactly once, so callers split by columns of C.
void ek_sgemm_block_nt_stepping_b(long m0, long m1, long n0, long n1, long K, const float *A,
                                  long lda, float *B, long ldb, float *C, long ldc,
                                  const ek_adam_step *step);

/// A transposed-A product over K stacked from two sources, on a block of the result:
///   C[m0:m1, n0:n1] = A1ᵀ·B1 + A2ᵀ·B2 (+ C when accumulate)
/// with A1 K1×M, B1 K1×N, A2 K2×M, B2 K2×N (row-major), K1 + K2 > 0: one pass over C for two
/// products that add into it (a tied layer's weight gradient). With `step`, the result is not
/// stored but steps the parameter (`ek_adam_step`).
void ek_sgemm_block_tn_stacked(long m0, long m1, long n0, long n1, const float *A1, long lda1,
                               const float *B1, long ldb1, long K1, const float *A2, long lda2,
                               const float *B2, long ldb2, long K2, float *C, long ldc,
                               int accumulate, const ek_adam_step *step);

/// 1 when the CPU has AVX512_BF16 (vdpbf16ps), which `ek_sgemm_block_bf16` needs.
int ek_has_bf16(void);
/// `ek_sgemm_block` with both operands rounded to bfloat16 (nearest even) and fp32 sums, on
/// AVX512_BF16; without it, exactly `ek_sgemm_block`.
void ek_sgemm_block_bf16(int transA, int transB, long m0, long m1, long n0, long n1, long K,
                         const float *A, long lda, const float *B, long ldb, float *C, long ldc,
                         int accumulate);
/// `ek_sgemm_block_nt_stepping_b` with bf16 products (as `ek_sgemm_block_bf16`); the step is
/// the fp32 step, on fp32 weights and moments. Without AVX512_BF16, exactly the fp32 kernel.
void ek_sgemm_block_nt_stepping_b_bf16(long m0, long m1, long n0, long n1, long K, const float *A,
                                       long lda, float *B, long ldb, float *C, long ldc,
                                       const ek_adam_step *step);
/// `ek_sgemm_block_tn_stacked` with bf16 products; without AVX512_BF16, the fp32 kernel.
void ek_sgemm_block_tn_stacked_bf16(long m0, long m1, long n0, long n1, const float *A1,
                                    long lda1, const float *B1, long ldb1, long K1,
                                    const float *A2, long lda2, const float *B2, long ldb2,
                                    long K2, float *C, long ldc, int accumulate,
                                    const ek_adam_step *step);
/// Runs `n` iterations of a tight multiply-add loop (kind 0: fp32 FMA, the widest this CPU
/// has; kind 1: AVX512_BF16 dot products) and returns the flops it did (0: kind 1 unsupported).
double ek_peak_loop(int kind, long n, float *sink);
/// x rounded to the nearest bfloat16 (ties to even), as a float.
float ek_round_bf16(float x);

#ifdef __cplusplus
}
#endif
#endif
