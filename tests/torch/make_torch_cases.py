#!/usr/bin/python3
"""Writes the cases of the PyTorch agreement test (tests/torch/check_torch.cpp).

For each network below: a seeded random nn.Sequential, converted into a microprop model
file by tools/torch_to_microprop.py (through its command line on a whole module saved
with torch.save, on a state_dict with --activations, or as a module; the three give the
same bytes, which is checked); random inputs and torch's outputs; one sample, its
target, the loss and the weights after ONE torch.optim.SGD(lr=eta, momentum=0) step on
it, with the loss microprop's output activation implies (docs/backprop.md):

    softmax   CrossEntropyLoss on the logits, with a class label
    sigmoid   BCEWithLogitsLoss(reduction="sum") on the logits, a multi-label 0/1 target
    identity, tanh   0.5 * MSELoss(reduction="sum"), a real-valued target

Every reference is computed twice: by the float32 model (what the checker asserts
against) and by a float64 copy of it started from the same float32 weights (reported,
to show how far each float32 implementation is from exact arithmetic).

It also checks that the converter refuses unsupported modules (in-process, and once
through its command line: exit status 1, a message, no file written).

Usage: /usr/bin/python3 tests/torch/make_torch_cases.py --tool tools/torch_to_microprop.py --out DIR
Writes DIR/*.mpm, DIR/*.pt and DIR/cases.txt (format: see check_torch.cpp).
"""
import argparse
import copy
import importlib.util
import os
import subprocess
import sys

import torch
from torch import nn


def load_tool(path):
    spec = importlib.util.spec_from_file_location("torch_to_microprop", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# name, seed, builder, output (None: the Sequential says it), eta, how to convert
# ("cli" whole module, "state_dict" with --activations, "module" in-process),
# the activations for the state_dict form, input kind.
CASES = [
    ("64-32-10 sigmoid/softmax (bare Linear, --output softmax)", 11,
     lambda: nn.Sequential(nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 10)),
     "softmax", 0.1, "cli", None, "unit"),
    ("20-16-8-4 tanh/relu/softmax (nn.Softmax)", 12,
     lambda: nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(),
                           nn.Linear(8, 4), nn.Softmax(dim=-1)),
     None, 0.05, "state_dict", "tanh,relu,softmax", "normal"),
    ("10-6-3 sigmoid/identity regression", 13,
     lambda: nn.Sequential(nn.Linear(10, 6), nn.Sigmoid(), nn.Linear(6, 3)),
     "identity", 0.1, "module", None, "normal"),
    ("8-5-4 tanh/sigmoid multi-label (nn.Sigmoid)", 14,
     lambda: nn.Sequential(nn.Linear(8, 5), nn.Tanh(), nn.Linear(5, 4), nn.Sigmoid()),
     None, 0.2, "module", None, "normal"),
    ("12-8-3 relu/tanh regression (nn.Tanh output)", 15,
     lambda: nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3), nn.Tanh()),
     None, 0.1, "cli", None, "normal"),
    ("16-12-12-5 relu/identity/softmax, nested", 16,
     lambda: nn.Sequential(nn.Sequential(nn.Linear(16, 12), nn.ReLU()),
                           nn.Linear(12, 12), nn.Identity(), nn.Linear(12, 5)),
     "softmax", 0.05, "module", None, "normal"),
]
PREDICT_INPUTS = 8


def output_activation(tool, model, output):
    return tool.layers_of(model, output)[-1][2]


def forward(model, x, activation, ends_with_module):
    """(outputs, pre-activation of the last layer) of `model` for x (a batch)."""
    if ends_with_module:
        return model(x), model[:-1](x)
    z = model(x)
    if activation == "softmax":
        return torch.softmax(z, dim=-1), z
    if activation == "sigmoid":
        return torch.sigmoid(z), z
    return z, z


def sample_loss(activation, yhat, z, label, target):
    if activation == "softmax":
        return nn.CrossEntropyLoss()(z, torch.tensor([label]))
    if activation == "sigmoid":
        return nn.BCEWithLogitsLoss(reduction="sum")(z, target)
    return 0.5 * nn.MSELoss(reduction="sum")(yhat, target)


def sgd_step(model, activation, ends_with_module, x, label, target, eta):
    """One torch.optim.SGD step on one sample; returns the loss before it."""
    optimizer = torch.optim.SGD(model.parameters(), lr=eta, momentum=0)
    optimizer.zero_grad()
    yhat, z = forward(model, x, activation, ends_with_module)
    loss = sample_loss(activation, yhat, z, label, target)
    loss.backward()
    optimizer.step()
    return loss.item()


def linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def fmt(values, digits):
    return " ".join(f"{v:.{digits}g}" for v in values)


def convert(tool, tool_path, model, output, how, activations, out_dir, stem):
    """Writes stem.mpm by the chosen route; checks it equals the in-process bytes."""
    expected = tool.model_bytes(model, output)
    path = os.path.join(out_dir, stem + ".mpm")
    if how == "module":
        tool.write_model(model, path, output)
    else:
        saved = os.path.join(out_dir, stem + ".pt")
        command = [sys.executable, tool_path, saved, path]
        if how == "cli":
            torch.save(model, saved)
            if output is not None:
                command += ["--output", output]
        else:
            torch.save(model.state_dict(), saved)
            command += ["--activations", activations]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"torch_to_microprop.py failed on {stem}: {result.stderr}")
        print(result.stdout.strip())
    with open(path, "rb") as f:
        if f.read() != expected:
            sys.exit(f"{stem}: the {how} route wrote other bytes than model_bytes()")
    return path


def check_refusals(tool, tool_path, out_dir):
    """Unsupported modules raise UnsupportedModel; the command line exits with 1."""
    refused = [
        (nn.Sequential(nn.Linear(4, 3), nn.Dropout(), nn.Linear(3, 2)), "softmax", "Dropout"),
        (nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1)), None, "LogSoftmax"),
        (nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=0)), None, "dim=0"),
        (nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=-1), nn.Linear(3, 2)), "identity", "output layer only"),
        (nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Tanh(), nn.Linear(3, 2)), "identity", "second activation"),
        (nn.Sequential(nn.Linear(4, 3), nn.Linear(5, 2)), "identity", "takes 5 inputs"),
        (nn.Sequential(nn.Linear(4, 3), nn.Sigmoid()), "softmax", "ends with a sigmoid"),
        (nn.Sequential(nn.Linear(4, 3)), None, "bare nn.Linear"),
        (nn.Sequential(nn.Linear(4, 1), nn.Softmax(dim=-1)), None, "at least two outputs"),
        (nn.Sequential(*[nn.Linear(3, 3) for _ in range(9)]), "identity", "at most 8"),
        (nn.Sequential(nn.Flatten(), nn.Linear(4, 3)), "identity", "Flatten"),
        (nn.Linear(4, 3), "identity", "not an nn.Sequential"),
    ]
    for model, output, words in refused:
        try:
            tool.model_bytes(model, output)
        except tool.UnsupportedModel as e:
            if words not in str(e):
                sys.exit(f"refusal message without {words!r}: {e}")
            continue
        sys.exit(f"the converter accepted an unsupported module ({words}): {model}")
    saved = os.path.join(out_dir, "refused.pt")
    out = os.path.join(out_dir, "refused.mpm")
    torch.save(nn.Sequential(nn.Linear(4, 3), nn.Dropout(), nn.Linear(3, 2)), saved)
    result = subprocess.run([sys.executable, tool_path, saved, out, "--output", "softmax"],
                            capture_output=True, text=True)
    if result.returncode != 1 or "Dropout" not in result.stderr or os.path.exists(out):
        sys.exit(f"command line on an unsupported module: exit {result.returncode}, "
                 f"stderr {result.stderr!r}, file written: {os.path.exists(out)}")
    # A Linear without bias converts with zero biases.
    data = tool.model_bytes(nn.Sequential(nn.Linear(2, 2, bias=False)), "identity")
    if data[-12:-4] != bytes(8):
        sys.exit("a Linear without bias did not get zero biases")
    print(f"refusals: {len(refused)} unsupported modules refused, command line exits with 1")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    tool_path = os.path.abspath(args.tool)
    tool = load_tool(tool_path)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)

    check_refusals(tool, tool_path, args.out)

    lines = []
    for index, (name, seed, build, output, eta, how, activations, inputs) in enumerate(CASES):
        torch.manual_seed(seed)
        model = build()
        model.eval()  # no module here behaves differently, but say what is measured
        activation = output_activation(tool, model, output)
        ends_with_module = not isinstance(model[-1], nn.Linear)
        path = convert(tool, tool_path, model, output, how, activations, args.out, f"case{index}")
        model64 = copy.deepcopy(model).double()

        n_in = linears(model)[0].in_features
        n_out = linears(model)[-1].out_features
        shape = (PREDICT_INPUTS + 1, n_in)
        xs = torch.rand(shape) if inputs == "unit" else torch.randn(shape)
        label = int(torch.randint(n_out, (1,)).item())
        if activation == "sigmoid":
            # half the labels on, in random places (never all on or all off)
            target = (torch.randperm(n_out) < (n_out + 1) // 2).to(torch.float32).reshape(1, n_out)
        elif activation == "tanh":
            target = torch.rand(1, n_out) * 1.8 - 0.9
        else:
            target = torch.randn(1, n_out)

        lines.append(f"case {os.path.abspath(path)} {eta:.9g} {name}")
        for l, linear in enumerate(linears(model)):
            lines.append(f"W0 {l} {fmt(linear.weight.detach().flatten().tolist(), 9)}")
            lines.append(f"b0 {l} {fmt(linear.bias.detach().tolist(), 9)}")
        with torch.no_grad():
            y32, _ = forward(model, xs[:PREDICT_INPUTS], activation, ends_with_module)
            y64, _ = forward(model64, xs[:PREDICT_INPUTS].double(), activation, ends_with_module)
        for i in range(PREDICT_INPUTS):
            lines.append(f"x {fmt(xs[i].tolist(), 9)}")
            lines.append(f"y {fmt(y32[i].tolist(), 9)}")
            lines.append(f"y64 {fmt(y64[i].tolist(), 17)}")

        x = xs[PREDICT_INPUTS:]
        loss32 = sgd_step(model, activation, ends_with_module, x, label, target, eta)
        loss64 = sgd_step(model64, activation, ends_with_module, x.double(), label,
                          target.double(), eta)
        lines.append(f"sx {fmt(x[0].tolist(), 9)}")
        if activation == "softmax":
            lines.append(f"label {label}")
        else:
            lines.append(f"target {fmt(target[0].tolist(), 9)}")
        lines.append(f"loss {loss32:.9g} {loss64:.17g}")
        for l, (m32, m64) in enumerate(zip(linears(model), linears(model64))):
            lines.append(f"W {l} {fmt(m32.weight.detach().flatten().tolist(), 9)}")
            lines.append(f"W64 {l} {fmt(m64.weight.detach().flatten().tolist(), 17)}")
            lines.append(f"b {l} {fmt(m32.bias.detach().tolist(), 9)}")
            lines.append(f"b64 {l} {fmt(m64.bias.detach().tolist(), 17)}")
        lines.append("end")

    with open(os.path.join(args.out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CASES)} cases to {os.path.join(args.out, 'cases.txt')}")


if __name__ == "__main__":
    main()
