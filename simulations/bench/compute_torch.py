"""PyTorch side of `npm run bench:compute`: the same models, batch and SGD steps as computeWorkload.ts, on one thread.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 simulations/bench/compute_torch.py <model,...>
Prints one JSON line: {"torch": version, "threads": n, "models": {name: {"ok", "samplesPerSecond", "steps", "params"}}}.
Keep BATCH, the step counts and the architectures in step with computeWorkload.ts.
"""
import json
import sys
import time

import torch
from torch import nn

BATCH = 32
WARMUP_STEPS = 3
REPEATS = 5


def dense(widths):
    layers = []
    for i in range(1, len(widths)):
        layers.append(nn.Linear(widths[i - 1], widths[i]))
        if i < len(widths) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 512), nn.ReLU(), nn.Linear(512, 10),
    )


MODELS = {
    "mlp": (lambda: dense([784, 200, 200, 10]), (784,), 150),
    "head": (lambda: dense([512, 256, 10]), (512,), 300),
    "cnn": (cnn, (1, 28, 28), 6),
}


def measure(name):
    build, input_shape, steps = MODELS[name]
    torch.manual_seed(0)
    model = build()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.randn(BATCH, *input_shape), torch.randint(0, 10, (BATCH,))) for _ in range(4)]

    def step(i):
        x, y = batches[i % len(batches)]
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()  # the tfjs side reads the loss back every step too

    for i in range(WARMUP_STEPS):
        step(i)
    best = 0.0
    for _ in range(REPEATS):  # best of a few: other processes share the cores
        start = time.perf_counter()
        for i in range(steps):
            step(i)
        best = max(best, steps * BATCH / (time.perf_counter() - start))
    params = sum(p.numel() for p in model.parameters())
    return {"ok": True, "samplesPerSecond": best, "steps": steps, "params": params}


def main():
    torch.set_num_threads(1)
    names = sys.argv[1].split(",")
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "models": {n: measure(n) for n in names}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
