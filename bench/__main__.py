"""Run every benchmark: ``python -m bench [--quick] [--only P1,P7]``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

import bench
from bench.common import Result, print_table, save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer repeats")
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. P1,P7")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    wanted = {w.strip().lower() for w in args.only.split(",") if w.strip()}
    results: list[Result] = []
    failed = []
    for module in sorted(m.name for m in pkgutil.iter_modules(bench.__path__)):
        bench_id = module.split("_", 1)[0]
        if not (module.startswith("p") and bench_id[1:].isdigit()):
            continue
        if wanted and bench_id not in wanted:
            continue
        print(f"== {module}", flush=True)
        try:
            produced = importlib.import_module(f"bench.{module}").run(quick=args.quick)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            failed.append(module)
            continue
        for result in produced:
            ratio = f" ({result.ratio:.2f}x baseline)" if result.ratio is not None else ""
            print(
                f"   {result.id} {result.what}: {result.value:.4g} {result.unit}{ratio}", flush=True
            )
        results += produced
    print_table(results)
    print(f"\nsaved {save(results, args.out)}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
