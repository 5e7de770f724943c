"""Strong-generalisation split of a rating file, as in Liang et al.'s vae_cf notebook
(dawenl/vae_cf, VAE_ML20M_WWW2018.ipynb), for comparing Encore's split with the reference one.

    python3 benchmarks/vae_cf_split.py RATINGS OUT_DIR [--threshold 3.5] [--heldout-users N]
        [--min-uc 5] [--seed 98765] [--sep auto]

RATINGS is MovieLens-100K `u.data` (tab-separated user, item, rating, timestamp, no header),
a ratings.csv with header userId,movieId,rating,timestamp, or ML-1M `ratings.dat` (`::`).
The first three columns are read as user, item, rating. Steps, as in the notebook:
keep rating > threshold; keep users with >= min_uc kept ratings (no item filter); permute the
sorted user IDs with np.random.seed(seed); the last 2N users are validation (N) and test (N)
users; items are those of the training users; each held-out user's ratings on those items are
split 80/20 by split_train_test_proportion (which reseeds with 98765).

Writes train.csv, validation_tr.csv, validation_te.csv, test_tr.csv and test_te.csv (header
uid,sid) in the notebook's row order, but with the ORIGINAL user and item IDs (the notebook
renumbers them) so that another tool can map them.
"""
import argparse, os
import numpy as np
import pandas as pd


def read_ratings(path, sep):
    """Reads user, item, rating from the first three columns; detects separator and header."""
    with open(path) as f:
        first = f.readline()
    if sep == "auto":
        sep = "\t" if "\t" in first else "::" if "::" in first else ","
    fields = first.strip().split(sep)
    has_header = not fields[0].strip().lstrip("-").isdigit()
    data = pd.read_csv(path, sep=sep, header=0 if has_header else None,
                       engine="python" if len(sep) > 1 else "c")
    data = data.iloc[:, :3]
    data.columns = ["userId", "movieId", "rating"]
    return data


def get_count(tp, id):
    # The notebook's groupby(id, as_index=False).size() gave a Series indexed by the sorted
    # IDs in the pandas of its day; groupby(id).size() gives that Series in any pandas.
    return tp.groupby(id).size()


def filter_triplets(tp, min_uc=5, min_sc=0):
    if min_sc > 0:
        itemcount = get_count(tp, "movieId")
        tp = tp[tp["movieId"].isin(itemcount.index[itemcount >= min_sc])]
    if min_uc > 0:
        usercount = get_count(tp, "userId")
        tp = tp[tp["userId"].isin(usercount.index[usercount >= min_uc])]
    return tp, get_count(tp, "userId"), get_count(tp, "movieId")


def split_train_test_proportion(data, test_prop=0.2):
    tr_list, te_list = [], []
    np.random.seed(98765)  # the notebook reseeds here, whatever --seed is
    for _, group in data.groupby("userId"):  # users in sorted order, rows in file order
        n_items_u = len(group)
        if n_items_u >= 5:
            idx = np.zeros(n_items_u, dtype="bool")
            idx[np.random.choice(n_items_u, size=int(test_prop * n_items_u),
                                 replace=False).astype("int64")] = True
            tr_list.append(group[np.logical_not(idx)])
            te_list.append(group[idx])
        else:
            tr_list.append(group)
    empty = data.iloc[:0]
    return (pd.concat(tr_list) if tr_list else empty,
            pd.concat(te_list) if te_list else empty)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ratings")
    ap.add_argument("out_dir")
    ap.add_argument("--threshold", type=float, default=3.5)
    ap.add_argument("--heldout-users", type=int, default=10000)
    ap.add_argument("--min-uc", type=int, default=5)
    ap.add_argument("--seed", type=int, default=98765)
    ap.add_argument("--sep", default="auto")
    a = ap.parse_args()

    raw_data = read_ratings(a.ratings, a.sep)
    raw_data = raw_data[raw_data["rating"] > a.threshold]
    raw_data, user_activity, item_popularity = filter_triplets(raw_data, a.min_uc, 0)

    unique_uid = user_activity.index
    np.random.seed(a.seed)
    idx_perm = np.random.permutation(unique_uid.size)
    unique_uid = unique_uid[idx_perm]

    n_users, n_heldout = unique_uid.size, a.heldout_users
    if n_users <= 2 * n_heldout:
        raise SystemExit(f"{n_users} users left, too few for 2 x {n_heldout} held-out users")
    tr_users = unique_uid[:(n_users - n_heldout * 2)]
    vd_users = unique_uid[(n_users - n_heldout * 2):(n_users - n_heldout)]
    te_users = unique_uid[(n_users - n_heldout):]

    train_plays = raw_data.loc[raw_data["userId"].isin(tr_users)]
    unique_sid = pd.unique(train_plays["movieId"])

    vad_plays = raw_data.loc[raw_data["userId"].isin(vd_users)]
    vad_plays = vad_plays.loc[vad_plays["movieId"].isin(unique_sid)]
    vad_plays_tr, vad_plays_te = split_train_test_proportion(vad_plays)

    test_plays = raw_data.loc[raw_data["userId"].isin(te_users)]
    test_plays = test_plays.loc[test_plays["movieId"].isin(unique_sid)]
    test_plays_tr, test_plays_te = split_train_test_proportion(test_plays)

    os.makedirs(a.out_dir, exist_ok=True)
    parts = [("train", train_plays), ("validation_tr", vad_plays_tr),
             ("validation_te", vad_plays_te), ("test_tr", test_plays_tr),
             ("test_te", test_plays_te)]
    for name, tp in parts:
        # Raw IDs instead of the notebook's numerize(); same rows, same order.
        out = pd.DataFrame({"uid": tp["userId"].to_numpy(), "sid": tp["movieId"].to_numpy()})
        out.to_csv(os.path.join(a.out_dir, name + ".csv"), index=False)

    print(f"{len(raw_data)} ratings > {a.threshold} from {n_users} users (>= {a.min_uc} each), "
          f"{len(item_popularity)} items; {len(tr_users)} train users, {len(unique_sid)} train items")
    for name, tp in parts:
        print(f"  {name}.csv: {len(tp)} rows, {tp['userId'].nunique()} users")


if __name__ == "__main__":
    main()
