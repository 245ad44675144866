"""Compares two folders of .npy outputs: prints each output's max abs diff, fails above atol."""

import argparse
import os
import sys

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("expected")
    p.add_argument("actual")
    p.add_argument("--atol", type=float, default=1e-4)
    args = p.parse_args()
    ok = True
    names = sorted(f for f in os.listdir(args.expected) if f.endswith(".npy"))
    if not names:
        sys.exit(f"no .npy files in {args.expected}")
    for name in names:
        e = np.load(os.path.join(args.expected, name))
        path = os.path.join(args.actual, name)
        if not os.path.exists(path):
            print(f"{name}: missing")
            ok = False
            continue
        a = np.load(path)
        if a.shape != e.shape or a.dtype != e.dtype:
            print(f"{name}: got {a.dtype}{list(a.shape)}, expected {e.dtype}{list(e.shape)}")
            ok = False
            continue
        diff = float(np.max(np.abs(a.astype(np.float64) - e.astype(np.float64)))) if a.size else 0.0
        good = diff <= args.atol
        ok &= good
        print(f"{name}: max abs diff {diff:.3g} (limit {args.atol:g}) {'ok' if good else 'FAIL'}")
    print("outputs match" if ok else "outputs differ")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
