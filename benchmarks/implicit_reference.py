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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("split_dir")
    ap.add_argument("--model", required=True, choices=["ease", "most-popular"])
    ap.add_argument("--lambda", dest="lam", type=float, default=500.0)
    ap.add_argument("--part", choices=["test", "validation"], default="test")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--batch", type=int, default=1000, help="users scored at a time (memory only)")
    a = ap.parse_args()

    # Items in order of first appearance in train.csv; train users likewise.
    train = read_pairs(a.split_dir, "train")
    items = pd.unique(train["sid"])
    item_index = pd.Index(items)
    users = pd.Index(pd.unique(train["uid"]))
    X = binary_matrix(users.get_indexer(train["uid"]), item_index.get_indexer(train["sid"]),
                      len(users), len(items))

    t0 = time.perf_counter()
    if a.model == "ease":
        B = fit_ease(X, a.lam)
    else:
        popularity = np.asarray(X.sum(axis=0)).ravel()  # training users per item
    fit_seconds = time.perf_counter() - t0

    # Held-out users: input (fold-in) and target rows, items mapped through train's items.
    tr, te = read_pairs(a.split_dir, a.part + "_tr"), read_pairs(a.split_dir, a.part + "_te")
    held = pd.Index(pd.unique(pd.concat([tr["uid"], te["uid"]])))

    def held_matrix(df):
        cols = item_index.get_indexer(df["sid"])
        keep = cols >= 0  # drop items not in train.csv
        return binary_matrix(held.get_indexer(df["uid"])[keep], cols[keep], len(held), len(items))

    X_in, X_te = held_matrix(tr), held_matrix(te)
    n_targets = np.diff(X_te.indptr)
    scored = np.flatnonzero(n_targets > 0)

    ks = (20, 50, 100)
    disc = 1.0 / np.log2(np.arange(2, 100 + 2))  # vae_cf's tp for k=100
    rec = {20: [], 50: []}
    ndcg, trec = [], []
    for start in range(0, len(scored), a.batch):
        rows = scored[start:start + a.batch]
        xin = X_in[rows]
        if a.model == "ease":
            scores = np.asarray(xin @ B)
        else:
            scores = np.tile(popularity.astype(np.float64), (len(rows), 1))
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

    result = {"model": a.model, "lambda": a.lam if a.model == "ease" else None,
              "part": a.part, "test_users_scored": int(len(scored)),
              "test_users_without_targets": int(len(held) - len(scored)),
              "recall@20": stat(rec[20]), "recall@50": stat(rec[50]),
              "ndcg@100": stat(ndcg), "target-recall@20": stat(trec),
              "fit_seconds": fit_seconds}
    if a.json:
        print(json.dumps(result))
    else:
        print(f"{a.model}" + (f" (lambda {a.lam:g})" if a.model == "ease" else "")
              + f": {len(users)} train users x {len(items)} items, fit {fit_seconds:.3f} s; "
              f"{a.part}: {len(scored)} users scored, {len(held) - len(scored)} without targets")
        for key in ("recall@20", "recall@50", "ndcg@100", "target-recall@20"):
            print(f"  {key:17s} {result[key]['mean']:.5f} ({result[key]['se']:.5f})")


if __name__ == "__main__":
    main()
