"""`make bench`: print the benchmark table with the machine and the run's conditions, and keep it in docs/."""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the targets say: before numpy starts its BLAS

from benchmarks import classifier  # noqa: E402


def machine() -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return [("date", datetime.now().isoformat(timespec="seconds")), ("cpu", f"{cpu}, {os.cpu_count()} cores"),
            ("python", platform.python_version()), ("os", platform.platform())]


def table(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join([f"## {title}", "", "| what | figure |", "|---|---|", *(f"| {k:<{width}} | {v} |" for k, v in rows)])


def main() -> None:
    eval_dir = Path(os.environ.get("EVAL_DIR", ROOT.parent / "shared" / "eval" / "dev"))
    sections = [("Machine and conditions", machine())]
    rows: list[tuple[str, str]] = []
    classifier.run(rows, eval_dir)
    sections.append(("Classifier (one core, single thread)", rows))
    if "--quick" not in sys.argv:
        try:
            from benchmarks import end_to_end
        except ImportError:
            end_to_end = None
        if end_to_end is not None:
            e2e: list[tuple[str, str]] = []
            end_to_end.run(e2e)
            sections.append(("End to end over the OneBot v11 reverse WebSocket", e2e))
    text = "# Benchmarks\n\nMade by `make bench` (benchmarks/run.py); figures, not pass/fail.\n\n" + \
        "\n\n".join(table(t, r) for t, r in sections) + "\n"
    print(text)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
