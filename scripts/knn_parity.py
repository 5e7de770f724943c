#!/usr/bin/env python3
"""Encore's neighbourhood models against surprise's on MovieLens-100K u1 (issue 17: within 0.003).

    python3 scripts/knn_parity.py [ENCORE] [ML-100K FOLDER]

Runs each configuration in surprise and in Encore one after the other, and prints both test
RMSEs, the difference, and both fit times. Needs scikit-surprise (pip) and the real u1 files.
"""
import json, subprocess, sys, time

encore = sys.argv[1] if len(sys.argv) > 1 else ".build/release/encore"
folder = sys.argv[2] if len(sys.argv) > 2 else ".data/ml-100k"
from surprise import Dataset, Reader, KNNBasic, KNNWithMeans, KNNBaseline, accuracy

reader = Reader("ml-100k")
data = Dataset.load_from_folds([(f"{folder}/u1.base", f"{folder}/u1.test")], reader)
trainset, testset = next(iter(data.folds())) if hasattr(data, "folds") else None, None
from surprise.model_selection import PredefinedKFold
trainset, testset = next(PredefinedKFold().split(data))

configs = [
    ("KNNBaseline", KNNBaseline, "knn-baseline", {"name": "pearson_baseline", "user_based": False}),
    ("KNNBaseline", KNNBaseline, "knn-baseline", {"name": "msd", "user_based": True}),
    ("KNNWithMeans", KNNWithMeans, "knn-means", {"name": "pearson", "user_based": True}),
    ("KNNBasic", KNNBasic, "knn-basic", {"name": "msd", "user_based": True}),
    ("KNNBasic", KNNBasic, "knn-basic", {"name": "cosine", "user_based": False}),
]
print("| model | similarity | based | surprise RMSE | Encore RMSE | difference | surprise fit s | Encore fit s |")
print("|---|---|---|---|---|---|---|---|")
worst = 0.0
for label, cls, name, sim in configs:
    algo = cls(sim_options=dict(sim), verbose=False)
    start = time.perf_counter()
    algo.fit(trainset)
    fit = time.perf_counter() - start
    theirs = accuracy.rmse(algo.test(testset), verbose=False)
    args = [encore, "train", "--train", f"{folder}/u1.base", "--test", f"{folder}/u1.test", "--model", name,
            "--similarity", sim["name"].replace("_", "-"), "--json"] + ([] if sim["user_based"] else ["--item-based"])
    report = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    ours = report["test_rmse"]
    worst = max(worst, abs(ours - theirs))
    print(f"| {label} | {sim['name']} | {'user' if sim['user_based'] else 'item'} | {theirs:.4f} | {ours:.4f} | {ours - theirs:+.4f} | {fit:.2f} | {report['fit_seconds']:.2f} |")
print(f"largest difference {worst:.4f}")
