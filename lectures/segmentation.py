# %% [markdown]
# # Sémantická a instanční segmentace
#
# **Co se naučíte:** klasifikovat **každý pixel** obrázku. Sémantická segmentace říká, do
# jaké třídy pixel patří (pozadí, číslice 0, …, číslice 9); instanční navíc odliší dva
# objekty téže třídy. Postavíme U-Net (kodér–dekodér se zkratkami), porovnáme ho
# se SegNetem (dekodér bez zkratek, max-unpooling) a ukážeme, kde jsou DeepLabV3+ a SegFormer
# v KerasCV a KerasHub.
#
# Cíl (plátna ze skutečných číslic, které síť neviděla; průměrné IoU přes všech 11 tříd
# včetně pozadí) vypíše první buňka kódu z `expected.toml`.

# %%
import keras
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import config, recipes, viz
from nes2.data import arrays, digit_canvas
from nes2.recipes.segmentation import CANVAS, NUM_CLASSES, SCALE
from nes2.tasks import segmentation
from nes2.teaching import expected

PROFILE = config.get_profile()
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
print(expected.entry("segmentation/unet", PROFILE).goal({"mean_iou": "průměrné IoU (U-Net)"}))

# %% [markdown]
# Použité API (dokumentace funkcí a tříd):
# [`nes2.tasks.segmentation`][nes2.tasks.segmentation] ·
# [`nes2.data.digit_canvas`][nes2.data.digit_canvas] ·
# [`nes2.recipes.segmentation`][nes2.recipes.segmentation] ·
# [`nes2.viz`][nes2.viz]

# %% [markdown]
# ## Data: plátna s několika číslicemi a jejich masky
#
# Na plátno 64 × 64 položíme 2–4 skutečné číslice MNIST. Maska přiřadí každému pixelu
# inkoustu třídu jeho číslice (1–10), ostatním pozadí (0). Pixely číslic tvoří jen asi
# desetinu obrázku: síť, která všude řekne „pozadí“, má přesnost 90 %, a proto se
# segmentace měří **IoU po třídách**, ne přesností.

# %%
digits = arrays.mnist(PROFILE)
sample = digit_canvas.digit_canvases(
    digits.x_test, digits.y_test, 4, size=CANVAS, scale=SCALE, seed=5
)
print(f"podíl pixelů pozadí: {np.mean(sample.masks == 0):.1%}")
viz.mask_grid(
    sample.images,
    sample.masks,
    num_classes=NUM_CLASSES,
    title=f"Plátna a masky ({digits.source})",
)

# %% [markdown]
# ## U-Net
#
# Kodér zmenšuje rozlišení a přidává kanály (co na obrázku je), dekodér rozlišení vrací
# transponovanými konvolucemi (`Conv2DTranspose`). **Zkratky** (skip connections) přivádějí
# do dekodéru jemné detaily z kodéru stejného rozlišení: bez nich by hranice číslic byly
# rozmazané.

# %%
unet = segmentation.unet((CANVAS, CANVAS, 1), NUM_CLASSES)
print(f"U-Net: {unet.count_params():,} parametrů")
viz.model_diagram(unet)

# %% [markdown]
# ## Ztráta: křížová entropie + Dice
#
# Křížovou entropii ovládne pozadí. Měkký Dice koeficient
# $D = \frac{2\sum p\,y}{\sum p + \sum y}$ se počítá pro každou třídu zvlášť a průměruje,
# takže malá číslice váží stejně jako pozadí. Ztráta `DiceCrossEntropy` je jejich součet.

# %%
recipes.get("segmentation").code("build")

# %%
run = recipes.train("segmentation", PROFILE, model="unet")
m = run.metrics
Markdown(
    expected.run_report(
        run,
        {"mean_iou": "průměrné IoU (11 tříd)", "seconds": "trénink (s)"},
        note=f"{m['counts']['train']} pláten; IoU pozadí {m['iou_per_class'][0]:.3f}, "
        f"nejhorší číslice {min(m['iou_per_class'][1:]):.3f}.",
    )
)

# %%
run.figure("masks")

# %% [markdown]
# ## SegNet: dekodér bez zkratek
#
# SegNet (Badrinarayanan et al., 2015) má stejný kodér, ale jeho dekodér nedostává
# příznaky kodéru, jen **polohy maxim** z poolingu (*max-unpooling*,
# [`MaxUnpooling2D`][nes2.layers.MaxUnpooling2D]): každou hodnotu vrátí na místo, kde
# v okně 2 × 2 leželo maximum, ostatní tři pixely jsou nula a doplní je následující
# konvoluce. Natrénujeme ho stejným receptem na stejných plátnech se stejným počtem
# epoch a porovnáme s U-Netem:

# %%
segnet_run = recipes.train("segmentation", PROFILE, model="segnet")
runs = {"U-Net": run, "SegNet": segnet_run}
Markdown(
    viz.markdown_table(
        [
            {
                "model": name,
                "params": r.model.count_params(),
                "mean_iou": r.metrics["mean_iou"],
                "worst": min(r.metrics["iou_per_class"][1:]),
                "seconds": r.metrics["seconds"],
            }
            for name, r in runs.items()
        ],
        {
            "model": "model",
            "params": "parametrů",
            "mean_iou": "průměrné IoU",
            "worst": "IoU nejhorší číslice",
            "seconds": "trénink (s)",
        },
        {"params": "{:,}", "mean_iou": "{:.3f}", "worst": "{:.3f}", "seconds": "{:.0f}"},
    )
)

# %%
gap = run.metrics["mean_iou"] - segnet_run.metrics["mean_iou"]
better, worse = ("U-Net", "SegNet") if gap >= 0 else ("SegNet", "U-Net")
print(f"{better} má o {abs(gap):.3f} vyšší průměrné IoU než {worse} ({PROFILE}).")
segnet_run.figure("masks")

# %% [markdown]
# Zkratky U-Netu přinášejí do dekodéru samotné příznaky kodéru v plném rozlišení: kde
# přesně vede tah číslice a jak je tenký. SegNet z kodéru ví jen, kde v každém okně
# poolingu bylo maximum; tvar tahu musí dekodér odhadnout z hrubších map. Porovnejte
# hranice číslic na obou obrázcích masek. Výhodou SegNetu je podle jeho autorů menší
# paměť (místo celých map příznaků si pamatuje jen polohy maxim) a počet parametrů
# v tabulce ukazuje i menší dekodér.

# %% [markdown]
# ## DeepLabV3+, SegFormer: KerasCV a KerasHub
#
# Velké segmentační sítě mají předtrénovanou páteř. KerasCV 0.9 (už se nevyvíjí, jeho
# modely přešly do KerasHub) nabízí `DeepLabV3Plus` a `SegFormer`; KerasHub
# `DeepLabV3ImageSegmenter` (vrací logity). Předtrénované presety se stahují z Kaggle;
# zde je stavíme z argumentů konstruktoru a jen ověříme, že se učí, jeden krok:

# %%
x = np.repeat(run.data.test.images[:4], 3, axis=-1).astype("float32")
for name in ("deeplabv3plus", "segformer", "deeplabv3-hub"):
    model = segmentation.build(name, (CANVAS, CANVAS, 3), NUM_CLASSES)
    model.compile(
        "adam",
        segmentation.DiceCrossEntropy(NUM_CLASSES, from_logits=name == "deeplabv3-hub"),
        metrics=[],
    )
    loss = float(model.train_on_batch(x, run.data.test.masks[:4]))
    print(f"{name:14s} {model.count_params():>10,} parametrů, ztráta po 1 kroku {loss:.3f}")

# %% [markdown]
# ## Instanční segmentace a Mask R-CNN
#
# Sémantická maska neodliší dvě dvojky vedle sebe: obě jsou „třída 2“. Instanční
# segmentace dá každému objektu vlastní masku. **Mask R-CNN** (He et al., 2017) rozšiřuje
# Faster R-CNN o třetí hlavu: pro každý navržený obdélník předpoví kromě třídy a zpřesnění
# obdélníku i binární masku 28 × 28 uvnitř něj. Na našich plátnech to vypadá takto
# (instanční masky generátor zná, stejně jako sémantické):

# %%
index = next(i for i, c in enumerate(sample.classes) if len(c) >= 3)
fig = viz.mask_grid(
    sample.images[[index]],
    sample.masks[[index]],
    sample.instances[[index]],
    num_classes=NUM_CLASSES,
    legend=False,
    title="uprostřed sémantická maska (barva = třída), vpravo instanční (barva = objekt)",
)
fig.axes[2].set_title("instance", fontsize="medium")
fig

# %% [markdown]
# ## Skutečné fotografie: Oxford-IIIT Pet
#
# V plném profilu se segmentuje na fotografiích psů a koček z Oxford-IIIT Pet (0,8 GB,
# tensorflow-datasets). Maska má tři třídy: zvíře, pozadí a okraj;
# [`nes2.data.tfds.pet_segmentation_example`][nes2.data.tfds.pet_segmentation_example]
# převede trimapu (1, 2, 3) na třídy 0, 1, 2 a zmenší obrázek i masku:
#
# ```python
# from nes2.data import tfds
#
# pets = tfds.oxford_pets("train").map(lambda e: tfds.pet_segmentation_example(e, 128))
# model = segmentation.unet((128, 128, 3), num_classes=len(tfds.PET_CLASSES))
# ```
#
# Tato stránka se staví bez sítě, proto tu žádný výsledek na Oxford-IIIT Pet neuvádíme.
