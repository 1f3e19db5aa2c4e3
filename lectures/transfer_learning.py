# %% [markdown]
# # Přenesené učení (transfer learning)
#
# **Co se naučíte:** použít síť předtrénovanou na velké úloze (ImageNet) pro malou
# úlohu, dvěma způsoby: **extrakce příznaků** (konvoluční [páteř](glossary.md#pater)
# zůstane zmrazená, učí se jen nová hlava) a **doladění** (fine-tuning: pak se s malým
# krokem učení odemkne i horní část páteře). Navazuje na [Cats vs Dogs od začátku](cats_vs_dogs.py).

# %%
import tempfile
from pathlib import Path

import keras
import numpy as np
from IPython.display import Markdown, display

import nes2
from nes2 import applications, config, models, recipes, viz
from nes2.data import arrays, catsdogs
from nes2.recipes.cats_vs_dogs import LABELS as VARIANTS
from nes2.teaching import checks

PROFILE = config.get_profile()

# %% [markdown]
# ## Dvě cesty
#
# Konvoluční páteř sítě natrénované na ImageNetu (1,2 milionu obrázků, 1 000 tříd) umí
# obecné příznaky: hrany, textury, části objektů. Na malé úloze z ní vezmeme jen páteř
# (`include_top=False`) a přidáme vlastní klasifikátor:
#
# 1. **extrakce příznaků**: všechny obrázky jednou proženeme páteří a na uložených příznacích
#    trénujeme malý klasifikátor (rychlé, ale bez augmentace), nebo páteř zmrazíme uvnitř
#    modelu a augmentaci použijeme (pomalejší, přesnější);
# 2. **doladění**: po natrénování hlavy odemkneme několik horních vrstev páteře a učíme dál
#    s malým krokem učení, aby se předtrénované váhy nerozbily (VGG16 níže 1e-5; malá síť
#    na číslicích, jejíž páteř je mělká a učí se rychle, na konci stránky 1e-4).
#
# `nes2.applications.transfer_model` dá předzpracování (`preprocess_input` daného modelu)
# dovnitř modelu, takže model bere pixely 0–255. Vrstvy BatchNormalization v páteři nechává
# zmrazené i při doladění: zmrazená vrstva BatchNormalization v Kerasu 3 vždy běží
# v režimu inference se statistikami z ImageNetu. (Samotné volání `base(x, training=False)`
# v Kerasu 3 nestačí: `fit` ho přebije, viz keras-team/keras#20285.)

# %%
model = applications.transfer_model("VGG16", 2, (150, 150, 3), weights=None)
model.summary(line_length=90)

# %% [markdown]
# ## Publikované výsledky na Cats vs Dogs
#
# Zdroj: F. Chollet, *Deep Learning with Python*, 1. vyd., notebooky 5.2 a 5.3 (2 000
# trénovacích obrázků, 150 × 150); keras.io, průvodce „Transfer learning & fine-tuning“
# (jiná data: asi 9 300 trénovacích obrázků z TFDS `cats_vs_dogs`; hodnoty jsou přesnosti
# z výpisu průběhu jeho tréninku, ne konečný výsledek).

# %%
Markdown(
    """| postup | výsledek | zdroj |
|---|---|---|
| malá síť od začátku | validace 70–72 % | DLwP, 5.2 |
| + augmentace a dropout | ~82 % | DLwP, 5.2 |
| příznaky VGG16, bez augmentace | ~90 % validace | DLwP, 5.3 |
| zmrazená VGG16 + augmentace | ~96 % validace | DLwP, 5.3 |
| doladění posledního bloku VGG16 | 96,8 % test | DLwP, 5.3 |
| Xception, 150 × 150, ~9 300 obrázků: extrakce / doladění | 0,971 / 0,9845 val. | keras.io |"""
)

# %% [markdown]
# ## Cats vs Dogs s VGG16
#
# Váhy ImageNet stahuje Keras při prvním použití do `~/.keras/models` (pro páteř stačí
# váhy bez hlavy, menší část z 528 MB celé VGG16 podle tabulky modelů na
# keras.io/api/applications). Bez sítě `nes2` hned ohlásí, který soubor chybí a kam ho dát. Recept
# `nes2 train cats-vs-dogs --variant transfer` (extrakce příznaků) a `--variant finetune`
# (zmrazená páteř s augmentací, pak doladění posledního bloku) běží jen s nimi: s náhodnými
# vahami by přenesené učení nemělo co přenést.

# %%
try:
    applications.base_model("VGG16", (32, 32, 3))
    HAVE_IMAGENET = True
except applications.WeightsNotFoundError as error:
    HAVE_IMAGENET = False
    print("Váhy ImageNet nejsou k dispozici; hlášení nes2 (anglicky):", error, sep="\n")

# %%
if HAVE_IMAGENET:
    SOURCE = "real" if catsdogs.is_fetched() else "synthetic"
    runs = {
        v: recipes.train("cats-vs-dogs", PROFILE, variant=v, source=SOURCE)
        for v in ("transfer", "finetune")
    }
    label = runs["transfer"].metrics["data_source"]
    display(
        Markdown(
            viz.markdown_table(
                [{**r.metrics, "variant": VARIANTS[v]} for v, r in runs.items()],
                {"variant": "varianta", "val_accuracy": "validace", "test_accuracy": "test"},
                {"val_accuracy": "{:.3f}", "test_accuracy": "{:.3f}"},
            )
        )
    )
    display(
        viz.plot_history(
            {v: r.history for v, r in runs.items()}, title=f"VGG16 ({label}, profil {PROFILE})"
        )
    )
else:
    print("Běh s VGG16 byl přeskočen (nejsou váhy ImageNet); přenesené učení ukazuje část níže.")

# %% [markdown]
# ## Přenesené učení, které běží všude: z číslic 0–4 na číslice 5–9
#
# Stejný postup vyzkoušíme na skutečných ručně psaných číslicích (podle klasického
# příkladu Kerasu *mnist_transfer_cnn*). **Zdrojová úloha**: síť se naučí rozlišovat
# číslice 0–4. **Cílová úloha**: číslice 5–9, ale jen s `PER_CLASS` označenými obrázky od každé.
# Porovnáme síť učenou od začátku, extrakci příznaků a doladění, vše testované na
# číslicích 5–9, které síť nikdy neviděla.

# %%
digits = arrays.mnist(PROFILE)
x_train, x_test = digits.x_train[..., None], digits.x_test[..., None]
source = digits.y_train < 5
target_test = digits.y_test >= 5
PER_CLASS = 5
rng = np.random.default_rng(0)
few = np.concatenate(
    [
        rng.choice(np.flatnonzero(digits.y_train == d), PER_CLASS, replace=False)
        for d in range(5, 10)
    ]
)
print(
    f"{digits.source}: zdrojová úloha {source.sum()} obrázků 0–4, "
    f"cílová {len(few)} obrázků 5–9, test {target_test.sum()}"
)

# %%
ARCH = {"filters": (32, 64), "dense_units": 128, "dropout": 0.3, "num_classes": 5}
config.seed_everything()
source_model = models.small_convnet((28, 28, 1), name="source", **ARCH)
source_model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
source_model.fit(x_train[source], digits.y_train[source], epochs=5, batch_size=64, verbose=0)
_, source_accuracy = source_model.evaluate(
    x_test[~target_test], digits.y_test[~target_test], verbose=0
)
viz.say(f"zdrojová síť (0–4): přesnost na testu {source_accuracy:.3f}")

weights_file = Path(tempfile.mkdtemp()) / "digits_0_4.weights.h5"
source_model.save_weights(weights_file)

# %% [markdown]
# Váhy zdrojové sítě jsme uložili do souboru; cílová úloha je načte podle cesty, stejně
# jako by načetla soubor vah ImageNetu (`weights=cesta`). Páteří je konvoluční část sítě
# až po vrstvu `flatten`.

# %%
pretrained = models.small_convnet((28, 28, 1), name="pretrained", **ARCH)
pretrained.load_weights(weights_file)
base = keras.Model(pretrained.input, pretrained.get_layer("flatten").output)

x_few, y_few = x_train[few], digits.y_train[few] - 5
x_target, y_target = x_test[target_test], digits.y_test[target_test] - 5
EPOCHS = 30
results = {}

config.seed_everything()
scratch = models.small_convnet((28, 28, 1), name="scratch", **ARCH)
scratch.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
scratch.fit(x_few, y_few, epochs=EPOCHS, batch_size=16, verbose=0)
results["od začátku"] = scratch.evaluate(x_target, y_target, verbose=0)[1]

config.seed_everything()
transfer = applications.attach_head(base, 5, dropout=0.3)
transfer.fit(x_few, y_few, epochs=EPOCHS, batch_size=16, verbose=0)
results["extrakce příznaků"] = transfer.evaluate(x_target, y_target, verbose=0)[1]

applications.fine_tune(transfer, unfreeze="conv2", learning_rate=1e-4)
transfer.fit(x_few, y_few, epochs=EPOCHS // 2, batch_size=16, verbose=0)
results["+ doladění conv2"] = transfer.evaluate(x_target, y_target, verbose=0)[1]

for name, value in results.items():
    viz.say(f"{name:20s} přesnost {value:.3f}")
viz.bar_chart(
    results,
    ylabel="přesnost na číslicích 5–9",
    fmt="{:.3f}",
    highlight=["extrakce příznaků", "+ doladění conv2"],
    title=f"{len(few)} označených číslic 5–9 ({digits.source}, profil {PROFILE})",
)

# %%
best, second = sorted(results, key=results.get, reverse=True)[:2]
ahead = round((results[best] - results[second]) * len(y_target))  # test images
viz.say(f"Nejlépe dopadlo: {best} ({results[best]:.3f}); od začátku {results['od začátku']:.3f}.")
print(f"Rozdíl „{best}“ a „{second}“: {ahead} z {len(y_target)} testovacích obrázků.")
# Co text níže tvrdí, ověří kontrola: přenesené učení předběhne síť od začátku.
checks.check_at_least(
    "přínos přeneseného učení (nejlepší − od začátku)", results[best] - results["od začátku"], 0.02
)

# %% [markdown]
# Páteř naučená na jiných číslicích pomáhá (kontrola výše), protože příznaky (tahy,
# oblouky, křížení) jsou společné a nová hlava se na ně naučí z pár příkladů, kdežto celá
# síť od nuly se je z nich naučí hůř (výpis výše). Pořadí extrakce a doladění rozhoduje jen pár
# testovacích obrázků (výpis výše), tak ho nepřeceňujte. Podle CS231n (*Transfer
# Learning*) přínos páteře s přibývajícími daty klesá a doladění se vyplatí, až když je
# cílových dat víc (s velmi malou sadou se odemčené vrstvy snadno přeučí); vyzkoušejte
# s `PER_CLASS = 20`. U fotografií a ImageNetu ukazují přínos publikovaná čísla výše.

# %% [markdown]
# ## Shrnutí
#
# - Páteř předtrénovaná na velké úloze dává obecné příznaky; na malé úloze se nad ní učí
#   jen nová hlava (extrakce příznaků).
# - Doladění odemkne horní vrstvy páteře a učí dál s malým krokem učení.
# - `transfer_model` má předzpracování uvnitř modelu a vrstvy BatchNormalization páteře
#   nechává zmrazené.
# - Na pár označených číslicích 5–9 předběhla páteř naučená na číslicích 0–4 síť učenou
#   od začátku (kontrola výše to ověřuje).

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.applications`][nes2.applications] · [`nes2.models`][nes2.models] ·
# [`nes2.data.arrays`][nes2.data.arrays] · [`nes2.viz`][nes2.viz]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
