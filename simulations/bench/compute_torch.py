"""PyTorch side of `npm run bench:compute`: the same models, batch and SGD steps as computeWorkload.ts, on one thread.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 simulations/bench/compute_torch.py \
         '{"batch": 32, "warmup": 3, "repeats": 3, "steps": {"mlp": 100, "cnn": 5, "head": 200}}'
(compute.ts passes its own settings). Prints one JSON line:
{"torch": version, "threads": n, "models": {name: {"ok", "samplesPerSecond", "steps", "params"}}}.
Keep the architectures in step with computeWorkload.ts.
"""
import json
import sys
import time

import torch
from torch import nn


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
    "mlp": (lambda: dense([784, 200, 200, 10]), (784,)),
    "head": (lambda: dense([512, 256, 10]), (512,)),
    "cnn": (cnn, (1, 28, 28)),
}


def measure(name, batch, warmup, repeats, steps):
    build, input_shape = MODELS[name]
    torch.manual_seed(0)
    model = build()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.randn(batch, *input_shape), torch.randint(0, 10, (batch,))) for _ in range(4)]

    def step(i):
        x, y = batches[i % len(batches)]
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()  # the tfjs side reads the loss back every step too

    for i in range(warmup):
        step(i)
    best = 0.0
    for _ in range(repeats):  # best of a few: other processes share the cores
        start = time.perf_counter()
        for i in range(steps):
            step(i)
        best = max(best, steps * batch / (time.perf_counter() - start))
    params = sum(p.numel() for p in model.parameters())
    return {"ok": True, "samplesPerSecond": best, "steps": steps, "params": params}


def main():
    torch.set_num_threads(1)
    settings = json.loads(sys.argv[1])
    models = {
        name: measure(name, settings["batch"], settings["warmup"], settings["repeats"], steps)
        for name, steps in settings["steps"].items()
    }
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "models": models}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
