#!/usr/bin/env python3
"""The cost model of docs/SCALING.md: seconds per epoch of data-parallel training on N ranks
(one 2-core machine like the one the inputs were measured on, per rank), from figures measured
on one machine. Prints the markdown tables the document quotes.

    time(N) = compute / N + repeated + allreduce(N)
    allreduce(N) = steps * (2 (N-1) / N * payload / bandwidth + 2 (N-1) * latency)   (ring)

`compute` is the part of an epoch the ranks split (gradients); `repeated` is what every rank
does in full: the optimiser sweep over the summed gradient (its memory traffic at
MEMORY_BANDWIDTH) and validation. Bandwidth is the
link's line rate times an efficiency; latency is per message hop.
"""

MEMORY_BANDWIDTH = 15e9  # bytes/s of an optimiser sweep on this machine (STREAM-like, ../shared/research)

WORKLOADS = [
    # epoch: one-process seconds (measured); steps: optimiser steps per epoch; payload: bytes
    # all-reduced per step; updated: parameters each step updates; state_bytes: bytes each
    # updated parameter moves (Adam: read w, m, v, g and write w, m, v = 28; momentum: 20);
    # validation: seconds of the per-epoch validation pass (every rank runs it in full).
    dict(name="I-AutoRec, ML-20M shape", epoch=11.0, steps=7, payload=3.81e9 / 7,
         updated=138_493 * 1001, state_bytes=28, validation=0.7),
    dict(name="I-AutoRec, Netflix shape", epoch=52.0, steps=5, payload=480_189 * 1001 * 4,
         updated=480_189 * 1001, state_bytes=28, validation=3.0),
    dict(name="deep-ae seed-003, ML-20M shape", epoch=246.0, steps=1082 * 2, payload=14.5e6 * 4,
         updated=14.5e6, state_bytes=28, validation=2.0),
    dict(name="deep-ae nvidia-netflix, Netflix shape", epoch=None, steps=3752 * 2, payload=19.8e6 * 4,
         updated=19.8e6, state_bytes=20, validation=10.0),
]

LINKS = [("10 Gbit/s", 1.25e9 * 0.8, 30e-6), ("100 Gbit/s", 12.5e9 * 0.8, 5e-6)]
RANKS = [1, 2, 4, 8, 16, 32, 64]


def epoch_seconds(w, n, bandwidth, latency):
    if n == 1:
        return w["epoch"]
    repeated = repeated_seconds(w)
    compute = max(w["epoch"] - repeated, 0)
    allreduce = w["steps"] * (2 * (n - 1) / n * w["payload"] / bandwidth + 2 * (n - 1) * latency)
    return compute / n + repeated + allreduce


def repeated_seconds(w):
    """What every rank does in full: the optimiser sweep over the summed gradient, and validation."""
    return w["steps"] * w["updated"] * w["state_bytes"] / MEMORY_BANDWIDTH + w["validation"]


def main(deep_netflix_epoch=None):
    if deep_netflix_epoch:
        WORKLOADS[3]["epoch"] = deep_netflix_epoch
    for w in WORKLOADS:
        if w["epoch"] is None:
            continue
        gb = w["steps"] * w["payload"] / 1e9
        print(f"\n**{w['name']}**: {w['epoch']:.0f} s per epoch on one machine, {w['steps']} steps, "
              f"{w['payload'] / 1e6:.0f} MB per step, {gb:.1f} GB all-reduced per rank per epoch; "
              f"every rank repeats {repeated_seconds(w):.1f} s (optimiser sweep and validation).\n")
        print("| ranks | " + " | ".join(f"{name}: s/epoch (speed-up)" for name, _, _ in LINKS) + " |")
        print("|---|" + "---|" * len(LINKS))
        for n in RANKS:
            cells = []
            for _, bandwidth, latency in LINKS:
                t = epoch_seconds(w, n, bandwidth, latency)
                cells.append(f"{t:.1f} ({w['epoch'] / t:.1f}x)")
            print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    import sys
    main(float(sys.argv[1]) if len(sys.argv) > 1 else None)
