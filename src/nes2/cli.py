"""The `nes2` command line: thin parsing over the package.

    nes2 info
    nes2 data fetch cats-vs-dogs [--url URL --sha256 HEX] [--archive PATH]
    nes2 models list [--family NAME]
    nes2 train RECIPE [options of the recipe] [--epochs N] [--profile quick|full]
               [--out DIR] [--fresh]
    nes2 verify [RUN ...] [--profile quick|full] [--out DIR] [--fresh] [--figures] [--markdown]
    nes2 spread RUN... [--seeds N] [--settings LIST] [--jobs N] [--record]
    nes2 grade SUBMISSIONS... [--exercise NAME] [--out DIR] [--jobs N] [--timeout S]

The recipes and their options come from the registry (`nes2.recipes`):
`nes2 train --help` lists them, `nes2 train RECIPE --help` their options.
A run whose key matches a stored one is reused (`--fresh` trains anew).

Errors a user can fix are printed on one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nes2 import __version__, config, distribute, recipes
from nes2.errors import Nes2Error, missing_dependency

DATASETS = ("cats-vs-dogs",)


def _info(args: argparse.Namespace) -> int:
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    rows = [("nes2", __version__)]
    rows += [(name, installed(name)) for name in ("keras", "tensorflow", "keras-cv", "keras-hub")]
    rows.append(("python", sys.version.split()[0]))
    import keras
    import tensorflow as tf

    rows.append(("backend", keras.config.backend()))
    devices = tf.config.list_physical_devices()
    rows.append(("devices", ", ".join(d.name.removeprefix("/physical_device:") for d in devices)))
    gpus = tf.config.list_physical_devices("GPU")
    gpu_names = [
        tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus
    ]
    rows.append(("gpus", ", ".join(gpu_names) if gpus else "none"))
    rows.append(("profile", config.get_profile()))
    rows.append(("cache", str(config.cache_dir())))
    width = max(len(key) for key, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from nes2.data import catsdogs

    kwargs = {"archive": args.archive, "keep_archive": not args.drop_archive}
    if args.url:
        if not args.sha256:
            raise Nes2Error("--url needs --sha256 (the mirror's file must be checked).")
        kwargs["url"] = args.url
    if args.sha256:
        kwargs["sha256"] = args.sha256
    manifest = catsdogs.fetch(**kwargs)
    images = ", ".join(f"{n} {name}s" for name, n in manifest["images"].items())
    print(f"Cats vs Dogs is ready in {catsdogs.data_dir()}: {images}; ", end="")
    print(f"dropped {manifest['dropped']} invalid image files.")
    return 0


def _train(args: argparse.Namespace) -> int:
    recipe = recipes.get(args.recipe)
    options = {o.name: getattr(args, o.name) for o in recipe.options if hasattr(args, o.name)}
    profile = config.get_profile(args.profile)
    resolved = recipe.resolve(options, profile)
    name = recipe.run_name(resolved).replace("/", "-")
    out = args.out or Path("runs") / f"{name}-{profile}"
    run = recipes.train(
        recipe.name,
        profile,
        epochs=args.epochs,
        out=out,
        fresh=args.fresh,
        verbose=1 if sys.stdout.isatty() else 2,
        distribute=args.distribute,
        **options,
    )
    if not run.metrics:
        print(f"{run.name}: this worker's training finished; the chief writes the results.")
        return 0
    print(json.dumps(run.metrics, indent=2, ensure_ascii=False))
    written = ", ".join(sorted(path.name for path in Path(out).iterdir() if path.is_file()))
    print(f"Wrote {written} into {out}.")
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from nes2 import applications

    names = [
        name
        for name, spec in applications.REGISTRY.items()
        if args.family is None or spec.family.lower() == args.family.lower()
    ]
    if not names:
        families = sorted({spec.family for spec in applications.REGISTRY.values()})
        raise Nes2Error(f"No family {args.family!r}; families: {', '.join(families)}.")
    rows = applications.table(names)

    def percent(value):
        return f"{value:.1%}" if value is not None else "-"

    header = (
        "model",
        "family",
        "year",
        "size",
        "params",
        "keras.io",
        "depth",
        "keras.io",
        "top-1",
        "top-5",
    )
    lines = [header]
    for r in rows:
        lines.append(
            (
                r["name"],
                r["family"],
                str(r["year"]),
                str(r["input_size"]),
                f"{r['params']:,}",
                r["published_params"] or "-",
                str(r["depth"]),
                str(r["published_depth"] or "-"),
                percent(r["top1"]),
                percent(r["top5"]),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    print(
        "Parameters and depth (layers with weights) computed with weights=None; "
        "keras.io columns as published (keras.io/api/applications)."
    )
    return 0


def _print_table(header: tuple, rows: list[tuple], markdown: bool = False) -> None:
    if markdown:
        from nes2.viz.tables import markdown_table

        columns = dict(zip(map(str, range(len(header))), header, strict=True))
        print(markdown_table([dict(zip(columns, row, strict=True)) for row in rows], columns))
        return
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _verify(args: argparse.Namespace) -> int:
    import time

    from nes2.recipes import verify
    from nes2.teaching import expected

    profile = config.get_profile(args.profile)
    runs = expected.entries(profile, args.runs)
    if not runs:
        raise Nes2Error(f"No expected results for profile {profile!r}.")
    expected.relations(profile)  # a relation naming an unknown run stops before training
    out = args.out or Path("runs") / f"verify-{profile}"
    start = time.perf_counter()
    table, misses, notes = verify.check(runs, out, fresh=args.fresh, figures=args.figures)
    _print_table(verify.HEADER, table, args.markdown)
    for line in [*notes, *misses]:
        print(line)
    hardware = sorted({entry.hardware for entry in runs})
    seconds = time.perf_counter() - start
    print(f"{len(runs)} runs, {len(table)} checks, {len(misses)} missed, {seconds:.0f} s.")
    print("Recorded on: " + "; ".join(hardware))
    return 1 if misses else 0


def _spread(args: argparse.Namespace) -> int:
    from nes2.recipes import spread
    from nes2.teaching import expected

    profile = config.get_profile(args.profile)
    entries = expected.entries(profile, args.runs)
    settings = tuple(args.settings.split(",")) if args.settings else tuple(spread.SETTINGS)
    trials = spread.grid(args.seeds, settings)
    listed = ", ".join(f"seed {seed} {setting}" for seed, setting in trials)
    print(f"{len(entries)} runs x {len(trials)} trials: {listed}")
    measured = spread.measure(entries, args.seeds, settings, jobs=args.jobs)
    relations = spread.relation_spreads(profile, measured)
    rows = spread.table(measured, relations)
    header = ("run", "metric", "band", "recorded", "lowest", "highest", "")
    _print_table(header, rows, args.markdown)
    outside = [line for s in measured for line in s.outside()]
    outside += [f"{r}: spread {low:.4g} to {high:.4g}" for r, low, high, ok in relations if not ok]
    for line in outside:
        print(line)
    if args.record and outside and not args.force:
        print(
            "Not recorded: a recorded spread makes the bands checked, and these trials miss "
            "them. Change the run or the band, then record again (or --record --force)."
        )
    elif args.record:
        print(f"Recorded the spread in {spread.record(measured, relations)}.")
    return 1 if outside else 0


def _grade(args: argparse.Namespace) -> int:
    from nes2 import grading

    results = grading.grade(
        args.submissions,
        args.out,
        exercise=args.exercise,
        jobs=args.jobs,
        timeout=args.timeout,
        memory=int(args.memory * 2**30) if args.memory else None,
        any_version=args.any_version,
    )
    counts = {s: sum(r.status == s for r in results) for s in grading.STATUSES}
    print(", ".join(f"{n} {s}" for s, n in counts.items() if n), end="; ")
    print(f"reports in {args.out}: report.csv, report.html, feedback/")
    return 0 if counts[grading.GRADED] == len(results) else 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `nes2` command."""
    parser = argparse.ArgumentParser(
        prog="nes2", description="Course tools of Neural Networks 2 (18NES2)."
    )
    parser.add_argument("--version", action="version", version=f"nes2 {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    info = commands.add_parser("info", help="versions, devices, profile and cache directory")
    info.set_defaults(func=_info)

    data = commands.add_parser("data", help="download data sets into the cache")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    fetch = data_commands.add_parser("fetch", help="download, verify and extract a data set")
    fetch.add_argument("dataset", choices=DATASETS)
    fetch.add_argument("--url", help="a mirror of the archive (needs --sha256)")
    fetch.add_argument("--sha256", help="the expected SHA-256 of the archive")
    fetch.add_argument(
        "--drop-archive",
        action="store_true",
        help="delete the downloaded zip once extracted (a cache then holds the data once)",
    )
    fetch.add_argument("--archive", type=Path, help="an archive downloaded by hand")
    fetch.set_defaults(func=_fetch)

    model_commands = commands.add_parser("models", help="the keras.applications models")
    model_actions = model_commands.add_subparsers(
        dest="models_command", required=True, metavar="ACTION"
    )
    listing = model_actions.add_parser("list", help="parameters, depth and accuracy of each model")
    listing.add_argument("--family", help="only this family, e.g. ResNet or EfficientNet")
    listing.set_defaults(func=_models_list)

    train = commands.add_parser("train", help="train a recipe and write metrics.json and plots")
    recipe_parsers = train.add_subparsers(dest="recipe", required=True, metavar="RECIPE")
    for name in recipes.names():
        recipe = recipes.get(name)
        sub = recipe_parsers.add_parser(name, help=recipe.summary, description=recipe.summary)
        for option in recipe.options:
            sub.add_argument(
                option.flag,
                dest=option.name,
                type=option.type,
                choices=option.choices or None,
                default=argparse.SUPPRESS,  # absent unless given: the recipe fills in defaults
                help=f"{option.help} (default: {option.default_text})",
            )
        sub.add_argument("--epochs", type=_positive, help="override the profile's epochs")
        sub.add_argument(
            "--profile", choices=config.PROFILES, help="default: $NES2_PROFILE or quick"
        )
        sub.add_argument("--out", type=Path, help="output folder (default: runs/RUN-PROFILE)")
        sub.add_argument("--fresh", action="store_true", help="train even if a stored run matches")
        sub.add_argument(
            "--distribute",
            choices=distribute.KINDS,
            default="none",
            help="train on every local GPU (mirrored) or on the machines of TF_CONFIG "
            "(multi-worker); default: none",
        )
        sub.set_defaults(func=_train)

    verify = commands.add_parser(
        "verify", help="run recipes and compare their metrics with the expected results"
    )
    verify.add_argument(
        "runs",
        nargs="*",
        metavar="RUN",
        help="e.g. localization or detection/yolov8 (default: all)",
    )
    verify.add_argument(
        "--profile", choices=config.PROFILES, help="default: $NES2_PROFILE or quick"
    )
    verify.add_argument("--out", type=Path, help="output folder (default: runs/verify-PROFILE)")
    verify.add_argument(
        "--fresh", action="store_true", help="train every run anew instead of reusing stored runs"
    )
    verify.add_argument(
        "--figures", action="store_true", help="draw each run's figures into the output folder"
    )
    verify.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    verify.set_defaults(func=_verify)

    spread = commands.add_parser(
        "spread",
        help="train runs over seeds and numerical settings; how far each band moves",
        description="Train each run with several seeds and numerical settings (each in its own "
        "process) and report the lowest and highest value of every band and relation; exit 1 "
        "if a trial falls outside its band. --record writes the spread into expected.toml.",
    )
    spread.add_argument("runs", nargs="+", metavar="RUN", help="e.g. cats-vs-dogs or text/bag")
    spread.add_argument(
        "--profile", choices=config.PROFILES, help="default: $NES2_PROFILE or quick"
    )
    spread.add_argument(
        "--seeds", type=_positive, default=3, help="seeds with the default settings (at least 3)"
    )
    spread.add_argument(
        "--settings", help="comma-separated: default, threads=1, onednn=off (default: all)"
    )
    spread.add_argument("--jobs", type=_positive, default=1, help="trials trained at once")
    spread.add_argument("--record", action="store_true", help="write the spread to expected.toml")
    spread.add_argument(
        "--force", action="store_true", help="with --record: record even if trials miss bands"
    )
    spread.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    spread.set_defaults(func=_spread)

    grade = commands.add_parser(
        "grade",
        help="score submitted exercise notebooks with the course's checks",
        description="Run each submitted notebook apart (its own process and folder, no network, "
        "a time and memory limit) and score its tasks; exit 1 unless every one was graded.",
    )
    grade.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSION",
        type=Path,
        help="notebook files or folders of them",
    )
    grade.add_argument("--exercise", help="the exercise (default: the notebooks' metadata says)")
    grade.add_argument(
        "--out", type=Path, default=Path("grading"), help="folder of the reports (default: grading)"
    )
    grade.add_argument("--jobs", type=_positive, default=1, help="notebooks run at once")
    grade.add_argument(
        "--timeout", type=_positive_float, help="seconds per notebook (default: the exercise's own)"
    )
    grade.add_argument(
        "--memory",
        type=_positive_float,
        default=8.0,
        help="GiB of memory per notebook where the system can limit it (default 8)",
    )
    grade.add_argument(
        "--any-version", action="store_true", help="grade notebooks of another course version too"
    )
    grade.set_defaults(func=_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _say_what_the_package_does()
    try:
        return args.func(args)
    except Nes2Error as exc:
        print(f"nes2: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nes2: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        print(f"nes2: error: {missing_dependency(exc.name or str(exc))}", file=sys.stderr)
        return 2


def _say_what_the_package_does() -> None:
    """Print the package's INFO messages (a reused run, ...) to stdout, once per process."""
    import logging

    class Stdout(logging.StreamHandler):
        """Writes to the `sys.stdout` of the moment (a test may have replaced it)."""

        nes2_cli = True

        @property
        def stream(self):
            return sys.stdout

        @stream.setter
        def stream(self, value):
            pass

    logger = logging.getLogger("nes2")
    if not any(getattr(h, "nes2_cli", False) for h in logger.handlers):
        handler = Stdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


if __name__ == "__main__":
    sys.exit(main())
