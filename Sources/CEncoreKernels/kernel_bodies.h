// Inline bodies that both the fp32 kernels (kernels.c) and the bf16 GEMM (gemm_bf16.c) build
// on: the vector types, the flat Adam step (so that a step fused into either GEMM gives the
// separate step's bits), rows stacked from two sources, and a 16 × 16 register transpose.
// Internal to CEncoreKernels: not part of its public header.
#ifndef EK_KERNEL_BODIES_H
#define EK_KERNEL_BODIES_H
#include "CEncoreKernels.h"
#include <string.h>

// The bodies are always inlined into functions built per instruction set; in the baseline
// build a body that returns a 64-byte vector "changes the ABI" only of calls that never happen.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef float v4 __attribute__((vector_size(16), aligned(4)));
#define INLINE static inline __attribute__((always_inline))

// Adam over a flat range of a dense parameter, one read and one write of w, m and v, and one
// read of g per element; with `clear` the gradient is zeroed in the same pass, so the next
// batch needs no separate sweep to clear it.
INLINE void adam_flat_body(long n, float *restrict w, float *restrict mo, float *restrict ve,
                           float *restrict g, float lr, float b1, float b2, float eps, float decay,
                           int clear) {
  long j = 0;
  for (; j + 16 <= n; j += 16) {
    v16 w16 = *(v16 *)(w + j);
    v16 gj = *(v16 *)(g + j) + decay * w16;
    v16 mj = b1 * *(v16 *)(mo + j) + (1.0f - b1) * gj;
    v16 vj = b2 * *(v16 *)(ve + j) + (1.0f - b2) * gj * gj;
    *(v16 *)(mo + j) = mj;
    *(v16 *)(ve + j) = vj;
    *(v16 *)(w + j) = w16 - lr * mj / (__builtin_elementwise_sqrt(vj) + eps);
    if (clear) *(v16 *)(g + j) = (v16){0};
  }
  for (; j < n; j++) {
    float gj = g[j] + decay * w[j];
    float mj = b1 * mo[j] + (1.0f - b1) * gj;
    float vj = b2 * ve[j] + (1.0f - b2) * gj * gj;
    mo[j] = mj;
    ve[j] = vj;
    w[j] -= lr * mj / (__builtin_sqrtf(vj) + eps);
    if (clear) g[j] = 0;
  }
}

// dst[k * ldd + i] = src[i * lds + k] for a 16 × 16 block: four rounds of shuffles (pairs of
// floats, pairs of pairs within 128-bit lanes, then the 4 × 4 grid of 128-bit blocks).
INLINE void transpose16(const float *restrict src, long lds, float *restrict dst, long ldd) {
  v16 r[16], t[16];
  for (int i = 0; i < 16; i++) r[i] = *(const v16 *)(src + i * lds);
  for (int i = 0; i < 16; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31);
  }
  // u[4g + c], lane block L: rows 4g..4g+3 at column 4L + c.
  for (int g = 0; g < 4; g++) {
    v16 t0 = t[4 * g], t1 = t[4 * g + 1], t2 = t[4 * g + 2], t3 = t[4 * g + 3];
    r[4 * g] = __builtin_shufflevector(t0, t2, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
    r[4 * g + 1] = __builtin_shufflevector(t0, t2, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    r[4 * g + 2] = __builtin_shufflevector(t1, t3, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
    r[4 * g + 3] = __builtin_shufflevector(t1, t3, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
  }
  // Output row 4L + c gathers block L of u[c], u[4 + c], u[8 + c], u[12 + c].
  for (int c = 0; c < 4; c++) {
    v16 v0 = r[c], v1 = r[4 + c], v2 = r[8 + c], v3 = r[12 + c];
    v16 a = __builtin_shufflevector(v0, v1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    v16 b = __builtin_shufflevector(v0, v1, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    v16 e = __builtin_shufflevector(v2, v3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    v16 d = __builtin_shufflevector(v2, v3, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    *(v16 *)(dst + (0 + c) * ldd) = __builtin_shufflevector(a, e, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    *(v16 *)(dst + (4 + c) * ldd) = __builtin_shufflevector(a, e, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    *(v16 *)(dst + (8 + c) * ldd) = __builtin_shufflevector(b, d, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    *(v16 *)(dst + (12 + c) * ldd) = __builtin_shufflevector(b, d, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
  }
}

// Rows of a K-row operand stacked from two sources: rows k < k1 from p1, the rest from p2 (a
// product over stacked K adds two products into one pass over C).
typedef struct {
  const float *p1;
  long ld1, k1;
  const float *p2;
  long ld2;
} stacked_rows;

INLINE const float *stacked_row(const stacked_rows *s, long k) {
  return k < s->k1 ? s->p1 + k * s->ld1 : s->p2 + (k - s->k1) * s->ld2;
}

// The block of B a GEMM reads after block (pc, jc) — the next K block, else the next column
// block: `cols` floats from column c0 of rows r0..<r1 of `rows` (no rows after the last
// block). Untransposed B's rows are its K rows (`kRows`); Bᵀ's are B's own rows (`ownRows`).
typedef struct {
  const stacked_rows *rows;
  long r0, r1, c0, cols;
} gemm_block_rows;

INLINE gemm_block_rows gemm_next_b_block(int transB, const stacked_rows *kRows, const stacked_rows *ownRows,
                                         long pc, long kc, long jc, long nc, long K, long n1, long kcMax,
                                         long ncMax) {
  long pcN = pc + kc < K ? pc + kc : 0, jcN = pc + kc < K ? jc : jc + nc;
  long kcN = jcN >= n1 ? 0 : K - pcN < kcMax ? K - pcN : kcMax, ncN = n1 - jcN < ncMax ? n1 - jcN : ncMax;
  gemm_block_rows next = transB ? (gemm_block_rows){ownRows, jcN, jcN + ncN, pcN, kcN}
                                : (gemm_block_rows){kRows, pcN, pcN + kcN, jcN, ncN};
  if (kcN == 0) next.r1 = next.r0;
  return next;
}

// The register tiles of one (pc, jc) block: column panels × row panels of each row block.
INLINE long gemm_tiles_in_block(long m0, long m1, long mcMax, long mr, long nc, long nr) {
  long tiles = 0;
  for (long ic = m0; ic < m1; ic += mcMax) tiles += (nc + nr - 1) / nr * ((m1 - ic < mcMax ? m1 - ic : mcMax) + mr - 1) / mr;
  return tiles;
}

// Prefetches into L2 part `part` of `parts` of the rows of block `b`: the block a GEMM reads
// next, fetched a few rows per tile while the current block computes, so that packing (or
// reading in place) finds it in cache rather than memory.
INLINE void prefetch_block_rows(const gemm_block_rows *b, long part, long parts) {
  long n = b->r1 - b->r0;
  for (long r = b->r0 + n * part / parts; r < b->r0 + n * (part + 1) / parts; r++) {
    const char *p = (const char *)(stacked_row(b->rows, r) + b->c0);
    for (long off = 0; off < b->cols * (long)sizeof(float); off += 64) __builtin_prefetch(p + off, 0, 2);
  }
}

// The finished tile G (rows × cols at g, ld ldt, C's own sums not yet added) becomes an
// Adam step on the parameter laid out as C: G += C where C holds a partial sum, one flat Adam
// per tile row (the very code of ek_adam_flat, so the same bits as a separate step), then C
// holds G, or zeros with `clear` (`untouched`: C was zero on entry and no block wrote it, so
// clearing it writes nothing).
INLINE void adam_tile_epilogue(float *g, long ldt, long rows, long cols, float *c, long ldc, long offset,
                               const ek_adam_step *step, int readC, int untouched) {
  for (long r = 0; r < rows; r++) {
    float *gr = g + r * ldt, *cr = c + r * ldc;
    if (readC)
      for (long j = 0; j < cols; j++) gr[j] += cr[j];
    long at = offset + r * ldc;
    adam_flat_body(cols, step->w + at, step->m + at, step->v + at, gr, step->lr, step->b1, step->b2,
                   step->eps, step->decay, 0);
    if (!step->clear) memcpy(cr, gr, (size_t)cols * sizeof(float));
    else if (!untouched) memset(cr, 0, (size_t)cols * sizeof(float));
  }
}

#endif
