#!/usr/bin/env bash
# Encore's deep autoencoder against a lean PyTorch, side by side in one run: seed 003's
# architecture (n,512,512,1024 selu, tied, code dropout 0.65, re-feed 1, batch 128, Adam 1e-4,
# users as rows) on the ML-20M shape (26,744 items), rounds alternating PyTorch, Encore fp32 and
# Encore bf16 so that all three see the same machine phases.
#
#   bash benchmarks/deep-ae-vs-pytorch.sh [ENCORE]      (default .build/release/encore)
#   ROUNDS=3 FRACTION=0.1 BATCHES=30 THREADS=2 bash benchmarks/deep-ae-vs-pytorch.sh
#
# Both time batches of the same synthetic shape: FRACTION of ML-20M's users and ratings, every
# item (the cost of a batch does not depend on how many users there are). PyTorch times BATCHES
# batches after 2 untimed warm-up batches (benchmarks/pytorch_deeprec_epoch.py); Encore times
# a whole epoch of that shape, warm-up included (`encore bench epoch --fraction`). Both are
# then scaled to ML-20M's 1,082 batches. Needs python3 with torch and numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
ENCORE=${1:-.build/release/encore}
ROUNDS=${ROUNDS:-3}
FRACTION=${FRACTION:-0.1}
BATCHES=${BATCHES:-30}
THREADS=${THREADS:-2}
OUT=${OUT:-.data/deep-ae-vs-pytorch}
mkdir -p "$OUT"
python3 -c "import torch, numpy" 2>/dev/null || { echo "needs python3 with torch and numpy (pip install torch numpy)" >&2; exit 2; }

read -r USERS RATINGS < <(python3 -c "print(round(138493 * $FRACTION), round(20000263 * $FRACTION))")
DATA="$OUT/ratings-$FRACTION.csv"
[ -s "$DATA" ] || "$ENCORE" data synth --out "$DATA" --users "$USERS" --items 26744 --ratings "$RATINGS" --scale 0.5-5 --step 0.5 >/dev/null

BF16=$("$ENCORE" bench epoch --help | grep -q -- --precision && echo yes || echo no)
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: pytorch" >&2
  python3 benchmarks/pytorch_deeprec_epoch.py "$DATA" --columns 26744 --max-batches "$BATCHES" --threads "$THREADS" > "$OUT/pytorch-$round.json"
  echo "round $round: encore fp32" >&2
  "$ENCORE" bench epoch --model deep-ae --fraction "$FRACTION" --gemm builtin --threads "$THREADS" --json > "$OUT/encore-fp32-$round.json"
  if [ "$BF16" = yes ]; then
    echo "round $round: encore bf16" >&2
    "$ENCORE" bench epoch --model deep-ae --fraction "$FRACTION" --precision bf16 --threads "$THREADS" --json > "$OUT/encore-bf16-$round.json"
  fi
done

python3 - "$OUT" "$ROUNDS" "$USERS" <<'EOF'
import json, math, statistics, sys
out, rounds, users = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
full_batches = math.ceil(138493 / 128)
shape_batches = math.ceil(users / 128)
def load(name):
    try:
        return [json.load(open(f"{out}/{name}-{r}.json")) for r in range(1, rounds + 1)]
    except FileNotFoundError:
        return None
pytorch = [d["seconds_per_batch"] * full_batches for d in load("pytorch")]
rows = {"pytorch": pytorch}
for kind in ["fp32", "bf16"]:
    runs = load(f"encore-{kind}")
    if runs:
        rows[f"encore {kind} ({runs[0]['precision']} products)"] = [d["seconds_per_epoch"] / shape_batches * full_batches for d in runs]
base = statistics.median(pytorch)
print(f"seconds per ML-20M-shaped epoch ({full_batches} batches), {rounds} alternating rounds:")
result = {"full_batches": full_batches, "rounds": rounds, "rows": []}
for name, values in rows.items():
    med = statistics.median(values)
    print(f"  {name:34} " + "  ".join(f"{v:6.1f}" for v in values) + f"   median {med:6.1f} s   speed-up over pytorch {base / med:4.2f}x")
    result["rows"].append({"name": name, "seconds": values, "median": med, "speedup_over_pytorch": base / med})
json.dump(result, open(f"{out}/summary.json", "w"), indent=1)
EOF
