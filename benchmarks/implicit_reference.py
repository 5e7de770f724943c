"""Scores a strong-generalisation split (from vae_cf_split.py) with numpy reference models,
for checking Encore's EASE and most-popular numbers.

    python3 benchmarks/implicit_reference.py SPLIT_DIR --model ease|most-popular
        [--lambda 500] [--part test|validation] [--json]

SPLIT_DIR holds train.csv, validation_tr.csv, validation_te.csv, test_tr.csv, test_te.csv
(header uid,sid; IDs read as strings). Items are train.csv's, in order of first appearance;
held-out pairs on other items are dropped. X is the binary train-users x items matrix.

- EASE exactly as Steck's reference code (Embarrassingly Shallow Autoencoders, WWW 2019):
  G = X'X (dense float64), G[diag] += lambda, P = inv(G), B = P / -diag(P), B[diag] = 0;
  a held-out user's scores are x_input @ B.
- most-popular: every user's score is the number of training users per item.

Input items are set to -inf, then the metrics are vae_cf's (dawenl/vae_cf):
NDCG_binary_at_k_batch (k=100) and Recall_at_k_batch (k=20, 50), with
recall = hits / min(k, n_targets), plus target-recall@20 = hits@20 / n_targets. Ranking is a
stable argsort of -scores (ties go to the lower item index) instead of vae_cf's argpartition.
Users without targets are skipped and counted. Each metric is printed as mean and standard
error np.std(v) / sqrt(n) (ddof=0), as vae_cf prints them.
"""
import argparse, json, os, time
import numpy as np
import pandas as pd
import scipy.sparse as sp


def read_pairs(split_dir, name):
    return pd.read_csv(os.path.join(split_dir, name + ".csv"), dtype=str)


def binary_matrix(rows, cols, n_rows, n_cols):
    """CSR matrix with a 1 at each (row, col); duplicate pairs count once."""
    m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n_cols))
    m.data[:] = 1.0
    return m


def fit_ease(X, lam):
    # Steck's reference code, verbatim apart from names.
    G = X.T.dot(X).toarray().astype(np.float64)
    diag = np.diag_indices(G.shape[0])
    G[diag] += lam
    P = np.linalg.inv(G)
    B = P / (-np.diag(P))
    B[diag] = 0
    return B


def read_train(split_dir):
    """train.csv as (item_index, users, X): items and users in order of first appearance,
    X the binary train-users x items CSR matrix (float64)."""
    train = read_pairs(split_dir, "train")
    item_index = pd.Index(pd.unique(train["sid"]))
    users = pd.Index(pd.unique(train["uid"]))
    X = binary_matrix(users.get_indexer(train["uid"]), item_index.get_indexer(train["sid"]),
                      len(users), len(item_index))
    return item_index, users, X


def read_heldout(split_dir, part, item_index):
    """PART_tr.csv and PART_te.csv as binary held-out-users x items CSR matrices (input,
    target), items mapped through train's item_index; pairs on other items are dropped."""
    tr, te = read_pairs(split_dir, part + "_tr"), read_pairs(split_dir, part + "_te")
    held = pd.Index(pd.unique(pd.concat([tr["uid"], te["uid"]])))

    def held_matrix(df):
        cols = item_index.get_indexer(df["sid"])
        keep = cols >= 0  # drop items not in train.csv
        return binary_matrix(held.get_indexer(df["uid"])[keep], cols[keep], len(held),
                             len(item_index))

    return held_matrix(tr), held_matrix(te)


def evaluate(X_in, X_te, score, batch=1000):
    """Scores the held-out users that have targets, batch rows at a time, with
    score(rows, xin) -> dense (len(rows), n_items) float scores, where xin = X_in[rows]; sets
    input items to -inf, ranks and returns the metrics (see the module docstring) as a dict:
    test_users_scored, test_users_without_targets, and mean and se of each metric."""
    n_targets = np.diff(X_te.indptr)
    scored = np.flatnonzero(n_targets > 0)

    ks = (20, 50, 100)
    disc = 1.0 / np.log2(np.arange(2, 100 + 2))  # vae_cf's tp for k=100
    rec = {20: [], 50: []}
    ndcg, trec = [], []
    for start in range(0, len(scored), batch):
        rows = scored[start:start + batch]
        xin = X_in[rows]
        scores = score(rows, xin)
        scores[xin.nonzero()] = -np.inf  # never recommend an input item
        order = np.argsort(-scores, axis=1, kind="stable")[:, :max(ks)]
        target = X_te[rows].toarray() > 0
        hit = np.take_along_axis(target, order, axis=1)  # hit[u, r]: item at rank r is a target
        nt = n_targets[rows]
        for k in (20, 50):
            rec[k].append(hit[:, :k].sum(axis=1) / np.minimum(k, nt))
        trec.append(hit[:, :20].sum(axis=1) / nt)
        dcg = (hit[:, :100] * disc[:hit.shape[1]]).sum(axis=1)
        idcg = np.array([disc[:min(n, 100)].sum() for n in nt])
        ndcg.append(dcg / idcg)

    def stat(chunks):
        v = np.concatenate(chunks) if chunks else np.zeros(0)
        return {"mean": float(np.mean(v)) if len(v) else float("nan"),
                "se": float(np.std(v) / np.sqrt(len(v))) if len(v) else float("nan")}

    return {"test_users_scored": int(len(scored)),
            "test_users_without_targets": int(X_in.shape[0] - len(scored)),
            "recall@20": stat(rec[20]), "recall@50": stat(rec[50]),
            "ndcg@100": stat(ndcg), "target-recall@20": stat(trec)}


METRICS = ("recall@20", "recall@50", "ndcg@100", "target-recall@20")


def print_metrics(result):
    for key in METRICS:
        print(f"  {key:17s} {result[key]['mean']:.5f} ({result[key]['se']:.5f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("split_dir")
    ap.add_argument("--model", required=True, choices=["ease", "most-popular"])
    ap.add_argument("--lambda", dest="lam", type=float, default=500.0)
    ap.add_argument("--part", choices=["test", "validation"], default="test")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--batch", type=int, default=1000, help="users scored at a time (memory only)")
    a = ap.parse_args()

    item_index, users, X = read_train(a.split_dir)

    t0 = time.perf_counter()
    if a.model == "ease":
        B = fit_ease(X, a.lam)
    else:
        popularity = np.asarray(X.sum(axis=0)).ravel()  # training users per item
    fit_seconds = time.perf_counter() - t0

    X_in, X_te = read_heldout(a.split_dir, a.part, item_index)

    def score(rows, xin):
        if a.model == "ease":
            return np.asarray(xin @ B)
        return np.tile(popularity.astype(np.float64), (len(rows), 1))

    metrics = evaluate(X_in, X_te, score, a.batch)
    result = {"model": a.model, "lambda": a.lam if a.model == "ease" else None,
              "part": a.part, **metrics, "fit_seconds": fit_seconds}
    if a.json:
        print(json.dumps(result))
    else:
        print(f"{a.model}" + (f" (lambda {a.lam:g})" if a.model == "ease" else "")
              + f": {len(users)} train users x {X.shape[1]} items, fit {fit_seconds:.3f} s; "
              f"{a.part}: {metrics['test_users_scored']} users scored, "
              f"{metrics['test_users_without_targets']} without targets")
        print_metrics(result)


if __name__ == "__main__":
    main()
