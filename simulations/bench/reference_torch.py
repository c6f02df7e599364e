"""PyTorch side of `npm run bench:reference`: FedAvg and FedETF written independently of GeoFed, under GeoFed's
protocol, started from GeoFed's exported partition and initial weights.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 simulations/bench/reference_torch.py \
         --method fedetf --partition partition.json --init init.safetensors --classifier etf.safetensors \
         --seed 0 --rounds 20
Prints one JSON line: {"torch": version, "method", "seed", "rounds": [{"round", "testAccuracy", "testLoss", "seconds"}]}.

The protocol (keep in step with GeoFed, see simulations/bench/reference.ts): Fashion-MNIST scaled to [0, 1], MLP
784-200-200 (ReLU) giving z, every client in every round, 1 local epoch of plain SGD (lr 0.05, batch 32, the last
partial batch included, a fresh shuffle per client and round), mean cross-entropy, sample-weighted FedAvg of every
trained parameter. fedetf: z -> linear projection (128) -> L2 normalisation -> times a learnable scalar temperature
-> the frozen simplex ETF, trained with balanced softmax (logits + log of the client's class prior, the prior of a
class bounded at `--prior-bound` nats below the client's largest class).
"""
import argparse
import gzip
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion_mnist(folder):
    def split(prefix):
        x = read_idx(f"{folder}/{prefix}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0
        y = read_idx(f"{folder}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)

    return split("train"), split("t10k")


def read_safetensors(path):
    """The safetensors layout: an 8-byte little-endian header length, a JSON header, then the raw tensors."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        values = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=8 + header_len + start)
        tensors[name] = torch.from_numpy(values.reshape(info["shape"]).copy())
    return tensors


class Model:
    """Parameters as a dict of leaf tensors named as in GeoFed's weights file; dense kernels are [in, out]."""

    def __init__(self, params, classifier):
        self.params = params
        self.classifier = classifier

    def embed(self, x):
        h = torch.relu(x @ self.params["backbone/dense0/kernel"] + self.params["backbone/dense0/bias"])
        return torch.relu(h @ self.params["backbone/dense1/kernel"] + self.params["backbone/dense1/bias"])

    def classify(self, z):
        p = self.params
        if self.classifier is None:
            return z @ p["head/dense/kernel"] + p["head/dense/bias"]
        projected = z @ p["head/projection/kernel"] + p["head/projection/bias"]
        unit = projected / (projected.norm(dim=1, keepdim=True) + 1e-12)
        return (unit @ self.classifier) * p["head/temperature"]

    def logits(self, x):
        return self.classify(self.embed(x))


def log_prior(counts, bound):
    total = counts.sum()
    logs = torch.log(torch.clamp(counts, min=1e-12) / total)
    return torch.clamp(logs, min=float(logs.max()) - bound)


def train_client(global_params, classifier, x, y, args, generator):
    params = {name: value.clone().requires_grad_(True) for name, value in global_params.items()}
    model = Model(params, classifier)
    optimizer = torch.optim.SGD(params.values(), lr=args.lr)
    prior = log_prior(torch.bincount(y, minlength=10).double(), args.prior_bound).float() if classifier is not None else None
    order = torch.randperm(len(y), generator=generator)
    for start in range(0, len(y), args.batch_size):
        batch = order[start:start + args.batch_size]
        logits = model.logits(x[batch])
        if prior is not None:
            logits = logits + prior
        loss = F.cross_entropy(logits, y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {name: value.detach() for name, value in params.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", choices=["fedavg", "fedetf"], required=True)
    parser.add_argument("--partition", required=True, help='JSON {"clients": [[train indices], ...]}')
    parser.add_argument("--init", required=True, help="GeoFed weights file (safetensors) to start from")
    parser.add_argument("--classifier", help="safetensors file with the fixed classifier `classifier` [dim, K] (fedetf)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the local shuffles")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--prior-bound", type=float, default=3.0)
    parser.add_argument("--data", default=FASHION_MNIST)
    args = parser.parse_args()
    torch.set_num_threads(1)

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(args.data)
    with open(args.partition) as f:
        clients = [torch.tensor(indices, dtype=torch.long) for indices in json.load(f)["clients"]]
    params = read_safetensors(args.init)
    classifier = None
    if args.method == "fedetf":
        if not args.classifier:
            raise SystemExit("fedetf needs --classifier (the fixed ETF GeoFed exported)")
        classifier = read_safetensors(args.classifier)["classifier"]
    generator = torch.Generator().manual_seed(args.seed)

    rounds = []
    for r in range(1, args.rounds + 1):
        started = time.perf_counter()
        updates = [(train_client(params, classifier, x_train[c], y_train[c], args, generator), len(c)) for c in clients]
        total = sum(n for _, n in updates)
        params = {name: sum(u[name] * (n / total) for u, n in updates) for name in params}
        with torch.no_grad():
            logits = Model(params, classifier).logits(x_test)
            accuracy = (logits.argmax(1) == y_test).float().mean().item()
            loss = F.cross_entropy(logits, y_test).item()
        rounds.append({"round": r, "testAccuracy": accuracy, "testLoss": loss, "seconds": time.perf_counter() - started})
        print(f"round {r}/{args.rounds}: test accuracy {100 * accuracy:.2f}%", file=sys.stderr, flush=True)
    print(json.dumps({"torch": torch.__version__, "method": args.method, "seed": args.seed, "rounds": rounds}))


if __name__ == "__main__":
    main()
