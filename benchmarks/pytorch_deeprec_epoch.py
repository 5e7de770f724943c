"""Times one epoch of a DeepRecommender-style deep autoencoder in PyTorch on the CPU, for a
side-by-side comparison with `encore bench epoch --model deep-ae`.

The model and the training step follow NVIDIA/DeepRecommender's reco_encoder/model/model.py
and run.py: Xavier-uniform weights, zero biases, the activation on every layer (the last
optional), dropout on the code, tied ("constrained") decoder weights, masked MSE divided by
the number of ratings, and dense re-feeding (the output, detached, is the next input and the
target), with one optimiser step per pass. Batches are dense rows built from a sparse matrix,
as DeepRecommender's data layer does.

    python3 benchmarks/pytorch_deeprec_epoch.py RATINGS.csv [--layers 512,512,1024] [--batch 128]
        [--refeed 1] [--dropout 0.65] [--lr 1e-4] [--activation selu] [--no-last-activation]
        [--threads 2] [--warmup 2] [--max-batches N] [--columns N] [--optimizer adam|momentum]

RATINGS.csv is a MovieLens-style ratings.csv, e.g. from `encore data synth --like ml-20m`.

As lean as PyTorch allows on a CPU, so that the comparison flatters nobody:
- OMP_WAIT_POLICY=ACTIVE (set before torch loads, unless the caller set it): OpenMP workers
  spin between the many short kernels instead of sleeping;
- the ratings are held as CSR tensors and each batch is densified with one index_put, what a
  lean DataLoader collate would do (no COO tensor, no Python loop per rating);
- Adam is the fused CPU kernel when this PyTorch has it (foreach otherwise);
- `--warmup` batches run first and are not timed (allocator and thread-pool start-up).
"""
import argparse, json, os, time
os.environ.setdefault("OMP_WAIT_POLICY", "ACTIVE")
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def activation(x, kind):
    return {"selu": F.selu, "relu": F.relu, "elu": F.elu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
            "identity": lambda t: t}[kind](x)


class AutoEncoder(nn.Module):
    def __init__(self, sizes, kind, constrained, dropout, last_activation):
        super().__init__()
        self.kind, self.constrained, self.last_activation = kind, constrained, last_activation
        self.encode_w = nn.ParameterList([nn.Parameter(torch.empty(sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)])
        for w in self.encode_w:
            nn.init.xavier_uniform_(w)
        self.encode_b = nn.ParameterList([nn.Parameter(torch.zeros(sizes[i + 1])) for i in range(len(sizes) - 1)])
        rev = list(reversed(sizes))
        if not constrained:
            self.decode_w = nn.ParameterList([nn.Parameter(torch.empty(rev[i + 1], rev[i])) for i in range(len(rev) - 1)])
            for w in self.decode_w:
                nn.init.xavier_uniform_(w)
        self.decode_b = nn.ParameterList([nn.Parameter(torch.zeros(rev[i + 1])) for i in range(len(rev) - 1)])
        self.drop = nn.Dropout(dropout) if dropout > 0 else None

    def forward(self, x):
        for w, b in zip(self.encode_w, self.encode_b):
            x = activation(F.linear(x, w, b), self.kind)
        if self.drop is not None:
            x = self.drop(x)
        n = len(self.decode_b)
        for i in range(n):
            w = self.encode_w[n - 1 - i].t() if self.constrained else self.decode_w[i]
            kind = self.kind if (i < n - 1 or self.last_activation) else "identity"
            x = activation(F.linear(x, w, self.decode_b[i]), kind)
        return x


def masked_mse(outputs, targets):
    mask = (targets != 0).float()
    count = mask.sum()
    return ((outputs * mask - targets) ** 2).sum() / count.clamp(min=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ratings")
    p.add_argument("--layers", default="512,512,1024")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--refeed", type=int, default=1)
    p.add_argument("--dropout", type=float, default=0.65)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--activation", default="selu")
    p.add_argument("--no-last-activation", action="store_true")
    p.add_argument("--free", action="store_true", help="free decoder weights (default: tied)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-batches", type=int, default=0, help="time N batches (after the warm-up) and extrapolate")
    p.add_argument("--warmup", type=int, default=2, help="untimed batches first")
    p.add_argument("--columns", type=int, default=0, help="at least this many input columns (a synthetic shape's item count)")
    p.add_argument("--optimizer", choices=["adam", "momentum"], default="adam")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)

    t0 = time.time()
    raw = np.loadtxt(args.ratings, delimiter=",", skiprows=1, usecols=(0, 1, 2), dtype=np.float64)
    users, user_index = np.unique(raw[:, 0].astype(np.int64), return_inverse=True)
    items, item_index = np.unique(raw[:, 1].astype(np.int64), return_inverse=True)
    order = np.argsort(user_index, kind="stable")
    rows = user_index[order]
    cols = torch.from_numpy(item_index[order].astype(np.int64))
    vals = torch.from_numpy(raw[order, 2].astype(np.float32))
    starts = np.searchsorted(rows, np.arange(len(users) + 1))
    load_seconds = time.time() - t0

    n = max(len(items), args.columns)
    model = AutoEncoder([n] + [int(s) for s in args.layers.split(",")], args.activation, not args.free,
                        args.dropout, not args.no_last_activation)
    if args.optimizer == "adam":
        try:
            optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, fused=True)
            adam_kind = "fused"
        except (RuntimeError, TypeError, ValueError):
            optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, foreach=True)
            adam_kind = "foreach"
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
        adam_kind = None
    model.train()
    permutation = np.random.default_rng(42).permutation(len(users))
    batches = [permutation[i:i + args.batch] for i in range(0, len(users), args.batch)]
    timed = batches[args.warmup:]
    if args.max_batches:
        timed = timed[:args.max_batches]

    def densify(batch):
        lengths = starts[batch + 1] - starts[batch]
        take = torch.from_numpy(np.concatenate([np.arange(starts[u], starts[u + 1]) for u in batch]))
        row_ids = torch.repeat_interleave(torch.arange(len(batch)), torch.from_numpy(lengths))
        dense = torch.zeros(len(batch), n)
        dense.index_put_((row_ids, cols[take]), vals[take])
        return dense

    def train_batch(batch):
        inputs = densify(batch)
        optimizer.zero_grad(set_to_none=True)
        outputs = model(inputs)
        loss = masked_mse(outputs, inputs)
        loss.backward()
        optimizer.step()
        for _ in range(args.refeed):
            inputs = outputs.detach()
            optimizer.zero_grad(set_to_none=True)
            outputs = model(inputs)
            loss = masked_mse(outputs, inputs)
            loss.backward()
            optimizer.step()

    for batch in batches[:args.warmup]:
        train_batch(batch)
    start = time.time()
    for batch in timed:
        train_batch(batch)
    seconds = time.time() - start
    full_batches = (len(users) + args.batch - 1) // args.batch
    print(json.dumps({
        "framework": "pytorch " + torch.__version__, "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "optimizer": args.optimizer, "adam": adam_kind,
        "users": len(users), "items": n, "ratings": len(vals), "layers": args.layers, "batch": args.batch,
        "refeed": args.refeed, "warmup_batches": args.warmup, "batches_timed": len(timed), "seconds_timed": seconds,
        "seconds_per_batch": seconds / max(1, len(timed)),
        "epoch_seconds": seconds * full_batches / max(1, len(timed)), "load_seconds": load_seconds,
        "extrapolated": len(timed) < full_batches}))


if __name__ == "__main__":
    main()
