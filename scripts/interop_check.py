"""Checks Encore's artefacts with the tools their users open them with:
1. safetensors.numpy.load_file reads an Encore model, and numpy applying those weights
   reproduces Encore's outputs to 1e-5;
2. onnx.checker accepts the exported model and onnxruntime reproduces Encore's outputs to 1e-5,
   for I-AutoRec and for a tied deep autoencoder;
3. TensorBoard's event reader lists the expected tags with one value per epoch;
4. a run resumed from a --save-every checkpoint ends with exactly the weights of an
   uninterrupted run;
5. the learning-curve and comparison SVGs are well-formed;
6. an ensemble's ONNX graph and its members' safetensors weights reproduce Encore's outputs;
7. so do a network shrunk toward the bias baseline: w·network + (1 − w)·(μ + b_u + b_i), the
   item's bias computed from its rating vector as the graph does.

    python3 scripts/interop_check.py ENCORE_BINARY
"""
import json, os, subprocess, sys, tempfile
import xml.etree.ElementTree as ET
import numpy as np

encore = sys.argv[1] if len(sys.argv) > 1 else ".build/release/encore"
work = tempfile.mkdtemp(prefix="encore-interop-")


def run(*args):
    subprocess.run([encore, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def act(name, x):
    return {"identity": lambda v: v, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0),
            "tanh": np.tanh, "elu": lambda v: np.where(v > 0, v, np.exp(v) - 1),
            "selu": lambda v: 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * (np.exp(v) - 1))}[name](x)


def autorec(config, tensors, x, prefix=""):
    """An AutoRec network's output for the rating vectors x, from its safetensors weights."""
    h = act(config["encoderActivation"], x @ tensors[prefix + "encoder.weight"].T + tensors[prefix + "encoder.bias"])
    return act(config["decoderActivation"], h @ tensors[prefix + "decoder.weight"].T + tensors[prefix + "decoder.bias"])


ratings = os.path.join(work, "ratings.csv")
run("data", "synth", "--out", ratings, "--users", "200", "--items", "150", "--ratings", "6000")
models = {
    "i-autorec": ["--model", "i-autorec", "--hidden", "24", "--epochs", "6", "--plateau-factor", "0.5", "--plateau-patience", "1",
                  "--no-shrink"],
    "deep-ae": ["--model", "deep-ae", "--preset", "seed-003", "--layers", "16,12,8", "--epochs", "4", "--batch-size", "32",
                "--learning-rate", "0.001"],
}
from safetensors.numpy import load_file
import onnx, onnxruntime as ort

failures = []
for name, options in models.items():
    model = os.path.join(work, name + ".safetensors")
    logdir = os.path.join(work, "logs-" + name)
    plot = os.path.join(work, name + ".svg")
    out = subprocess.run([encore, "train", "--data", ratings, *options, "--save", model, "--logdir", logdir, "--plot", plot,
                          "--summary-frequency", "1", "--log-histograms", "--json"], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    onnx_path = os.path.join(work, name + ".onnx")
    sample_path = os.path.join(work, name + ".json")
    run("export", "onnx", "--model", model, "--out", onnx_path, "--sample", sample_path)
    sample = json.load(open(sample_path))
    x = np.array(sample["inputs"], dtype=np.float32)
    expected = np.array(sample["outputs"], dtype=np.float32)

    # 1. safetensors + numpy.
    tensors = load_file(model)
    import struct
    with open(model, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    description = json.loads(header["__metadata__"]["encore"])
    if name == "i-autorec":
        y = autorec(description["configuration"], tensors, x)
    else:
        config = description["deepConfiguration"]
        depth = len(config["hiddenLayers"])
        a = config["activation"]
        h = x
        for l in range(depth):
            h = act(a, h @ tensors[f"encoder.{l}.weight"].T + tensors[f"encoder.{l}.bias"])
        for j in range(depth):
            w = tensors[f"encoder.{depth - 1 - j}.weight"]  # tied: [out_enc, in_enc] = decoder's [in, out]
            z = h @ w + tensors[f"decoder.{j}.bias"]
            last = j == depth - 1
            h = z if (last and not config["lastLayerActivation"]) else act(config.get("decoderActivation") or a, z)
        y = h
    err = np.abs(y - expected).max()
    print(f"{name}: numpy with safetensors weights vs Encore: max |diff| = {err:.2e}")
    if not np.allclose(y, expected, rtol=1e-5, atol=1e-5):
        failures.append(f"{name}: numpy/safetensors differs from Encore by {err}")

    # 2. ONNX.
    onnx.checker.check_model(onnx.load(onnx_path), full_check=True)
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    got = session.run(None, {"ratings": x})[0]
    got1 = session.run(None, {"ratings": x[:3]})[0]  # a different batch size: the batch dimension is dynamic
    err = np.abs(got - expected).max()
    print(f"{name}: onnxruntime vs Encore on {len(x)} rows: max |diff| = {err:.2e}")
    if not np.allclose(got, expected, rtol=1e-5, atol=1e-5) or not np.allclose(got1, expected[:3], rtol=1e-5, atol=1e-5):
        failures.append(f"{name}: onnxruntime differs from Encore by {err}")
    if name == "deep-ae":
        initializer_names = [i.name for i in onnx.load(onnx_path).graph.initializer]
        if any(n.startswith("decoder") and n.endswith("weight") for n in initializer_names):
            failures.append("tied deep autoencoder exported separate decoder weights")

    # 3. TensorBoard.
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    accumulator = EventAccumulator(logdir)
    accumulator.Reload()
    tags = set(accumulator.Tags()["scalars"])
    wanted = {"Training_RMSE_per_epoch", "EVALUATION_RMSE", "Epoch_time", "Training_RMSE", "Learning_rate"}
    # Encore's per-epoch norms (parameter names with dots); the seed's per-step ones follow.
    norms = [t for t in tags if (t.startswith("Variables/FrobNorm/") or t.startswith("Gradients/FrobNorm/")) and "." in t]
    if not wanted <= tags or not any(t.startswith("Variables/FrobNorm/") for t in norms) \
            or not any(t.startswith("Gradients/FrobNorm/") for t in norms):
        failures.append(f"{name}: TensorBoard tags {sorted(tags)} lack some of {sorted(wanted)} or the norms")
    if len(accumulator.Scalars("Training_RMSE")) < report["epochs_run"]:
        failures.append(f"{name}: Training_RMSE is not logged per step interval")
    for tag in ["Training_RMSE_per_epoch", "EVALUATION_RMSE", "Epoch_time", "Learning_rate", *norms]:
        values = accumulator.Scalars(tag) if tag in tags else []
        if len(values) != report["epochs_run"]:
            failures.append(f"{name}: {tag} has {len(values)} values for {report['epochs_run']} epochs")
    # Seed 003's log_var_and_grad_summaries: every parameter's norms at every summary step,
    # under DeepRecommender's names, and its histograms (log_histograms=True).
    steps = len(accumulator.Scalars("Training_RMSE"))
    seed_names = ["Encode_W_0", "Encode_b_0", "Decode_b_0"] + (["Decode_W_0"] if name == "i-autorec" else [])
    for parameter in seed_names:
        for tag in (f"Variable/FrobNorm/{parameter}", f"Gradients/FrobNorm/{parameter}"):
            values = accumulator.Scalars(tag) if tag in tags else []
            if len(values) != steps or not all(np.isfinite(v.value) for v in values):
                failures.append(f"{name}: {tag} has {len(values)} finite values for {steps} summary steps")
    histograms = set(accumulator.Tags()["histograms"])
    weights = load_file(model)
    for parameter, key in [("Encode_W_0", "encoder.weight" if name == "i-autorec" else "encoder.0.weight")]:
        for tag in (f"Variables/{parameter}", f"Gradients/{parameter}"):
            if tag not in histograms:
                failures.append(f"{name}: no histogram {tag} in {sorted(histograms)}")
        h = accumulator.Histograms(f"Variables/{parameter}")[-1].histogram_value if f"Variables/{parameter}" in histograms else None
        if h is not None and (h.num != weights[key].size or sum(h.bucket) != h.num):
            failures.append(f"{name}: histogram of {parameter} counts {h.num} values, the weight has {weights[key].size}")
    if name == "deep-ae" and any(t.startswith("Variable/FrobNorm/Decode_W") for t in tags):
        failures.append("deep-ae: a tied decoder logged Decode_W norms (the seed logs them only when not constrained)")
    print(f"{name}: TensorBoard tags {sorted(tags)}; {report['epochs_run']} epochs")

    # 4. The plot parses as SVG.
    root = ET.parse(plot).getroot()
    if not root.tag.endswith("svg"):
        failures.append(f"{name}: {plot} is not SVG")

# Resume: 6 epochs straight, against 3 epochs + a checkpoint + 3 more.
for name, options in models.items():
    straight, part, resumed = (os.path.join(work, f"{name}-{k}.safetensors") for k in ("straight", "part", "resumed"))
    common = ["train", "--data", ratings, *options, "--epochs", "6", "--patience", "0"]
    run(*common, "--save", straight)
    run("train", "--data", ratings, *options, "--epochs", "3", "--patience", "0", "--save", part, "--save-every", "3")
    run(*common, "--resume", part.replace(".safetensors", ".epoch3.safetensors"), "--save", resumed)
    a, b = load_file(straight), load_file(resumed)
    names = [k for k in a if not k.startswith("train.")]
    same = all(np.array_equal(a[k], b[k]) for k in names) and set(names) == {k for k in b if not k.startswith("train.")}
    print(f"{name}: resumed run's weights equal the uninterrupted run's: {same}")
    if not same:
        failures.append(f"{name}: resumed weights differ")

# An ensemble exports as one ONNX graph that runs every member and averages their outputs;
# numpy averaging the members' safetensors weights must agree with it and with Encore.
ensemble = os.path.join(work, "ensemble.safetensors")
run("train", "--data", ratings, "--model", "i-autorec", "--hidden", "16", "--epochs", "4", "--ensemble", "3", "--no-shrink", "--save", ensemble)
run("export", "onnx", "--model", ensemble, "--out", ensemble + ".onnx", "--sample", ensemble + ".json")
sample = json.load(open(ensemble + ".json"))
x = np.array(sample["inputs"], dtype=np.float32)
expected = np.array(sample["outputs"], dtype=np.float32)
tensors = load_file(ensemble)
with open(ensemble, "rb") as f:
    import struct
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
members = json.loads(header["__metadata__"]["encore"])["members"]
weights = tensors["ensemble.combiner"]
y = np.full_like(expected, weights[0])
for m, fields in enumerate(members):
    y += weights[m + 1] * autorec(fields["configuration"], tensors, x, f"member{m}.")
onnx.checker.check_model(onnx.load(ensemble + ".onnx"), full_check=True)
got = ort.InferenceSession(ensemble + ".onnx", providers=["CPUExecutionProvider"]).run(None, {"ratings": x})[0]
print(f"ensemble of 3: numpy vs Encore max |diff| = {np.abs(y - expected).max():.2e}, onnxruntime vs Encore {np.abs(got - expected).max():.2e}")
if len(members) != 3 or not np.allclose(weights[1:], 1 / 3):
    failures.append(f"ensemble: {len(members)} members with weights {weights}")
if not np.allclose(y, expected, rtol=1e-5, atol=1e-5) or not np.allclose(got, expected, rtol=1e-5, atol=1e-5):
    failures.append("ensemble: numpy or onnxruntime differs from Encore")

# A network shrunk toward the baseline exports as one graph: w·I-AutoRec + (1 − w)·baseline,
# whose item bias the graph computes from the item's ratings x in closed form given the user
# biases: b_i = Σ_rated (x − μ − b_u) / (10 + #rated).
shrunk = os.path.join(work, "shrunk.safetensors")
report = json.loads(subprocess.run([encore, "train", "--data", ratings, "--model", "i-autorec", "--hidden", "16", "--epochs", "3",
                                    "--save", shrunk, "--json"], check=True, capture_output=True, text=True).stdout)
run("export", "onnx", "--model", shrunk, "--out", shrunk + ".onnx", "--sample", shrunk + ".json")
sample = json.load(open(shrunk + ".json"))
x = np.array(sample["inputs"], dtype=np.float32)
expected = np.array(sample["outputs"], dtype=np.float32)
tensors = load_file(shrunk)
with open(shrunk, "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
config = json.loads(header["__metadata__"]["encore"])["members"][0]["configuration"]
intercept, w, wb = tensors["ensemble.combiner"]
network = autorec(config, tensors, x, "member0.")
base = tensors["member1.bias_model.global_mean"][0] + tensors["member1.bias_model.user_bias"]
rated = (x != 0).astype(np.float32)
row_bias = ((x - rated * base).sum(axis=1, keepdims=True)) / (10 + rated.sum(axis=1, keepdims=True))
y = intercept + w * network + wb * (base + row_bias)
onnx.checker.check_model(onnx.load(shrunk + ".onnx"), full_check=True)
got = ort.InferenceSession(shrunk + ".onnx", providers=["CPUExecutionProvider"]).run(None, {"ratings": x})[0]
weight = (report["shrink"] or {}).get("weight", 1)
print(f"i-autorec shrunk by w = {weight:.3f}: numpy vs Encore max |diff| = {np.abs(y - expected).max():.2e}, onnxruntime vs Encore {np.abs(got - expected).max():.2e}")
if not weight < 1 or abs(w - weight) > 1e-6:
    failures.append(f"shrink: the set-up must shrink (weight {weight}, combiner {w})")
if not np.allclose(y, expected, rtol=1e-5, atol=1e-5) or not np.allclose(got, expected, rtol=1e-5, atol=1e-5):
    failures.append("shrink: numpy or onnxruntime differs from Encore")

chart = os.path.join(work, "compare.svg")
run("compare", "--data", ratings, "--models", "baseline,svd,i-autorec", "--folds", "3", "--plot", chart)
ET.parse(chart)
print("compare chart parses as SVG")

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    print(f"0 passed, {len(failures)} failed")
    sys.exit(1)
print("interop checks passed")
