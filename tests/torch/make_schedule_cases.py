#!/usr/bin/python3
"""Writes the learning-rate schedule cases of the PyTorch agreement test (check_schedules.cpp).

For each schedule below, torch.optim.SGD on one parameter is driven with its
torch.optim.lr_scheduler equivalent (include/microprop/schedule.hpp), scheduler.step()
after each optimizer.step(), and the rate of update number s (0-based) is
optimizer.param_groups[0]['lr'] before the s-th optimizer.step(), for s = 0..100. A few
large steps come from the schedulers' closed forms (scheduler.step(epoch) on a fresh
scheduler). Every parameter is rounded to float32 first, so torch and microprop start
from the same numbers; torch computes the rates in float64.

Usage: /usr/bin/python3 tests/torch/make_schedule_cases.py --out DIR
Writes DIR/schedules.txt:
    schedule KIND BASE GAMMA STEP_SIZE DECAY PERIOD PERIOD_MULTIPLIER ETA_MIN NAME...
    rate STEP LR        (driven: STEP 0..100, then closed form: larger STEP)
    end
"""
import argparse
import os
import warnings

import numpy as np
import torch
from torch.optim import lr_scheduler

DRIVEN_STEPS = 101
LARGE_STEPS = [1000, 12345, 1000003, 2**31 + 5]


def f32(x):
    return float(np.float32(x))


# kind, base, gamma, step_size, decay, period (T_0), period multiplier (T_mult), eta_min
SCHEDULES = [
    ("constant", 0.05, 1, 1, 0, 1, 1, 0),
    ("step_decay", 0.1, 0.5, 10, 0, 1, 1, 0),
    ("step_decay", 0.05, 0.9, 3, 0, 1, 1, 0),
    ("exponential", 0.1, 0.95, 1, 0, 1, 1, 0),
    ("exponential", 0.02, 0.999, 1, 0, 1, 1, 0),
    ("inverse_time", 0.1, 1, 1, 0.01, 1, 1, 0),
    ("inverse_time", 0.5, 1, 1, 0.3, 1, 1, 0),
    ("cosine_restarts", 0.1, 1, 1, 0, 10, 1, 0),
    ("cosine_restarts", 0.1, 1, 1, 0, 7, 2, 0.001),
    ("cosine_restarts", 0.05, 1, 1, 0, 3, 3, 0.0),
]


def make_scheduler(optimizer, kind, gamma, step_size, decay, period, multiplier, eta_min):
    if kind == "constant":
        return None
    if kind == "step_decay":
        return lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    if kind == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=gamma)
    if kind == "inverse_time":
        return lr_scheduler.LambdaLR(optimizer, lambda s: 1.0 / (1.0 + decay * s))
    return lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=period, T_mult=multiplier,
                                                    eta_min=eta_min)


def fresh(base, parameters):
    parameter = torch.zeros(3, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=base, momentum=0)
    return parameter, optimizer, make_scheduler(optimizer, *parameters)


def driven_rates(base, parameters):
    """The rate of each update 0..DRIVEN_STEPS-1, driving SGD and the scheduler."""
    parameter, optimizer, scheduler = fresh(base, parameters)
    rates = []
    for _ in range(DRIVEN_STEPS):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.zero_grad()
        parameter.sum().backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return rates


def closed_form_rate(base, parameters, step):
    """The rate of update `step` from the scheduler's closed form (step(epoch))."""
    _, optimizer, scheduler = fresh(base, parameters)
    if scheduler is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # step(epoch) is deprecated for most schedulers
            scheduler.step(step)
    return optimizer.param_groups[0]["lr"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    lines = []
    for kind, *values in SCHEDULES:
        base, gamma, step_size, decay, period, multiplier, eta_min = values
        base, gamma, decay, eta_min = f32(base), f32(gamma), f32(decay), f32(eta_min)
        parameters = (kind, gamma, step_size, decay, period, multiplier, eta_min)
        name = {"constant": f"constant {base:.9g}",
                "step_decay": f"StepLR(step_size={step_size}, gamma={gamma:.9g})",
                "exponential": f"ExponentialLR(gamma={gamma:.9g})",
                "inverse_time": f"LambdaLR(1 / (1 + {decay:.9g} s))",
                "cosine_restarts": f"CosineAnnealingWarmRestarts({period}, {multiplier}, {eta_min:.9g})"}[kind]
        lines.append(f"schedule {kind} {base:.9g} {gamma:.9g} {step_size} {decay:.9g} {period} "
                     f"{multiplier} {eta_min:.9g} {name}")
        for step, rate in enumerate(driven_rates(base, parameters)):
            lines.append(f"rate {step} {rate:.17g}")
        for step in LARGE_STEPS:
            lines.append(f"rate {step} {closed_form_rate(base, parameters, step):.17g}")
        lines.append("end")

    path = os.path.join(args.out, "schedules.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(SCHEDULES)} schedules to {path}")


if __name__ == "__main__":
    main()
