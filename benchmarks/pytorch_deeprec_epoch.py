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
        [--threads 2] [--max-batches N]

RATINGS.csv is a MovieLens-style ratings.csv, e.g. from `encore data synth --like ml-20m`.
"""
import argparse, json, time
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
    p.add_argument("--max-batches", type=int, default=0, help="stop after N batches and extrapolate")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)

    t0 = time.time()
    with open(args.ratings, "rb") as f:
        f.readline()  # header
        raw = np.fromstring(f.read().replace(b"\n", b","), dtype=np.float64, sep=",").reshape(-1, 4)
    users, user_index = np.unique(raw[:, 0].astype(np.int64), return_inverse=True)
    items, item_index = np.unique(raw[:, 1].astype(np.int64), return_inverse=True)
    order = np.argsort(user_index, kind="stable")
    rows, cols, vals = user_index[order], item_index[order], raw[order, 2].astype(np.float32)
    starts = np.searchsorted(rows, np.arange(len(users) + 1))
    load_seconds = time.time() - t0

    n = len(items)
    model = AutoEncoder([n] + [int(s) for s in args.layers.split(",")], args.activation, not args.free,
                        args.dropout, not args.no_last_activation)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    model.train()
    permutation = np.random.default_rng(42).permutation(len(users))
    batches = [permutation[i:i + args.batch] for i in range(0, len(users), args.batch)]
    if args.max_batches:
        batches = batches[:args.max_batches]
    start = time.time()
    for batch in batches:
        index_rows, index_cols, values = [], [], []
        for k, u in enumerate(batch):
            s, e = starts[u], starts[u + 1]
            index_rows.append(np.full(e - s, k)); index_cols.append(cols[s:e]); values.append(vals[s:e])
        indices = torch.from_numpy(np.vstack([np.concatenate(index_rows), np.concatenate(index_cols)]).astype(np.int64))
        inputs = torch.sparse_coo_tensor(indices, torch.from_numpy(np.concatenate(values)), (len(batch), n)).to_dense()
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = masked_mse(outputs, inputs)
        loss.backward()
        optimizer.step()
        for _ in range(args.refeed):
            inputs = outputs.detach()
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = masked_mse(outputs, inputs)
            loss.backward()
            optimizer.step()
    seconds = time.time() - start
    full_batches = (len(users) + args.batch - 1) // args.batch
    print(json.dumps({
        "framework": "pytorch " + torch.__version__, "threads": torch.get_num_threads(), "users": len(users), "items": n,
        "ratings": len(vals), "layers": args.layers, "batch": args.batch, "refeed": args.refeed,
        "batches_timed": len(batches), "seconds_timed": seconds,
        "epoch_seconds": seconds * full_batches / len(batches), "load_seconds": load_seconds,
        "extrapolated": len(batches) < full_batches}))


if __name__ == "__main__":
    main()
