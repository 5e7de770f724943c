#!/usr/bin/env bash
# Implicit feedback against the numpy references (benchmarks/): EASE and most-popular on a
# split made by vae_cf's own preprocessing (read with --split-folder) and on Encore's own split
# (written with --write-split), test NDCG@100 and Recall@20/50 equal to 1e-4; and the errors
# a user meets first. Data: a synthetic MovieLens-like u.data (no download).
# Usage: scripts/implicit-checks.sh path/to/encore
set -euo pipefail
encore=${1:?usage: implicit-checks.sh ENCORE}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/u.data" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(5)
users, items = 400, 300
pop = rng.zipf(1.6, items).astype(float); pop /= pop.sum()
with open(sys.argv[1], "w") as f:
    for u in range(1, users + 1):
        n = int(rng.integers(8, 60))
        taste = rng.integers(0, 3)
        chosen = rng.choice(items, size=n, replace=False, p=pop)
        for i in chosen:
            r = int(np.clip(round(3 + (1 if (i % 3) == taste else -1) + rng.normal(0, 1)), 1, 5))
            f.write(f"{u}\t{i + 1}\t{r}\t{880000000 + u * 100 + int(i)}\n")
PY

compare() {  # compare NAME ENCORE_JSON REFERENCE_JSON
  python3 - "$@" <<'PY'
import json, sys
name, enc, ref = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
mine = {f["metric"]: f["mean"] for f in enc["test"]["figures"]}
for metric in ["recall@20", "recall@50", "ndcg@100", "target-recall@20"]:
    a, b = mine[metric], ref[metric]["mean"]
    assert abs(a - b) <= 1e-4, f"{name}: {metric} Encore {a:.6f} numpy {b:.6f}"
assert enc["test"]["usersScored"] == ref["test_users_scored"], (enc["test"]["usersScored"], ref["test_users_scored"])
print(f"{name}: NDCG@100 {mine['ndcg@100']:.4f} = numpy {ref['ndcg@100']['mean']:.4f}, Recall@20 {mine['recall@20']:.4f} = {ref['recall@20']['mean']:.4f}")
PY
}

# 1. vae_cf's preprocessing makes the split; Encore scores it as is.
python3 "$here/benchmarks/vae_cf_split.py" "$work/u.data" "$work/vaecf" --heldout-users 40 > /dev/null
for model in "ease --lambda 120" "most-popular"; do
  set -- $model
  enc=$("$encore" train --model $model --split-folder "$work/vaecf" --json 2>/dev/null)
  ref=$(python3 "$here/benchmarks/implicit_reference.py" "$work/vaecf" --model $model --json)
  compare "$1 on vae_cf's split" "$enc" "$ref"
done

# 2. Encore's own split (λ chosen on its validation users), written for numpy to score.
enc=$("$encore" train --model ease --data "$work/u.data" --positive-threshold 3.5 --test-users 40 --write-split "$work/own" --save "$work/ease.safetensors" --json 2>/dev/null)
lambda=$(echo "$enc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["settings"].split()[1])')
ref=$(python3 "$here/benchmarks/implicit_reference.py" "$work/own" --model ease --lambda "$lambda" --json)
compare "ease (λ $lambda chosen on validation) on Encore's split" "$enc" "$ref"
pop=$("$encore" train --model most-popular --data "$work/u.data" --positive-threshold 3.5 --test-users 40 --json 2>/dev/null)
python3 - "$enc" "$pop" <<'PY'
import json, sys
e, p = (json.loads(a) for a in sys.argv[1:])
ne, np_ = (next(f["mean"] for f in d["test"]["figures"] if f["metric"] == "ndcg@100") for d in (e, p))
assert ne > np_, f"EASE NDCG@100 {ne} should beat most-popular's {np_}"
print(f"EASE {ne:.4f} beats most-popular {np_:.4f} (test NDCG@100)")
PY
test -s "$work/ease.safetensors"

# 3. Fold-in: a test user's input items through `recommend --items` give numpy's top 10 for
#    that user (the saved model's λ, scores x·B, input items excluded).
user=$(python3 -c 'import csv,sys; r=csv.reader(open(sys.argv[1])); next(r); print(next(r)[0])' "$work/own/test_tr.csv")
python3 -c 'import csv,sys; r=csv.reader(open(sys.argv[1])); next(r); [print(i) for u, i in r if u == sys.argv[2]]' "$work/own/test_tr.csv" "$user" > "$work/items.txt"
mine=$("$encore" recommend --model "$work/ease.safetensors" --items "$work/items.txt" -k 10 --json)
python3 - "$work/own" "$lambda" "$work/items.txt" "$mine" <<'PY'
import csv, json, sys
import numpy as np
folder, lam, items_file, mine = sys.argv[1], float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
rows = list(csv.reader(open(f"{folder}/train.csv")))[1:]
items = list(dict.fromkeys(i for _, i in rows))
col = {i: c for c, i in enumerate(items)}
users = {u: r for r, u in enumerate(dict.fromkeys(u for u, _ in rows))}
X = np.zeros((len(users), len(items)))
for u, i in rows: X[users[u], col[i]] = 1
G = X.T @ X + lam * np.eye(len(items))
P = np.linalg.inv(G); B = P / (-np.diag(P)); np.fill_diagonal(B, 0)
chosen = [col[i.strip()] for i in open(items_file) if i.strip() in col]
x = np.zeros(len(items)); x[chosen] = 1
scores = x @ B; scores[chosen] = -np.inf
top = [items[c] for c in np.argsort(-scores, kind="stable")[:10]]
got = [r["item"] for r in mine["recommendations"]]
assert got == top, f"recommend --items {got} != numpy {top}"
print(f"recommend --items: the top 10 of a test user ({len(chosen)} items) equal numpy's")
PY

# similar: the nearest items by the model's own item vectors, never the item itself.
item=$(head -1 "$work/items.txt")
"$encore" similar --model "$work/ease.safetensors" --item "$item" -k 5 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["representation"] == "EASE weight rows" and len(d["similar"]) == 5, d
assert all(n["item"] != d["item"] for n in d["similar"]), d
print("similar: 5 neighbours by EASE weight rows")'

# 4. Errors: each a clear message and exit 1.
expect_error() {  # expect_error TEXT COMMAND...
  local text=$1; shift
  if out=$("$@" 2>&1); then echo "expected an error: $*"; exit 1; fi
  echo "$out" | grep -qF -- "$text" || { echo "expected '$text' from: $*"; echo "$out"; exit 1; }
}
printf 'user,item\n1,2\n1,3\n2,2\n' > "$work/pairs.csv"
expect_error "holds user,item pairs (implicit feedback)" "$encore" train --model svd --data "$work/pairs.csv"
expect_error "say which ratings count as one with --positive-threshold" "$encore" train --model ease --data "$work/u.data"
expect_error "--positive-threshold is for implicit-feedback models" "$encore" train --model svd --data "$work/u.data" --positive-threshold 3
expect_error "must be a positive number for ease" "$encore" train --model ease --data "$work/u.data" --positive-threshold 3.5 --lambda 0
expect_error "give smaller --validation-users/--test-users" "$encore" train --model ease --data "$work/u.data" --positive-threshold 3.5 --test-users 300
expect_error "applies to rating files" "$encore" train --model ease --data "$work/pairs.csv" --positive-threshold 3
expect_error "is an implicit-feedback model: give the items" "$encore" recommend --model "$work/ease.safetensors" --ratings "$work/items.txt"
expect_error "unknown user ID" "$encore" recommend --model "$work/ease.safetensors" --user no-such-user
"$encore" train --model most-popular --data "$work/pairs.csv" --test-users 1 --validation-users 0 --min-user-items 1 --save "$work/pop.safetensors" > /dev/null 2>&1
expect_error "most-popular has no item representation" "$encore" similar --model "$work/pop.safetensors" --item 2
expect_error "must be at least 1" "$encore" train --model ials --factors 0 --data "$work/u.data" --positive-threshold 3.5

# 5. iALS beats most-popular on the same split.
ials=$("$encore" train --model ials --factors 16 --data "$work/u.data" --positive-threshold 3.5 --test-users 40 --json 2>/dev/null)
python3 - "$ials" "$pop" <<'PY'
import json, sys
i, p = (json.loads(a) for a in sys.argv[1:])
ni, np_ = (next(f["mean"] for f in d["test"]["figures"] if f["metric"] == "ndcg@100") for d in (i, p))
assert ni > np_, f"iALS NDCG@100 {ni} should beat most-popular's {np_}"
print(f"iALS {ni:.4f} beats most-popular {np_:.4f} (test NDCG@100)")
PY
echo "implicit checks: OK"
