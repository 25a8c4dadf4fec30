#!/usr/bin/python3
"""Converts a PyTorch multilayer perceptron into a microprop model file
(docs/model-format.md), which Network::create_from_model() and load() read.

Needs Debian's python3-torch and python3-numpy: run it with /usr/bin/python3.

What converts: an nn.Sequential (nested Sequentials are flattened) of nn.Linear layers,
each followed by at most one activation:

    nn.Sigmoid -> sigmoid    nn.Tanh -> tanh    nn.ReLU -> relu
    nn.Identity, or nothing before the next Linear -> identity
    nn.Softmax(dim=-1) (or dim=1, or dim=None) -> softmax, after the last Linear only

nn.Identity is a no-op anywhere (after the last Linear it says "identity output").
Anything else (Dropout, LogSoftmax, BatchNorm,
Conv, Flatten, ...) is refused with the layer's position and a non-zero exit.

The last layer's activation is also the training loss microprop uses (docs/backprop.md):
softmax -> cross-entropy, sigmoid -> binary cross-entropy, identity, tanh or relu ->
squared error 1/2 ||yhat - y||^2. A network trained with CrossEntropyLoss or
BCEWithLogitsLoss usually ends with a bare Linear (those losses take logits), so the
file cannot tell what the last layer means. The rule:

  * the Sequential ends with an activation module: that is the output activation
    (`output`, if given, must agree with it);
  * it ends with a bare Linear: `output` must say what it is: "softmax" (trained with
    CrossEntropyLoss), "sigmoid" (BCEWithLogitsLoss, multi-label) or "identity"
    (regression, MSELoss). There is no default.

Weights and biases are written as float32 (a float64 model is rounded); a Linear without
bias gets zero biases. torch's Linear.weight is [out, in], row-major: exactly microprop's
W_l, row by row.

As a module:

    import torch_to_microprop as t2m
    data = t2m.model_bytes(model, output="softmax")      # bytes of the file
    t2m.write_model(model, "digits.mpm", output="softmax")

On the command line:

    /usr/bin/python3 tools/torch_to_microprop.py MODEL.pt OUT.mpm [--output softmax]
    /usr/bin/python3 tools/torch_to_microprop.py WEIGHTS.pt OUT.mpm --activations relu,relu,softmax

MODEL.pt holds either a whole module, saved with torch.save(model, path) (an
nn.Sequential), or a state_dict, saved with torch.save(model.state_dict(), path); a
state_dict holds no activations, so --activations names one per Linear, in order, the
last being the output activation (identity, sigmoid, tanh, relu; softmax for the last).
A whole module is a pickle, which runs code as it loads: convert only files you trust.
Other options: --steps N (the file's step counter, default 0) and --max-layers N (the
reader's MICROPROP_MAX_LAYERS, default 8).

Exit status: 0 written, 1 the model cannot be converted (nothing is written), 2 usage.
"""
import argparse
import re
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

FORMAT_VERSION = 1
MAGIC = b"MPRM"
ACTIVATIONS_HEADER = Path(__file__).resolve().parent.parent / "include" / "microprop" / "activations.hpp"


def _library_activations(header=ACTIVATIONS_HEADER):
    """The library's activation table, read from the header that defines it (the one place
    that names the activations, their file codes and their losses): a list of dicts, one a
    row in code order, keyed by the fields of activation_traits, and the names of
    loss_kind in code order."""
    text = header.read_text()
    loss_kinds = re.search(r"enum class loss_kind\b[^{]*\{([^}]*)\}", text).group(1)
    losses = [k.strip() for k in loss_kinds.split(",") if k.strip()]
    struct = re.search(r"struct activation_traits \{(.*?)\n\};", text, re.S).group(1)
    fields = re.findall(r"^[^;\n/]*?\b(\w+);", struct, re.M)  # declarations, not comments
    table = re.search(r"activation_table\[activation_count\] = \{(.*?)\n\};", text, re.S).group(1)
    rows = []
    for row in re.findall(r"^\s*\{(.*)\},\s*$", table, re.M):
        values = [v.strip() for v in row.split(",")]
        if len(values) != len(fields):
            raise RuntimeError(f"{header}: a row of activation_table has {len(values)} values "
                               f"for the {len(fields)} fields of activation_traits")
        rows.append(dict(zip(fields, values)))
    return rows, losses


_TABLE, _LOSS_KINDS = _library_activations()
ACTIVATION_CODES = {row["name"].strip('"'): code for code, row in enumerate(_TABLE)}
# A bare Linear at the end may be trained as these outputs: their loss's gradient with
# respect to z is yhat - y, what PyTorch's losses on logits compute.
OUTPUT_CHOICES = tuple(row["name"].strip('"') for row in _TABLE if row["entry_delta_is_difference"] == "true")
LOSS_NAMES = tuple(k.replace("cross_entropy", "cross-entropy").replace("_", " ") for k in _LOSS_KINDS)
MAX_SIZE = 1 << 24  # the library's largest layer (and input) size
DEFAULT_MAX_LAYERS = 8

_ACTIVATION_MODULES = ((nn.Sigmoid, "sigmoid"), (nn.Tanh, "tanh"), (nn.ReLU, "relu"),
                       (nn.Softmax, "softmax"), (nn.Identity, "identity"))
_ACTIVATION_CLASSES = {"identity": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                       "relu": nn.ReLU}
SUPPORTED = "nn.Linear, nn.Sigmoid, nn.Tanh, nn.ReLU, nn.Identity, nn.Softmax(dim=-1)"


class UnsupportedModel(ValueError):
    """The module cannot be written as a microprop model file; the message says why."""


def loss_code(activation):
    """The loss byte the output activation implies (microprop::loss_for)."""
    return _LOSS_KINDS.index(_TABLE[ACTIVATION_CODES[activation]]["loss"].removeprefix("loss_kind::"))


def _flatten(module, prefix):
    """(position, module) for every leaf of nested nn.Sequentials, in order."""
    for name, child in module.named_children():
        position = f"{prefix}.{name}" if prefix else name
        if isinstance(child, nn.Sequential):
            yield from _flatten(child, position)
        else:
            yield position, child


def _activation_name(module, position):
    for cls, name in _ACTIVATION_MODULES:
        if isinstance(module, cls):
            if name == "softmax" and module.dim not in (None, -1, 1):
                raise UnsupportedModel(
                    f"layer {position}: nn.Softmax(dim={module.dim}): only the feature "
                    "dimension is supported (dim=-1)")
            return name
    if isinstance(module, nn.LogSoftmax):
        raise UnsupportedModel(
            f"layer {position}: nn.LogSoftmax: microprop's softmax layer outputs "
            "probabilities; drop the LogSoftmax and convert with output='softmax' "
            "(NLLLoss after LogSoftmax is CrossEntropyLoss on the logits: the same training)")
    return None


def layers_of(model, output=None):
    """The layers of `model` as a list of (weight [out, in] float32 array, bias [out]
    float32 array, activation name). Raises UnsupportedModel."""
    if output is not None and output not in OUTPUT_CHOICES:
        raise UnsupportedModel(f"output must be one of {', '.join(OUTPUT_CHOICES)}, not {output!r}")
    if not isinstance(model, nn.Sequential):
        raise UnsupportedModel(
            f"the model is a {type(model).__name__}, not an nn.Sequential: only a Sequential "
            f"of {SUPPORTED} converts")

    layers = []              # [weight, bias, activation or None]
    identity_after = False   # an nn.Identity follows the last Linear
    for position, module in _flatten(model, ""):
        if isinstance(module, nn.Linear):
            weight = module.weight.detach().cpu().to(torch.float32).numpy()
            if module.bias is None:
                bias = np.zeros(weight.shape[0], dtype=np.float32)
            else:
                bias = module.bias.detach().cpu().to(torch.float32).numpy()
            if layers and weight.shape[1] != layers[-1][0].shape[0]:
                raise UnsupportedModel(
                    f"layer {position}: nn.Linear takes {weight.shape[1]} inputs but the "
                    f"layer before gives {layers[-1][0].shape[0]}")
            if layers and layers[-1][2] is None:
                layers[-1][2] = "identity"
            layers.append([weight, bias, None])
            identity_after = False
            continue
        name = _activation_name(module, position)
        if name is None:
            raise UnsupportedModel(
                f"layer {position}: {type(module).__name__} is not supported (supported: "
                f"{SUPPORTED})")
        if name == "identity":
            identity_after = bool(layers)
            continue  # a no-op; it only makes "identity output" explicit at the end
        if not layers:
            raise UnsupportedModel(f"layer {position}: nn.{type(module).__name__} before any nn.Linear")
        if layers[-1][2] is not None:
            raise UnsupportedModel(
                f"layer {position}: a second activation ({type(module).__name__}) after one "
                "nn.Linear; microprop applies one per layer")
        layers[-1][2] = name

    if not layers:
        raise UnsupportedModel("the Sequential holds no nn.Linear")
    if layers[-1][2] is None and identity_after:
        layers[-1][2] = "identity"
    if layers[-1][2] is not None:
        if output is not None and output != layers[-1][2]:
            raise UnsupportedModel(
                f"the Sequential ends with a {layers[-1][2]} activation but output={output!r}; "
                "give no output, or the one the Sequential ends with")
    else:
        if output is None:
            raise UnsupportedModel(
                "the Sequential ends with a bare nn.Linear: say what its output is with "
                "output (--output) softmax (trained with CrossEntropyLoss), sigmoid "
                "(BCEWithLogitsLoss, multi-label) or identity (regression)")
        layers[-1][2] = output
    for index, (weight, _, activation) in enumerate(layers):
        if activation == "softmax" and index + 1 != len(layers):
            raise UnsupportedModel(
                f"softmax after Linear number {index + 1} of {len(layers)}: softmax is an "
                "output layer only")
    return [tuple(layer) for layer in layers]


def model_bytes(model, output=None, steps=0, max_layers=DEFAULT_MAX_LAYERS):
    """The bytes of the microprop model file (format version 1) of `model`, an
    nn.Sequential (see the module's documentation for `output`). `steps` is stored as the
    number of updates the network was trained with. Raises UnsupportedModel."""
    layers = layers_of(model, output)
    if len(layers) > max_layers:
        raise UnsupportedModel(
            f"{len(layers)} layers; the reader accepts at most {max_layers} "
            "(MICROPROP_MAX_LAYERS of the build that loads the file; see max_layers)")
    if not 0 <= steps < 1 << 64:
        raise UnsupportedModel(f"steps must fit in 64 bits, not {steps}")
    inputs = layers[0][0].shape[1]
    if not 1 <= inputs <= MAX_SIZE:
        raise UnsupportedModel(f"{inputs} inputs: microprop needs 1 to {MAX_SIZE}")
    records = b""
    parameters = []
    for index, (weight, bias, activation) in enumerate(layers):
        outputs = weight.shape[0]
        if not 1 <= outputs <= MAX_SIZE:
            raise UnsupportedModel(f"Linear number {index + 1}: {outputs} outputs, microprop needs 1 to {MAX_SIZE}")
        if activation == "softmax" and outputs < 2:
            raise UnsupportedModel("a softmax output needs at least two outputs")
        if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
            raise UnsupportedModel(f"Linear number {index + 1} holds a NaN or infinite parameter (or one beyond float32)")
        records += struct.pack("<IB3x", outputs, ACTIVATION_CODES[activation])
        parameters.append(np.ascontiguousarray(weight, dtype="<f4").tobytes())
        parameters.append(np.ascontiguousarray(bias, dtype="<f4").tobytes())
    body_size = 32 + len(records) + sum(len(p) for p in parameters)
    header = struct.pack("<4sHBBIIIIQ", MAGIC, FORMAT_VERSION, loss_code(layers[-1][2]), 0,
                         body_size + 4, inputs, len(layers), 0, steps)
    body = header + records + b"".join(parameters)
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


def write_model(model, path, output=None, steps=0, max_layers=DEFAULT_MAX_LAYERS):
    """Writes model_bytes(model, ...) to `path` (nothing when it raises); returns the size."""
    data = model_bytes(model, output, steps, max_layers)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def sequential_from_state_dict(state_dict, activations):
    """An nn.Sequential rebuilt from a Sequential's state_dict (Linear weights and biases,
    in order) and one activation name per Linear (identity, sigmoid, tanh, relu, softmax)."""
    weights = []  # (prefix, weight, bias)
    used = set()
    for key, value in state_dict.items():
        if key.endswith("weight") and torch.is_tensor(value) and value.dim() == 2:
            prefix = key[: -len("weight")]
            bias = state_dict.get(prefix + "bias")
            weights.append((prefix, value, bias))
            used.add(key)
            if bias is not None:
                used.add(prefix + "bias")
    others = [key for key in state_dict if key not in used]
    if others:
        raise UnsupportedModel(
            f"the state_dict holds entries that are no Linear weight or bias: {', '.join(others[:5])}")
    if not weights:
        raise UnsupportedModel("the state_dict holds no Linear weight (2-D tensor named '...weight')")
    if len(activations) != len(weights):
        raise UnsupportedModel(
            f"--activations names {len(activations)} activations for {len(weights)} Linear layers "
            f"({', '.join(p.rstrip('.') or '?' for p, _, _ in weights)})")
    modules = []
    for (prefix, weight, bias), activation in zip(weights, activations):
        if activation not in ACTIVATION_CODES:
            raise UnsupportedModel(
                f"unknown activation {activation!r} ({', '.join(ACTIVATION_CODES)})")
        if bias is not None and tuple(bias.shape) != (weight.shape[0],):
            raise UnsupportedModel(f"{prefix}bias has shape {tuple(bias.shape)}, not ({weight.shape[0]},)")
        linear = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
        with torch.no_grad():
            linear.weight.copy_(weight)
            if bias is not None:
                linear.bias.copy_(bias)
        modules.append(linear)
        modules.append(nn.Softmax(dim=-1) if activation == "softmax"
                       else _ACTIVATION_CLASSES[activation]())
    return nn.Sequential(*modules)



def load_file(path):
    """torch.load of a whole module or a state_dict. A whole module is a pickle, which can
    run code when loaded: convert only files you trust. Newer torch releases load only
    tensors unless told otherwise (weights_only); 1.13 loads everything by default."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # a release without the weights_only parameter
        return torch.load(path, map_location="cpu")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="torch_to_microprop.py",
        description="Convert a PyTorch nn.Sequential MLP (whole module or state_dict saved "
                    "with torch.save) into a microprop model file.")
    parser.add_argument("model", help="file written by torch.save(model) or torch.save(model.state_dict())")
    parser.add_argument("out", help="the microprop model file to write")
    parser.add_argument("--output", choices=OUTPUT_CHOICES,
                        help="the last layer's activation when the Sequential ends with a bare "
                             "Linear (softmax: CrossEntropyLoss, sigmoid: BCEWithLogitsLoss, "
                             "identity: regression)")
    parser.add_argument("--activations",
                        help="state_dict input: one activation per Linear, comma-separated, "
                             "the last being the output (e.g. relu,relu,softmax)")
    parser.add_argument("--steps", type=int, default=0, help="the file's step counter (default 0)")
    parser.add_argument("--max-layers", type=int, default=DEFAULT_MAX_LAYERS,
                        help="the loading build's MICROPROP_MAX_LAYERS (default 8)")
    args = parser.parse_args(argv)

    def fail(message):
        print(f"torch_to_microprop: error: {message}", file=sys.stderr)
        return 1

    try:
        loaded = load_file(args.model)
    except Exception as e:  # torch.load raises many kinds; all mean "cannot read"
        return fail(f"cannot load {args.model} with torch.load: {e}")
    try:
        if isinstance(loaded, dict):
            if args.activations is None:
                return fail(f"{args.model} holds a state_dict, which names no activations: "
                            "give --activations, one per Linear (e.g. sigmoid,softmax)")
            if args.output is not None:
                return fail("--output is for whole modules; with a state_dict the last of "
                            "--activations is the output activation")
            model = sequential_from_state_dict(loaded, [a.strip() for a in args.activations.split(",")])
        elif isinstance(loaded, nn.Module):
            if args.activations is not None:
                return fail(f"{args.model} holds a whole module, which names its activations: "
                            "--activations is for state_dicts")
            model = loaded
        else:
            return fail(f"{args.model} holds a {type(loaded).__name__}, neither an nn.Module "
                        "nor a state_dict")
        layers = layers_of(model, args.output)
        size = write_model(model, args.out, args.output, args.steps, args.max_layers)
    except UnsupportedModel as e:
        return fail(str(e))
    except OSError as e:
        return fail(f"cannot write {args.out}: {e}")
    shape = "-".join([str(layers[0][0].shape[1])] + [str(w.shape[0]) for w, _, _ in layers])
    count = sum(w.size + b.size for w, b, _ in layers)
    print(f"wrote {args.out}: {shape} ({', '.join(a for _, _, a in layers)}), "
          f"{LOSS_NAMES[loss_code(layers[-1][2])]}, {count:,} parameters, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
