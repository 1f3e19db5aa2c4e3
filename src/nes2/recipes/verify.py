"""Make the runs that `nes2 verify` checks against `nes2/teaching/expected.toml`.

`nes2.teaching.expected` reads the expected results and compares; this module,
a layer above it, trains (or reuses) the runs those results name.

Examples:
    ```python
    from nes2.recipes import verify
    from nes2.teaching import expected

    metrics = verify.run(expected.entry("digit-tilt", "quick"), out="runs/digit-tilt")
    expected.compare(expected.entry("digit-tilt", "quick"), metrics)
    ```
"""

from __future__ import annotations

from nes2 import recipes
from nes2.teaching.expected import Expected


def run(
    expected: Expected, out=None, verbose: int | str = 0, fresh: bool = False, figures: bool = True
) -> dict:
    """Run the recipe of `expected` with its options, or reuse its stored run; return its metrics.

    Args:
        expected: the run to make.
        out: a folder for `metrics.json` (and the figures).
        verbose: Keras' verbosity while training.
        fresh: train even if the run store has this run.
        figures: draw the run's figures into `out` too (a stored run then loads its model).
    """
    result = recipes.train(
        expected.recipe, expected.profile, verbose=verbose, fresh=fresh, **expected.options
    )
    if out is not None:
        recipes.write_outputs(result, out, figures=figures)
    return result.metrics
