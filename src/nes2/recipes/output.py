"""Writing a recipe's results: `metrics.json` and figures, atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_metrics(out: str | os.PathLike, metrics: dict) -> Path:
    """Write `metrics` as `out/metrics.json` (atomically) and return its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "metrics.json"
    fd, tmp = tempfile.mkstemp(prefix=".metrics.", dir=out)
    with os.fdopen(fd, "w") as f:
        json.dump(metrics, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
    return path


def save_figure(fig, out: str | os.PathLike, name: str) -> Path:
    """Save a figure as `out/name` (PNG, 120 dpi) and return its path."""
    path = Path(out) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
