#!/usr/bin/env bash
# The seeds' experiments (../shared/seeds, README "Seeds"), each as one encore command.
#
#   scripts/seeds.sh [ENCORE] real        on the real data: .data/ml-100k (get-movielens) and
#                                         .data/kmrd-small (lovit/kmrd's kmrd-small folder)
#   scripts/seeds.sh [ENCORE] synthetic   on generated data of the same shapes (CI): no download
#
# Each command prints its figures; with `synthetic` only that it runs and what it prints is
# checked (the figures belong to the real data).
set -euo pipefail
encore=${1:-.build/release/encore}
mode=${2:-real}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$mode" = real ]; then
  ml=.data/ml-100k
  kmrd=.data/kmrd-small
  [ -f "$ml/u.data" ] || { echo "no $ml: run ../shared/datasets/get-movielens .data"; exit 1; }
  [ -f "$kmrd/rates.csv" ] || { echo "no $kmrd: git show lovit/kmrd's kmr_dataset/datafile/kmrd-small/{rates.csv,movies.txt} into it"; exit 1; }
else
  ml=$work/ml-100k-shaped
  kmrd=$work/kmrd-shaped
  mkdir -p "$ml" "$kmrd"
  "$encore" data synth --like ml-100k --out "$ml/ratings.csv" > /dev/null
  # KMRD-small's shape: 52,028 users, 600 movies, 1-10 ratings; fewer users here to stay quick.
  "$encore" data synth --users 5000 --items 600 --ratings 60000 --scale 1-10 --out "$work/kmrd.csv" > /dev/null
  awk -F, 'NR == 1 { print "user,movie,rate,time"; next } { print }' "$work/kmrd.csv" > "$kmrd/rates.csv"
fi

step() { echo; echo "== $1"; shift; echo "\$ encore $*"; "$encore" "$@"; }

# Seed 004, part 1: the 18 × 10 toy matrix, its rank-3 SVD reconstruction, product 7 for user 2.
python3 - "$work/toy.csv" <<'PY'
import sys
m = [[0,2,0,0,3,0,0,0,0,0],[4,0,0,0,3,0,0,0,5,0],[0,0,0,0,0,3,0,0,0,0],[0,5,0,0,0,0,0,0,0,2],[0,0,0,0,0,0,0,5,0,0],
     [5,2,0,0,0,0,0,0,0,0],[0,0,0,3,0,0,4,0,5,2],[0,3,0,4,0,0,0,0,0,0],[0,0,4,0,0,2,0,0,0,1],[0,0,0,0,5,0,3,0,2,0],
     [1,5,0,0,0,4,0,0,0,0],[0,0,4,0,5,0,0,3,0,2],[1,0,0,4,0,0,0,1,0,0],[0,5,0,3,0,0,0,0,4,0],[4,0,0,0,4,0,0,0,0,0],
     [0,0,0,5,0,2,0,0,0,0],[0,3,0,0,0,0,4,0,0,0],[3,3,0,0,0,0,0,0,0,5]]
with open(sys.argv[1], "w") as f:
    f.write("user," + ",".join(str(i) for i in range(1, 11)) + "\n")
    for u, row in enumerate(m):
        f.write(f"{u + 1}," + ",".join(map(str, row)) + "\n")
PY
step "seed 004: rank-3 SVD of the toy matrix" train --train "$work/toy.csv" --test "$work/toy.csv" --layout wide --missing 0 \
  --model truncated-svd --factors 3 --save "$work/toy.safetensors"
step "seed 004: what user 2 is recommended (the seed: product 7)" recommend --model "$work/toy.safetensors" --user 2 -k 3
top=$("$encore" recommend --model "$work/toy.safetensors" --user 2 -k 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["recommendations"][0]["item"])')
[ "$top" = 7 ] || { echo "seed 004: user 2 should be recommended product 7, not $top"; exit 1; }

# Seed 004, part 2: the deep autoencoder on a temporal 0.98 split, unseen test pairs dropped,
# every epoch on every training rating (no validation part), the last epoch kept.
step "seed 004: deep autoencoder, temporal 0.98 split" train --data "$ml" --split temporal --temporal-quantile 0.98 --unseen drop \
  --model deep-ae --preset seed-004 --validation-fraction 0 --keep last

# Seed 003: ALS baseline (15 epochs), SVD and the DeepRecommender autoencoder on one 70/30 split.
step "seed 003: ALS, SVD and the autoencoder on a 70/30 split" compare --data "$ml" --test-fraction 0.3 \
  --models "baseline:epochs=15,svd,deep-ae:preset=seed-003:loss=all-cells" --validation-fraction 0

# Seed 000: the 30-40-50 autoencoder on KMRD-small (1-10 ratings), items as rows, the RMSE as
# the loss; KMRD rates some movies twice, the later rating is kept.
step "seed 000: 30-40-50 on KMRD-small" train --data "$kmrd" --duplicates keep-last --test-fraction 0.2 \
  --model deep-ae --preset seed-000 --loss rmse

# Seed 001: I-AutoRec with hidden = users / 2. As written (identity encoder, sigmoid decoder) it
# cannot reach 1-5 ratings and is refused; with an identity decoder, and the seed's plain SGD,
# batch 16, 10 epochs, mean over every cell and L2 0.01 (λ = 0.02) on the encoder only.
echo; echo "== seed 001 as written: refused, with the reason"
if "$encore" train --data "$ml" --model i-autorec --hidden 471 --encoder-activation identity --decoder-activation sigmoid --epochs 1 2> "$work/err"; then
  echo "seed 001's sigmoid decoder should be refused"; exit 1
fi
cat "$work/err"
step "seed 001 with an identity decoder" train --data "$ml" --model i-autorec --hidden 471 --encoder-activation identity \
  --decoder-activation identity --optimizer plain-sgd --learning-rate 0.001 --batch-size 16 --epochs 10 --loss all-cells \
  --lambda 0.02 --no-decay-decoder --no-decay-biases --validation-fraction 0 --keep last
step "seed 001, the paper's recipe (Encore's I-AutoRec defaults)" train --data "$ml" --model i-autorec

# Seed 002: the linear AutoRec (10 units, no activations) on item vectors, plain nn.MSELoss over
# every cell (missing as 0), Adam 1e-5, batch 8.
step "seed 002: linear AutoRec, unmasked MSE" train --data "$ml" --model deep-ae --item-based --layers 10 --activation identity \
  --no-last-activation --no-constrained --loss unmasked --learning-rate 1e-5 --batch-size 8 --epochs 1 --validation-fraction 0 --keep last \
  --weight-decay 0
echo; echo "seed experiments ran"
