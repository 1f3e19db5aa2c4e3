"""Sentences about runs for a lecture page, written from their numbers.

A sentence that compares runs is never typed beside their outputs: its wording
is chosen here by the measured metrics and by the relations of
`expected.toml` that back it, so that another seed or machine cannot leave a
page saying what its own outputs contradict. Numbers are written with the
Czech decimal comma (`nes2.viz.number`).

Examples:
    >>> mine = {"style_loss": 0.035, "style_loss_photo": 0.44, "content_loss": 0.18,
    ...         "seconds_per_image": 20.0}
    >>> net = {"style_loss": 0.07, "style_loss_photo": 0.44, "content_loss": 0.5,
    ...        "seconds": 60.0, "seconds_per_image": 0.004}
    >>> print(style_transfer(mine, net, "quick"))  # doctest: +ELLIPSIS
    Síť je o 3 řády rychlejší, ale ve ztrátě obsahu i stylu horší: ... leží zřetelně mezi ...
"""

from __future__ import annotations

import math

from nes2 import config
from nes2.czech import number
from nes2.teaching import expected

GENERATION_COLUMNS = {
    "confident_share": ("jistě rozpoznané", False),
    "classes_covered": ("třídy (z 10)", False),
    "frechet_distance": ("Fréchetova vzdálenost", True),
}
"""Metric -> (the page's column, whether lower is better) compared between latent sizes."""


def _holds(profile: str, results: dict[str, dict], metric: str, than_metric=None) -> bool | None:
    """Whether the relations of `profile` on `metric` (read from `than_metric` on the other
    side) between the runs in `results` hold; `None` where the profile has none."""
    rows, _ = expected.check_relations(profile, results)
    chosen = [ok for r, _, ok in rows if (r.metric, r.than_metric) == (metric, than_metric)]
    return all(chosen) if chosen else None


def generation(best: dict, small: dict, profile: str) -> str:
    """What the VAE's judge says of the 16- and the 2-dimensional latent space.

    Args:
        best: metrics of `generation/16`.
        small: metrics of `generation/2`.
        profile: the runs' profile (its relations back "much closer than noise").
    """

    worse = [
        label
        for metric, (label, lower) in GENERATION_COLUMNS.items()
        if small[metric] != best[metric] and (small[metric] > best[metric]) == lower
    ]
    results = {"generation/16": best, "generation/2": small}
    far = _holds(profile, results, "frechet_distance", "frechet_noise")
    if best["frechet_distance"] >= best["frechet_noise"]:
        closer = "nejsou blíž"
    else:
        closer = "jsou mnohem blíž" if far else "jsou blíž"
    text = (
        f"Číslice VAE {closer} skutečným než šum ({best['frechet_distance']:.0f} proti "
        f"{best['frechet_noise']:.0f}), ale od trénovacích číslic samotných "
        f"({number(best['frechet_real'], '.1f')}) daleko: jsou rozmazanější (ztráta po pixelech "
        "opět odmění průměr) a klasifikátor s jistotou pozná jen "
        f"{number(best['confident_share'], '.0%')} z nich (skutečných "
        f"{number(best['confident_real'], '.0%')}). Dvourozměrný latentní prostor "
    )
    if len(worse) == len(GENERATION_COLUMNS):
        return (
            text
            + "je horší než šestnáctirozměrný ve všech sloupcích: dvě čísla na číslici nestačí."
        )
    if worse:
        return text + f"je horší než šestnáctirozměrný ve sloupcích {', '.join(worse)}."
    return text + "tu v žádném sloupci není horší než šestnáctirozměrný."


def style_transfer(mine: dict, net: dict, profile: str) -> str:
    """The optimisation against the one-pass network: speed, both losses, the style between.

    Args:
        mine: metrics of `style-transfer/optimisation`.
        net: metrics of `style-transfer/network`.
        profile: the runs' profile (its relations back "clearly between").
    """

    ratio = mine["seconds_per_image"] / net["seconds_per_image"]
    orders = int(math.log10(ratio)) if ratio > 1 else 0
    if orders >= 1:
        unit = "řád" if orders == 1 else "řády" if orders <= 4 else "řádů"
        text = f"Síť je o {orders} {unit} rychlejší"
    else:
        text = "Síť je rychlejší" if ratio > 1 else "Síť není rychlejší"
    worse = [
        label
        for metric, label in (("content_loss", "obsahu"), ("style_loss", "stylu"))
        if net[metric] > mine[metric]
    ]
    text += f", ale ve ztrátě {' i '.join(worse)} horší" if worse else " a v žádné ztrátě horší"
    text += (
        ": optimalizace ladí pixely jednoho obrázku, síť jedny váhy pro všechny fotografie (a ta "
        f"naše je malá a učila se krátce). Ztráta stylu sítě ({number(net['style_loss'])}) "
    )
    results = {"style-transfer/optimisation": mine, "style-transfer/network": net}
    clearly = [
        _holds(profile, results, "style_loss"),
        _holds(profile, results, "style_loss", "style_loss_photo"),
    ]
    between = mine["style_loss"] < net["style_loss"] < mine["style_loss_photo"]
    ends = f"fotografií ({number(mine['style_loss_photo'])}) a optimalizací"
    ends += f" ({number(mine['style_loss'])})"
    if between and all(clearly):
        text += f"leží zřetelně mezi {ends}. "
    elif between and None in clearly:  # no relation of this profile says how far is clearly
        text += f"leží mezi {ends}. "
    else:
        text += f"neleží zřetelně mezi {ends}. "
    if net["seconds"] > mine["seconds_per_image"]:
        return text + (
            f"Její trénink ({net['seconds']:.0f} s) trval déle než jedna optimalizace "
            f"({mine['seconds_per_image']:.0f} s), ale platí se jen jednou."
        )
    return text + f"Její trénink ({net['seconds']:.0f} s) byl kratší než jedna optimalizace."


def detection(entries: dict[str, expected.Expected], map50: float) -> str:
    """Each library detector against our detector's mAP@0.5 in this build, over all of the
    library detector's recorded trials (`nes2 spread`); why, if every one is lower.

    Args:
        entries: a name for the page -> the run's entry, with a recorded spread of `map50`.
        map50: our detector's mAP@0.5 in this build.

    Examples:
        >>> yolo = expected.entry("detection/yolov8", "quick")
        >>> text = detection({"YOLOv8": yolo}, 0.9)
        >>> "YOLOv8 má ve všech zaznamenaných bězích (0,759–0,807) nižší mAP@0,5" in text
        True
        >>> "Knihovní sítě mají mnohem víc parametrů" in text  # every one lower: why
        True
    """

    first = next(iter(entries.values()))
    said = [
        f"Knihovní sítě byly trénovány se semeny {', '.join(map(str, first.seeds))} a v "
        f"nastaveních výpočtu {', '.join(f'`{s}`' for s in first.settings)}; tabulka ukazuje "
        f"běh se semenem {config.DEFAULT_SEED}, sloupec *rozptyl semen* nejnižší a nejvyšší "
        "výsledek. "
    ]
    compared, lower = [], True
    for name, entry in entries.items():
        low, high = entry.bands["map50"]["spread"]
        trials = f"ve všech zaznamenaných bězích ({entry.spread('map50')})"
        lower = lower and high < map50
        if high < map50 or low > map50:
            side = "nižší" if high < map50 else "vyšší"
            compared.append(f"{name} má {trials} {side} mAP@0,5 než náš detektor")
        else:
            compared.append(
                f"{name} je s naším detektorem srovnatelný: rozpětí jeho zaznamenaných běhů "
                f"({entry.spread('map50')}) zahrnuje náš výsledek ({number(map50, '.3f')})"
            )
    said.append("; ".join(compared) + ".")
    if lower:
        said.append(
            " Knihovní sítě mají mnohem víc parametrů (tabulka) a jsou stavěné na fotografie; "
            "z několika tisíc pláten se za trénink receptu naučí hůř než malý detektor šitý "
            "na číslice."
        )
    return "".join(said)
