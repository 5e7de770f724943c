#!/usr/bin/env bash
# End-to-end checks of the encore command: a train/save/evaluate/recommend round trip on
# generated data, and the documented error (file, line, non-zero exit) for bad input.
set -euo pipefail
encore=${1:-.build/release/encore}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$encore" data synth --out "$dir/ratings.csv" --users 300 --items 200 --ratings 8000 --scale 0.5-5 --step 0.5 > /dev/null
"$encore" data info "$dir/ratings.csv" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ratings"] == 8000, d'
"$encore" train --data "$dir/ratings.csv" --epochs 60 --hidden 32 --save "$dir/model.safetensors" --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_test"] == 800 and d["test_rmse"] < 1.5, d'
"$encore" evaluate --model "$dir/model.safetensors" --test "$dir/ratings.csv" --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_test"] == 8000, d'
"$encore" recommend --model "$dir/model.safetensors" --user 7 -k 5 --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["recommendations"]) == 5, d'

"$encore" predict --model "$dir/model.safetensors" --pairs "$dir/ratings.csv" --out "$dir/predictions.tsv" > /dev/null
[ "$(head -1 "$dir/predictions.tsv")" = "$(printf 'user\titem\tprediction\tactual')" ] || { echo "bad prediction file header"; exit 1; }
[ "$(wc -l < "$dir/predictions.tsv")" -eq 8001 ] || { echo "prediction file should have 8001 lines"; exit 1; }
"$encore" compare --data "$dir/ratings.csv" --models baseline,svd,svdpp,global-mean --folds 3 --csv "$dir/compare.csv" --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["runs"]) == 12 and len(d["summary"]) == 4, d["summary"]'
[ "$(wc -l < "$dir/compare.csv")" -eq 13 ] || { echo "compare CSV should have 13 lines"; exit 1; }

expect_error() {  # expect_error "message part" command...
  local want=$1; shift
  if "$@" > "$dir/out" 2> "$dir/err"; then echo "expected failure: $*"; exit 1; fi
  grep -qF -- "$want" "$dir/err" || { echo "expected '$want' in:"; cat "$dir/err"; exit 1; }
}
printf '1\t1\t5\t1\n1\t2\tfive\t2\n' > "$dir/u.data"
expect_error "u.data:2: rating 'five' is not a finite number" "$encore" data info "$dir/u.data"
printf '1\t1\t5\t1\n1\t1\t4\t2\n' > "$dir/u.data"
expect_error "u.data:2: user 1 rated item 1 again" "$encore" train --data "$dir/u.data"
: > "$dir/empty.csv"
expect_error "no ratings found" "$encore" data info "$dir/empty.csv"
head -c 100 "$dir/model.safetensors" > "$dir/broken.safetensors"
expect_error "not a usable Encore model" "$encore" recommend --model "$dir/broken.safetensors" --user 1
expect_error "unknown user ID 'nobody'" "$encore" recommend --model "$dir/model.safetensors" --user nobody
expect_error "unknown model 'deep-autoencoder'" "$encore" compare --data "$dir/ratings.csv" --models svd,deep-autoencoder
expect_error "--layers takes positive sizes" "$encore" train --model deep-ae --data "$dir/ratings.csv" --layers 512,x
expect_error "--plateau-factor must be in (0, 1]" "$encore" train --data "$dir/ratings.csv" --plateau-factor 0
expect_error "--hidden does not apply to deep-ae" "$encore" train --model deep-ae --data "$dir/ratings.csv" --hidden 100
expect_error "--lambda does not apply to deep-ae" "$encore" train --model deep-ae --data "$dir/ratings.csv" --lambda 5
expect_error "--layers does not apply to i-autorec" "$encore" train --data "$dir/ratings.csv" --layers 64
expect_error "--epochs does not apply to baseline (it takes no model settings)" "$encore" train --model baseline --data "$dir/ratings.csv" --epochs 3
expect_error "--optimizer for deep-ae must be adam, momentum (sgd), adagrad or rmsprop" "$encore" train --model deep-ae --data "$dir/ratings.csv" --optimizer rprop
"$encore" train --data "$dir/ratings.csv" --hidden 8 --epochs 2 --save "$dir/ckpt.safetensors" --save-every 1 > /dev/null 2>&1
expect_error "the checkpoint was trained with configuration.hiddenUnits = 8, but this run asks for 9" "$encore" train --data "$dir/ratings.csv" --hidden 9 --epochs 4 --resume "$dir/ckpt.epoch1.safetensors"
expect_error "--validation-fraction must be in [0, 1)" "$encore" train --data "$dir/ratings.csv" --validation-fraction 1
expect_error "--threads must be at least 1 (got 0)" "$encore" train --data "$dir/ratings.csv" --threads 0
expect_error "The value 'random' is invalid for '--split <split>'" "$encore" train --data "$dir/ratings.csv" --split random
expect_error "--fold must be between 1 and 5 (got 7)" "$encore" train --data "$dir/ratings.csv" --split kfold --fold 7
# One thread or every core: the same model, bit for bit (deep-ae on the built-in GEMM).
for model in i-autorec deep-ae; do
  for threads in 1 2; do
    "$encore" train --model "$model" --data "$dir/ratings.csv" --epochs 3 --threads "$threads" --gemm builtin \
      --save "$dir/$model.t$threads.safetensors" > /dev/null 2>&1
    "$encore" predict --model "$dir/$model.t$threads.safetensors" --pairs "$dir/ratings.csv" --out "$dir/$model.t$threads.tsv" --threads "$threads" > /dev/null
  done
  cmp -s "$dir/$model.t1.tsv" "$dir/$model.t2.tsv" || { echo "$model: --threads 1 and 2 predict differently"; exit 1; }
done
echo "command-line checks passed"
