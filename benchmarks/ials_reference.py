"""Scores a strong-generalisation split (from vae_cf_split.py) with benfred's `implicit` iALS,
for checking Encore's `ials` numbers.

    py=$(bash benchmarks/setup-venv.sh)
    "$py" benchmarks/ials_reference.py SPLIT_DIR [--factors 100] [--reg 0.01] [--alpha 1.0]
        [--iterations 15] [--seed 0] [--threads 2] [--part test|validation] [--json]

Reading, item mapping, ranking and metrics are implicit_reference.py's (imported from it):
items are train.csv's in order of first appearance, held-out pairs on other items are dropped,
input items are set to -inf, ranking is a stable argsort of -scores, and the metrics are
vae_cf's recall@20, recall@50 (hits / min(k, n_targets)), binary ndcg@100 and
target-recall@20 (hits / n_targets), each as mean and standard error np.std / sqrt(n).

Fit: implicit.cpu.als.AlternatingLeastSquares(factors, regularization=reg, alpha,
iterations, random_state=seed, num_threads=threads, use_cg=True,
calculate_training_loss=False) on X, the binary train-users x items CSR matrix (float32,
values 1), with BLAS limited to one thread during the fit, as implicit asks (its OpenMP
solver uses `threads`). What implicit 0.7.3 does with it (implicit/cpu/als.py, fit):

    Cui = check_csr(user_items); Cui = Cui.astype(np.float32)
    if self.alpha != 1.0: Cui = self.alpha * Cui       # confidence c_ui = alpha * x_ui
    user_factors = random_state.random((users, factors)) * 0.01   # default_rng(seed)
    item_factors = random_state.random((items, factors)) * 0.01
    each iteration: solver(Cui, user_factors, item_factors, regularization)
                    solver(Ciu, item_factors, user_factors, regularization)

and the solver for a user u (implicit/cpu/als.py user_linear_equation, and the same in
_als.pyx _least_squares; least_squares_cg runs 3 conjugate-gradient steps on this system,
warm-started from the previous factors):

    A = YtY + regularization * I;  b = 0
    for each stored (i, confidence) of u:   b += confidence * Y[i]
                                            A += (confidence - 1) * outer(Y[i], Y[i])
    x_u = solve(A, b)

so implicit minimises  sum_{u,i} w_ui (p_ui - x_u.y_i)^2 + reg (sum_u |x_u|^2 + sum_i |y_i|^2)
with p_ui = 1 and w_ui = c_ui = alpha for observed pairs (NOT 1 + alpha: implicit >= 0.5
dropped the +1), p_ui = 0 and w_ui = 1 for unobserved ones, and a plain regularization
(not scaled by the number of ratings). With alpha = 1 observed and unobserved pairs weigh
the same.

Fold-in: each held-out user's factors are the exact minimiser of that objective with the item
factors Y fixed, in float64 with numpy (implicit's own solve, recalculate_user, is the same
system in float32):

    A = Y'Y + (alpha - 1) sum_{i in I_u} y_i y_i' + reg I,   b = alpha sum_{i in I_u} y_i,
    w = solve(A, b),   scores = w Y'.

A user with no input item gets w = 0 (implicit sets such users' factors to zero too), so every
score is 0 and the ranking is item order.

fit_seconds is model.fit alone (alpha scaling, transpose, initialisation and the iterations);
seconds_per_iteration is fit_seconds / iterations.
"""
import argparse, json, os, sys, time
import numpy as np
import implicit
import threadpoolctl
from implicit.cpu.als import AlternatingLeastSquares

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from implicit_reference import read_train, read_heldout, evaluate, print_metrics  # noqa: E402


def fold_in(Y, xin, reg, alpha):
    """Exact iALS user factors (float64) for the rows of the binary CSR matrix xin."""
    Y = np.asarray(Y, dtype=np.float64)
    F = Y.shape[1]
    base = Y.T @ Y + reg * np.eye(F)
    W = np.zeros((xin.shape[0], F))
    for r in range(xin.shape[0]):
        idx = xin.indices[xin.indptr[r]:xin.indptr[r + 1]]
        if len(idx) == 0:
            continue
        Yi = Y[idx]
        A = base + (alpha - 1.0) * (Yi.T @ Yi)
        b = alpha * Yi.sum(axis=0)
        W[r] = np.linalg.solve(A, b)
    return W


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("split_dir")
    ap.add_argument("--factors", type=int, default=100)
    ap.add_argument("--reg", type=float, default=0.01)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--part", choices=["test", "validation"], default="test")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--batch", type=int, default=1000, help="users scored at a time (memory only)")
    a = ap.parse_args()

    item_index, users, X = read_train(a.split_dir)
    Xf = X.astype(np.float32)

    with threadpoolctl.threadpool_limits(1, "blas"):  # implicit warns otherwise
        model = AlternatingLeastSquares(
            factors=a.factors, regularization=a.reg, alpha=a.alpha, iterations=a.iterations,
            random_state=a.seed, num_threads=a.threads, use_cg=True,
            calculate_training_loss=False)
        t0 = time.perf_counter()
        model.fit(Xf, show_progress=False)
        fit_seconds = time.perf_counter() - t0
    Y = np.asarray(model.item_factors)

    X_in, X_te = read_heldout(a.split_dir, a.part, item_index)
    fold_seconds = [0.0]

    def score(rows, xin):
        t = time.perf_counter()
        W = fold_in(Y, xin, a.reg, a.alpha)
        fold_seconds[0] += time.perf_counter() - t
        return W @ Y.T.astype(np.float64)

    with threadpoolctl.threadpool_limits(a.threads, "blas"):
        metrics = evaluate(X_in, X_te, score, a.batch)

    result = {"model": "ials", "lambda": None, "part": a.part, **metrics,
              "fit_seconds": fit_seconds,
              "factors": a.factors, "reg": a.reg, "alpha": a.alpha,
              "iterations": a.iterations, "seed": a.seed, "threads": a.threads,
              "seconds_per_iteration": fit_seconds / max(a.iterations, 1),
              "fold_in_seconds": fold_seconds[0], "implicit_version": implicit.__version__}
    if a.json:
        print(json.dumps(result))
    else:
        print(f"ials (implicit {implicit.__version__}; factors {a.factors}, reg {a.reg:g}, "
              f"alpha {a.alpha:g}, {a.iterations} iterations, seed {a.seed}, "
              f"{a.threads} threads): {len(users)} train users x {X.shape[1]} items, "
              f"fit {fit_seconds:.3f} s ({result['seconds_per_iteration']:.4f} s/iteration); "
              f"{a.part}: {metrics['test_users_scored']} users scored, "
              f"{metrics['test_users_without_targets']} without targets, "
              f"fold-in {fold_seconds[0]:.3f} s")
        print_metrics(result)


if __name__ == "__main__":
    main()
