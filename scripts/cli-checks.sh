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
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_test"] == 800 and d["test_rmse"] < 1.5 and 0.5 < d["test_fcp"] < 1 and d["unseen"] == "baseline" and d["n_test_scored"] == 800, d; s=d["shrink"]; assert 0 <= s["weight"] <= 1 and s["shrunk_validation_rmse"] <= min(s["network_validation_rmse"], d["baseline_validation_rmse"]) + 1e-6 and not d["loses_to_baseline_on_validation"], d'
# The shrink toward the baseline: said in the text report, and off with --no-shrink (then the
# network alone may lose to the baseline, and the note says so).
"$encore" train --data "$dir/ratings.csv" --epochs 5 --hidden 8 2>&1 | grep -q "^shrunk  " || { echo "no shrink line in the text report"; exit 1; }
"$encore" train --data "$dir/ratings.csv" --epochs 5 --hidden 8 --no-shrink --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["shrink"] is None, d'
"$encore" evaluate --model "$dir/model.safetensors" --test "$dir/ratings.csv" --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_test"] == 8000 and d["test_fcp"] > 0.5 and d["test_rmse_seen"] is not None, d'
# --unseen drop leaves out the pairs of a user the model never saw, and says how many.
awk 'NR == 1 { print; print "stranger,1,4.0,1"; print "stranger,2,2.0,2"; next } NR <= 51' "$dir/ratings.csv" > "$dir/with-stranger.csv"
"$encore" evaluate --model "$dir/model.safetensors" --test "$dir/with-stranger.csv" --unseen drop --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_test"] == 52 and d["n_test_unseen"] >= 2 and d["n_test_scored"] == 52 - d["n_test_unseen"] and d["test_rmse"] == d["test_rmse_seen"], d'
"$encore" recommend --model "$dir/model.safetensors" --user 7 -k 5 --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["recommendations"]) == 5, d'

"$encore" predict --model "$dir/model.safetensors" --pairs "$dir/ratings.csv" --out "$dir/predictions.tsv" > /dev/null
[ "$(head -1 "$dir/predictions.tsv")" = "$(printf 'user\titem\tprediction\tactual')" ] || { echo "bad prediction file header"; exit 1; }
[ "$(wc -l < "$dir/predictions.tsv")" -eq 8001 ] || { echo "prediction file should have 8001 lines"; exit 1; }
# Seed 003 reads its prediction file without a header and scores rounded predictions: its own
# reader, run on Encore's file, must give the RMSE Encore reports.
"$encore" predict --model "$dir/model.safetensors" --pairs "$dir/ratings.csv" --out "$dir/seed003.tsv" --no-header --round --json \
  | python3 -c '
import json, sys
from math import sqrt
d = json.load(sys.stdin)
lines = open(sys.argv[1]).readlines()
n, denom = 0, 0.0
for line in lines:
    parts = line.split("\t")
    prediction = round(float(parts[2]))
    rating = float(parts[3])
    denom += (prediction - rating) * (prediction - rating)
    n += 1
assert n == 8000 == d["n"] and d["rounded"] and 0 < d["fcp"] < 1, (n, d)
assert abs(sqrt(denom / n) - d["rmse"]) < 1e-9, (sqrt(denom / n), d["rmse"])
' "$dir/seed003.tsv"
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
expect_error "--lambda does not apply to svd" "$encore" train --model svd --data "$dir/ratings.csv" --lambda 5
expect_error "--lambda and --weight-decay both set deep-ae's L2 penalty; give one" "$encore" train --model deep-ae --data "$dir/ratings.csv" --lambda 5 --weight-decay 0.01
expect_error "--shrink does not apply to svdpp" "$encore" train --model svdpp --data "$dir/ratings.csv" --no-shrink
expect_error "--layers does not apply to i-autorec" "$encore" train --data "$dir/ratings.csv" --layers 64
expect_error "--epochs does not apply to global-mean (it takes no model settings)" "$encore" train --model global-mean --data "$dir/ratings.csv" --epochs 3
expect_error "--optimizer for deep-ae must be adam, momentum (sgd), plain-sgd, adagrad or rmsprop" "$encore" train --model deep-ae --data "$dir/ratings.csv" --optimizer rprop
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
# The same with dense products (inner layers, re-feeding), in fp32 and in bf16; the report
# names the kernel, and bf16 is the fp32 kernel on a CPU without AVX512_BF16.
for precision in fp32 bf16; do
  for threads in 1 2; do
    "$encore" train --model deep-ae --preset nvidia-netflix --layers 24,16 --epochs 2 --data "$dir/ratings.csv" \
      --precision "$precision" --threads "$threads" --save "$dir/dense.$precision.t$threads.safetensors" --json > "$dir/dense.$precision.t$threads.json" 2> /dev/null
    "$encore" predict --model "$dir/dense.$precision.t$threads.safetensors" --pairs "$dir/ratings.csv" --out "$dir/dense.$precision.t$threads.tsv" > /dev/null
  done
  cmp -s "$dir/dense.$precision.t1.tsv" "$dir/dense.$precision.t2.tsv" || { echo "deep-ae $precision: --threads 1 and 2 predict differently"; exit 1; }
done
python3 - "$dir" <<'PY'
import json, sys
fp32 = json.load(open(f"{sys.argv[1]}/dense.fp32.t2.json")); bf16 = json.load(open(f"{sys.argv[1]}/dense.bf16.t2.json"))
assert fp32["gemm"] == "builtin", fp32["gemm"]
assert bf16["gemm"] in ("builtin bf16 (AVX512_BF16)", "builtin, fp32 products: this CPU lacks AVX512_BF16 (AutoRec's bf16 weight rows need no such CPU)"), bf16["gemm"]
assert abs(bf16["test_rmse"] - fp32["test_rmse"]) < 0.05, (fp32["test_rmse"], bf16["test_rmse"])
# The precision trained in: bf16 products only on AVX512_BF16.
assert fp32["precision"] == "fp32", fp32["precision"]
assert bf16["precision"] == ("bf16" if "AVX512_BF16" in bf16["gemm"] and "lacks" not in bf16["gemm"] else "fp32"), bf16
PY
# I-AutoRec with bf16 weight rows (any CPU): the same on 1 and 2 threads, close to fp32, not equal.
for threads in 1 2; do
  "$encore" train --model i-autorec --epochs 3 --data "$dir/ratings.csv" --precision bf16 --threads "$threads" \
    --save "$dir/rows.bf16.t$threads.safetensors" --json > "$dir/rows.bf16.t$threads.json" 2> /dev/null
  "$encore" predict --model "$dir/rows.bf16.t$threads.safetensors" --pairs "$dir/ratings.csv" --out "$dir/rows.bf16.t$threads.tsv" > /dev/null
done
cmp -s "$dir/rows.bf16.t1.tsv" "$dir/rows.bf16.t2.tsv" || { echo "i-autorec bf16: --threads 1 and 2 predict differently"; exit 1; }
"$encore" train --model i-autorec --epochs 3 --data "$dir/ratings.csv" --save "$dir/rows.fp32.safetensors" --json > "$dir/rows.fp32.json" 2> /dev/null
"$encore" predict --model "$dir/rows.fp32.safetensors" --pairs "$dir/ratings.csv" --out "$dir/rows.fp32.tsv" > /dev/null
! cmp -s "$dir/rows.bf16.t1.tsv" "$dir/rows.fp32.tsv" || { echo "i-autorec: --precision bf16 changed nothing"; exit 1; }
python3 - "$dir" <<'PY'
import json, sys
fp32 = json.load(open(f"{sys.argv[1]}/rows.fp32.json")); bf16 = json.load(open(f"{sys.argv[1]}/rows.bf16.t2.json"))
assert abs(bf16["test_rmse"] - fp32["test_rmse"]) < 0.05, (fp32["test_rmse"], bf16["test_rmse"])
assert (fp32["precision"], bf16["precision"]) == ("fp32", "bf16"), (fp32["precision"], bf16["precision"])
PY
expect_error "The value 'fp16' is invalid for '--precision <precision>'" "$encore" train --model deep-ae --data "$dir/ratings.csv" --precision fp16
# An argument holding a line break ("\r\n" is one Swift Character) still gives one error line.
expect_error "Unexpected argument 'stray; see" "$encore" data info "$dir/ratings.csv" $'stray\r\nargument'
[ "$(wc -l < "$dir/err")" -eq 1 ] || { echo "an error echoing a line break took more than one line:"; cat "$dir/err"; exit 1; }
# Started as an MPI rank, but the MPI library cannot be loaded: the error names it.
expect_error "this process was started by an MPI launcher, but cannot load the MPI library /nonexistent/libmpi.so" \
  env OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 ENCORE_MPI_LIBRARY=/nonexistent/libmpi.so "$encore" train --model i-autorec --data "$dir/ratings.csv" --epochs 1
# Fold-in: a new user from a ratings file (or standard input), a known user with new ratings.
printf 'item,rating\n1,5\n2,4\n3,1\nno-such-item,4\n' > "$dir/new-user.csv"
"$encore" recommend --model "$dir/model.safetensors" --ratings "$dir/new-user.csv" -k 5 --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["recommendations"]) == 5 and d["unknown_items"] == ["no-such-item"] and d["folded_in_ratings"] == 3 and not d["fallback"], d'
printf '1\t5\n7\t2\n' | "$encore" recommend --model "$dir/model.safetensors" --ratings - --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["recommendations"]) == 10 and d["folded_in_ratings"] == 2, d'
"$encore" recommend --model "$dir/model.safetensors" --user 7 --ratings "$dir/new-user.csv" --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["user"] == "7" and d["folded_in_ratings"] > 3, d'
printf '' | "$encore" recommend --model "$dir/model.safetensors" --ratings - --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["fallback"] and len(d["recommendations"]) == 10, d'
printf 'x,4\ny,3\n' > "$dir/unknown.csv"
expect_error "none of the 2 rated items is known to the model (unknown: x, y)" "$encore" recommend --model "$dir/model.safetensors" --ratings "$dir/unknown.csv"
printf '1,4\n2,3\n1,5\n' > "$dir/twice.csv"
expect_error "twice.csv:3: item 1 is rated again (first at line 1)" "$encore" recommend --model "$dir/model.safetensors" --ratings "$dir/twice.csv"
printf '1,4\n2,11\n' > "$dir/scale.csv"
expect_error "scale.csv:2: rating 11.0 is outside the model's scale" "$encore" recommend --model "$dir/model.safetensors" --ratings "$dir/scale.csv"
"$encore" similar --model "$dir/model.safetensors" --item 1 -k 4 --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["similar"]) == 4 and d["representation"] == "item codes", d'
expect_error "unknown item ID 'nope'" "$encore" similar --model "$dir/model.safetensors" --item nope
"$encore" train --data "$dir/ratings.csv" --split users --epochs 20 --hidden 16 --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); h=d["held_out_users"]; assert h["mode"] == "fold-in" and h["users"] == 30 and h["rmse"] > 0, h'
"$encore" compare --data "$dir/ratings.csv" --models baseline,svd --held-out-users 0.1 --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert all(s["held_out_rmse"]["mean"] > 0 for s in d["summary"]), d["summary"]'

# Hardening (issue 12): no crash, no overwritten input, no late failure, no leftovers.
printf '1,1,5,1\n1,2,1e40,2\n' > "$dir/huge.csv"
expect_error "huge.csv:2: rating '1e40' does not fit a 32-bit float" "$encore" data info "$dir/huge.csv"
printf '1,1,5,1\n1,2,0x4,2\n' > "$dir/hex.csv"
expect_error "hex.csv:2: rating '0x4' is hexadecimal" "$encore" train --data "$dir/hex.csv"
expect_error "delimiter is empty" "$encore" train --data "$dir/ratings.csv" --delimiter ''
expect_error "need different columns" "$encore" train --data "$dir/ratings.csv" --columns 0,0,0
cp "$dir/ratings.csv" "$dir/keep.csv"
expect_error "is also this command's input" "$encore" train --data "$dir/ratings.csv" --save "$dir/ratings.csv"
cmp -s "$dir/ratings.csv" "$dir/keep.csv" || { echo "--save overwrote the training data"; exit 1; }
expect_error "is also this command's input" "$encore" predict --model "$dir/model.safetensors" --pairs "$dir/ratings.csv" --out "$dir/ratings.csv"
expect_error "is also this command's input" "$encore" export onnx --model "$dir/model.safetensors" --out "$dir/model.safetensors"
# A named pipe stands for devices such as /dev/full (same refusal), so that a broken guard
# can only replace this check's own pipe.
mkfifo "$dir/pipe"
expect_error "is not a regular file" "$encore" train --data "$dir/ratings.csv" --save "$dir/pipe"
[ -p "$dir/pipe" ] || { echo "--save replaced a named pipe with a regular file"; exit 1; }
start=$(date +%s)
expect_error "folder $dir/missing does not exist" "$encore" train --data "$dir/ratings.csv" --epochs 500 --plot "$dir/missing/curve.svg"
expect_error "cannot be created" "$encore" train --data "$dir/ratings.csv" --logdir "$dir/missing/logs"
expect_error "folder $dir/missing does not exist" "$encore" compare --data "$dir/ratings.csv" --models baseline --csv "$dir/missing/c.csv"
[ $(( $(date +%s) - start )) -lt 10 ] || { echo "bad output paths should fail before training"; exit 1; }
expect_error "needs about" "$encore" train --data "$dir/ratings.csv" --hidden 1000000000
touch "$dir/.ckpt.epoch9.safetensors.tmp-3999999"
"$encore" train --data "$dir/ratings.csv" --epochs 6 --patience 0 --hidden 8 --save "$dir/ckpt.safetensors" --save-every 1 --keep-checkpoints 2 > /dev/null 2>&1
[ "$(ls "$dir"/ckpt.epoch*.safetensors | wc -l)" -eq 2 ] || { echo "--keep-checkpoints 2 should leave 2 checkpoints:"; ls "$dir"; exit 1; }
[ ! -e "$dir/.ckpt.epoch9.safetensors.tmp-3999999" ] || { echo "a dead process's temporary file was not removed"; exit 1; }
expect_error "hidden must be at least 1" "$encore" train --data "$dir/ratings.csv" --hidden -5
expect_error "patience must be at least 0" "$encore" train --data "$dir/ratings.csv" --patience=-1
expect_error "k must be at least 1" "$encore" recommend --model "$dir/model.safetensors" --user 7 -k -3
expect_error "models names no model" "$encore" compare --data "$dir/ratings.csv" --models ''
expect_error "threshold must be a number" "$encore" compare --data "$dir/ratings.csv" --models baseline --threshold nan
printf '1,1,5,1\n' > "$dir/one.csv"
expect_error "the test part has no ratings" "$encore" train --data "$dir/one.csv" --model baseline
expect_error "plot draws learning curves" "$encore" train --data "$dir/ratings.csv" --model baseline --plot "$dir/b.svg"
expect_error "give --epochs above 6 to train further" "$encore" train --data "$dir/ratings.csv" --hidden 8 --epochs 3 --resume "$(ls "$dir"/ckpt.epoch*.safetensors | tail -1)"
"$encore" train --data "$dir/ratings.csv" --model svd --epochs 7 --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["epochs_run"] == 7 and d["seconds_per_epoch"] < d["train_seconds"], d'
tamper() {  # tamper IN OUT WHAT: a model file with one thing broken
  python3 - "$@" <<'PY'
import json, struct, sys
src, dst, what = sys.argv[1:4]
b = open(src, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
header, body = json.loads(b[8:8 + n]), bytearray(b[8 + n:])
meta = json.loads(header["__metadata__"]["encore"])
if what == "nan":
    # The network's decoder, also inside a model shrunk toward the baseline (member0.).
    start = header[next(k for k in header if k.endswith("decoder.weight"))]["data_offsets"][0]
    body[start:start + 4] = struct.pack("<f", float("nan"))
elif what == "scale":
    meta["scale"] = {"minimum": 5, "maximum": 1}
elif what == "kind":
    meta["kind"] = "svd"
    meta.pop("spec")
header["__metadata__"]["encore"] = json.dumps(meta)
text = json.dumps(header).encode()
open(dst, "wb").write(struct.pack("<Q", len(text)) + text + bytes(body))
PY
}
tamper "$dir/model.safetensors" "$dir/nan.safetensors" nan
expect_error "decoder.weight' holds a value that is not a finite number" "$encore" recommend --model "$dir/nan.safetensors" --user 7
tamper "$dir/model.safetensors" "$dir/scale.safetensors" scale
expect_error "is not a scale" "$encore" recommend --model "$dir/scale.safetensors" --user 7
tamper "$dir/model.safetensors" "$dir/kind.safetensors" kind
expect_error "the model kind in the metadata does not match the tensors" "$encore" recommend --model "$dir/kind.safetensors" --user 7
cat "$dir/ratings.csv" | "$encore" data info - --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ratings"] == 8000, d'
"$encore" data info <(cat "$dir/ratings.csv") --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ratings"] == 8000, d'
python3 -c 'import sys; r=open(sys.argv[1]).read().splitlines(); open(sys.argv[2], "w").write("\n".join([r[0]] + [",".join([l.split(",")[0], l.split(",")[1], l.split(",")[3], l.split(",")[2]]) for l in r[1:]]) + "\n")' "$dir/ratings.csv" "$dir/swapped.csv"
expect_error "swapped.csv:2: rating 1.37" "$encore" evaluate --model "$dir/model.safetensors" --test "$dir/swapped.csv"
printf 'movieId,userId,rating,timestamp\n' > "$dir/named.csv"; tail -n +2 "$dir/ratings.csv" | awk -F, '{print $2","$1","$3","$4}' >> "$dir/named.csv"
"$encore" evaluate --model "$dir/model.safetensors" --test "$dir/named.csv" --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_test"] == 8000 and d["n_test_unseen"] == 0, d'
# Data preparation (issue 13): bad lines skipped and counted, never silently; a rating scale;
# activity filters; a split written out and read back by train --train/--test.
printf 'user,item,rating\n1,10,4\n1,11,\n2,10,5\n2,11,abc\n3,12,11\n4,10,3\n' > "$dir/messy.csv"
expect_error "messy.csv:3: rating '' is not a finite number" "$encore" data info "$dir/messy.csv"
"$encore" data info "$dir/messy.csv" --drop-invalid --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ratings"] == 4 and d["skipped_lines"]["count"] == 2 and "messy.csv:3:" in d["skipped_lines"]["examples"][0], d'
printf 'user,item,rating\n1,10,4\n3,12,11\n' > "$dir/off-scale.csv"
expect_error "off-scale.csv:3: rating 11 is outside the rating scale --rating-scale gives (1–5)" "$encore" data info "$dir/off-scale.csv" --rating-scale 1,5
"$encore" data info "$dir/ratings.csv" --min-user-ratings 20 --min-item-ratings 20 --top 3 --users-csv "$dir/users.csv" --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["users_activity"]["min_ratings"] >= 20 and d["items_activity"]["min_ratings"] >= 20 and d["ratings"] < 8000 and len(d["users_activity"]["top"]) == 3, d["users_activity"]'
[ "$(head -1 "$dir/users.csv")" = "user,count,mean_rating" ] || { echo "bad users CSV"; exit 1; }
"$encore" data split --data "$dir/ratings.csv" --test-fraction 0.3 --out-train "$dir/tr.csv" --out-test "$dir/te.csv" --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_train"] == 5600 and d["n_test"] == 2400 and d["n_validation"] == 0, d'
"$encore" train --train "$dir/tr.csv" --test "$dir/te.csv" --model baseline --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_train"] == 5600 and d["n_test"] == 2400, d'
# Seed 003's line-up: a 70/30 holdout, per-model settings, labels that keep variants apart.
"$encore" compare --data "$dir/ratings.csv" --test-fraction 0.3 --models "baseline:epochs=3,svd:factors=20:epochs=5,deep-ae:preset=seed-003:layers=16,8:epochs=2" --validation-fraction 0 --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["models"] == ["baseline:epochs=3", "svd:factors=20:epochs=5", "deep-ae:preset=seed-003:layers=16,8:epochs=2"] and all(r["n_test"] == 2400 for r in d["runs"]), d'
expect_error "no rating is left after keeping users with at least 500" "$encore" data info "$dir/ratings.csv" --min-user-ratings 500
expect_error "factor is not a setting" "$encore" compare --data "$dir/ratings.csv" --models svd:factor=3
expect_error "--test-fraction sizes the random holdouts of --data" "$encore" compare --data "$dir/ratings.csv" --folds 3 --test-fraction 0.3
# Seed 004's wide table, written by pandas itself: refused as one rating per line, read with
# --layout wide --missing 0 into the same ratings as the long file it came from.
if python3 -c 'import pandas' 2> /dev/null; then
  python3 -c 'import pandas as pd, sys; r = pd.read_csv(sys.argv[1]); r.pivot_table(index="userId", columns="movieId", values="rating").fillna(0).to_csv(sys.argv[2])' "$dir/tr.csv" "$dir/wide.csv"
  expect_error "wide.csv:1: looks like a wide user × item table" "$encore" data info "$dir/wide.csv"
  expect_error "of the table's cells are 0" "$encore" data info "$dir/wide.csv" --layout wide
  "$encore" data info "$dir/wide.csv" --layout wide --missing 0 --json \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ratings"] == 5600, d["ratings"]'
elif [ -n "${CI:-}" ]; then
  echo "pandas is missing: .ci/run installs it"; exit 1
else
  echo "note: pandas is not installed; the wide-table check is skipped"
fi
# Tuning (issue 17): cross-validation on the training part; the winner trained and scored once.
"$encore" tune --model knn-baseline --grid "neighbours=5,40;similarity=msd,pearson-baseline" --data "$dir/ratings.csv" --cv-folds 3 \
  --out "$dir/best.json" --save "$dir/best.safetensors" --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["results"]; assert len(r) == 4 and all(len(x["fold_rmse"]) == 3 for x in r) and r[0]["rmse"]["mean"] <= r[-1]["rmse"]["mean"] and d["n_train"] == 7200 and d["final_test_rmse"] > 0, d'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["model"] == "knn-baseline" and set(d["settings"]) == {"neighbours", "similarity"}, d' "$dir/best.json"
"$encore" evaluate --model "$dir/best.safetensors" --test "$dir/ratings.csv" --json > /dev/null
expect_error "--grid part 'lamda=1,2' is not SETTING=VALUE" "$encore" tune --model i-autorec --grid "lamda=1,2" --data "$dir/ratings.csv"
# Ensembles and blends (issue 17): one model file with every member, which evaluates, folds in
# and recommends like any model; compare --blend adds a blend of the compared models.
"$encore" train --data "$dir/ratings.csv" --epochs 30 --hidden 16 --ensemble 3 --save "$dir/ensemble.safetensors" --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["model"] == "ensemble" and d["test_rmse"] < 1.5, d'
"$encore" train --data "$dir/ratings.csv" --model blend --members "i-autorec:hidden=16:epochs=30,svd:epochs=5,baseline" --validation-fraction 0.1 \
  --save "$dir/blend.safetensors" --json 2> /dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["model"] == "blend" and d["test_rmse"] < 1.5, d'
"$encore" evaluate --model "$dir/blend.safetensors" --test "$dir/ratings.csv" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["test_rmse"] < 1.5, d'
printf 'item,rating\n1,5\n2,4\n3,1\n' > "$dir/new-user.csv"
"$encore" recommend --model "$dir/ensemble.safetensors" --ratings "$dir/new-user.csv" -k 4 --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["recommendations"]) == 4, d'
"$encore" compare --data "$dir/ratings.csv" --folds 2 --models "svd:epochs=5,baseline" --blend --json 2> /dev/null \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["models"] == ["svd:epochs=5", "baseline", "blend"] and len(d["runs"]) == 6, d["models"]'
expect_error "--ensemble applies to models whose training depends on the seed" "$encore" train --data "$dir/ratings.csv" --model baseline --ensemble 3
expect_error "a blend fits its weights on the validation part, which is empty" "$encore" train --data "$dir/ratings.csv" --model blend --members svd,baseline --validation-fraction 0
expect_error "has a member that is not a network (svd)" "$encore" export onnx --model "$dir/blend.safetensors" --out "$dir/blend.onnx"
# The error contract: one line on standard error; 64 for a command line that does not parse.
set +e
"$encore" train --hidden abc > "$dir/out" 2> "$dir/err"; code=$?
set -e
[ "$code" -eq 64 ] && [ "$(wc -l < "$dir/err")" -eq 1 ] && grep -qF "error: The value 'abc' is invalid for '--hidden <hidden>'; see 'encore train --help'" "$dir/err" \
  || { echo "usage errors should be one line with exit 64 (got $code):"; cat "$dir/err"; exit 1; }
echo "command-line checks passed"
