# %% [markdown]
# # Klasifikace a lokalizace: jeden objekt, dvě hlavy
#
# **Co se naučíte:** postavit funkcionálním API model s jednou
# [páteří](glossary.md#pater) (backbone) a **dvěma výstupy**: třída objektu (softmax)
# a jeho obdélník (4 čísla, regrese).
# Trénuje se součtem dvou ztrát, *multitask loss*:
#
# $$L = L_\text{třída} + \lambda \, L_\text{box},$$
#
# kde váha λ drží obě části v rovnováze: příliš těžká ztráta obdélníku přehluší
# klasifikátor. Na obrázku je vždy **právě jeden** objekt; víc objektů řeší detekce.
# Měříme na číslicích, které síť neviděla: přesnost třídy a IoU obdélníku.

# %%
import keras
from IPython.display import Markdown

import nes2
from nes2 import config, recipes, viz
from nes2.boxes import box_iou
from nes2.data import arrays, digit_canvas
from nes2.recipes.localization import CANVAS, SCALE
from nes2.tasks import localization
from nes2.teaching import expected

PROFILE = config.get_profile()

# %% [markdown]
# ## Data: skutečná číslice na větším plátně
#
# Každou číslici MNIST zvětšíme (1,2–2×) a položíme na náhodné místo plátna 64 × 64
# se šumem. Obdélník (*bounding box*) těsně obepíná inkoust: `[x_min, y_min, x_max, y_max]`,
# pro síť dělený velikostí plátna, tedy v [0, 1].

# %%
digits = arrays.mnist(PROFILE)
canvases, labels, boxes, _ = digit_canvas.place_digit(
    digits.x_test[:12], digits.y_test[:12], CANVAS, SCALE, seed=3
)
viz.box_grid(
    canvases,
    true_boxes=[b[None] for b in boxes],
    boxes=[b[None] for b in boxes],
    labels=[[y] for y in labels],
    title=f"Plátna a obdélníky ({digits.source})",
)

# %% [markdown]
# ## IoU: jak dobře obdélník sedí
#
# *Intersection over Union* je plocha průniku dělená plochou sjednocení: 1 pro přesnou
# shodu, 0 pro obdélníky, které se nepřekrývají.

# %%
print(box_iou([[10, 10, 30, 40]], [[10, 10, 30, 40], [15, 10, 35, 40], [40, 40, 50, 50]]).round(3))

# %% [markdown]
# ## Model se dvěma hlavami
#
# Páteř tvoří čtyři konvoluce s batch normalization, za prvními třemi max pooling. Hlava
# **třídy** bere globální průměr posledních příznaků a končí softmaxem.
#
# Hlava **obdélníku** by mohla z příznaků po `Flatten` regresí rovnou spočítat čtyři
# čísla, jak to dělá řada učebnic. Tady ji nahradíme čtením hran z *projekčních profilů*,
# které polohu hrany nemusí odhadovat z celé mapy příznaků najednou: maximum mapy příznaků
# přes řádky dá pro každý sloupec jeden vektor („je v tomto sloupci inkoust?“), malá 1D
# konvoluce ohodnotí každý sloupec jako levou a pravou hranu a softmax přes sloupce z
# ohodnocení udělá rozdělení pravděpodobnosti. Jeho střední hodnota je poloha hrany
# (*soft-argmax*, vrstva `SoftArgmaxBox`): je derivovatelná a její výsledek není
# zaokrouhlený na buňky mřížky příznaků (vážený průměr poloh leží i mezi nimi). Horní
# a dolní hranu dají stejně řádky. Výstup jsou pořád čtyři čísla v [0, 1].

# %%
model = localization.localization_model((CANVAS, CANVAS, 1), 10)
model.summary(line_length=90)

# %% [markdown]
# Trénink: obě hlavy najednou, ztráta je součet křížové entropie třídy a λ-násobku ztráty
# obdélníku. Recept `nes2 train localization` nepotřebuje vlastní `fit`: dědí výchozí
# `Recipe.fit` (níže), protože jeho cíle jsou slovník s jedním klíčem na každý výstup
# modelu (`"class"` a `"box"`) a Keras si ztráty spáruje podle jmen výstupů.

# %%
recipes.get("localization").code("fit")

# %%
run = recipes.train("localization", PROFILE)
m = run.metrics
Markdown(
    expected.run_report(
        run,
        {"accuracy": "přesnost třídy", "mean_iou": "průměrné IoU", "seconds": "trénink (s)"},
        note=f"λ = {viz.number(m['box_weight'])}; IoU > 0,5 má "
        f"{viz.number(m['iou_over_0.5'], '.1%')} obrázků.",
    )
)

# %%
run.figure("boxes")

# %% [markdown]
# Průměrné IoU je přísná míra: u úzké jedničky široké 5 px znamená chyba jednoho pixelu
# na každé straně už tuto hodnotu IoU:

# %%
viz.say(f"IoU {box_iou([[0, 0, 5, 20]], [[1, 0, 4, 20]])[0, 0]:.2f}")

# %% [markdown]
# Ve cvičení zkuste jinou váhu λ
# (`recipes.train("localization", box_weight=...)`, výchozí λ = 5) o dva řády větší i menší
# a sledujte, jak se mění přesnost třídy a průměrné IoU.
#
# ## Shrnutí
#
# - Klasifikace s lokalizací je jeden model se společnou páteří a dvěma hlavami: softmax
#   pro třídu, čtyři čísla pro obdélník.
# - Trénuje se součtem ztrát; váha λ rozhoduje, které hlavě síť dá přednost.
# - Obdélník se hodnotí IoU; u úzkých objektů stojí chyba jednoho pixelu hodně IoU
#   (výpočet výše).
# - Na obrázku je právě jeden objekt: víc objektů je úloha [detekce](detection.py).

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.tasks.localization`][nes2.tasks.localization] ·
# [`nes2.boxes`][nes2.boxes] · [`nes2.data.digit_canvas`][nes2.data.digit_canvas] ·
# [`nes2.recipes.localization`][nes2.recipes.localization] · [`nes2.viz`][nes2.viz]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
print(expected.entry("localization", PROFILE).goal({"accuracy": "přesnost", "mean_iou": "IoU"}))
