"""`python -m bench [--only NAME] [--clients N]`: run the benchmarks, rewrite docs/benchmarks.md."""

from __future__ import annotations

import argparse
import importlib
import sys

from bench import DOCS, ROOT, Context, write_sections

BENCHMARKS = {
    "sample": "bench.sample_bench",
    "chat": "bench.chat_bench",
    "import": "bench.import_bench",
    "scan": "bench.scan_bench",
    "dispatch": "bench.dispatch_bench",
    "team": "bench.team_bench",
}
"""Name → module, in the order they run and appear in docs/benchmarks.md; add import and search here."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", choices=sorted(BENCHMARKS), action="append", help="run just this benchmark (repeatable)"
    )
    parser.add_argument("--clients", type=int, help="a smaller bank than each benchmark's own size, for a quick run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="scratch directory (default bench/out)")
    parser.add_argument("--docs", default=str(DOCS), help="the Markdown file to update (default docs/benchmarks.md)")
    args = parser.parse_args(argv)

    from pathlib import Path

    context = Context(root=ROOT, out=Path(args.out), python=sys.executable, clients=args.clients)
    context.out.mkdir(parents=True, exist_ok=True)
    sections = []
    failed = False
    for name in args.only or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        print(f"== bench {name}: {module.TITLE} ==", flush=True)
        section = module.run(context)
        if section is None:
            failed = True
            continue
        print(section.body, flush=True)
        sections.append(section)
    if sections:
        write_sections(Path(args.docs), sections, list(BENCHMARKS))
        print(f"updated {args.docs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
