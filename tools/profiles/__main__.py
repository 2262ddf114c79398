"""Command line: ``python -m tools.profiles INPUT_DIR [--out DIR] [--sg-ema PATH] [--recipes DIR]``.

Run from the repository root, e.g. ``python -m tools.profiles inputs/asean``.
"""

from __future__ import annotations

import argparse
import sys
import time

from .build import RECIPES_DIR, SG_EMA_FILE, write_all


def main(argv: list[str] | None = None) -> int:
    """Regenerate the profiles of a dataset.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit code, 0 on success.
    """
    ap = argparse.ArgumentParser(
        prog="python -m tools.profiles",
        description="Reproducible hourly profiles for an aseangrid dataset.",
    )
    ap.add_argument("input_dir", help="dataset directory, e.g. inputs/asean")
    ap.add_argument("--out", default=None, help="output directory (default: input_dir)")
    ap.add_argument("--sg-ema", default=None, help=f"path to {SG_EMA_FILE}")
    ap.add_argument(
        "--recipes", default=None, help=f"recipes folder (default: input_dir/{RECIPES_DIR})"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    paths = write_all(args.input_dir, args.out, args.sg_ema, args.recipes)
    for name, p in paths.items():
        print(f"wrote {p} ({name})")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
