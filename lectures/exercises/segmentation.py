# %% [markdown]
# # Cvičení: segmentace

# %%
import numpy as np

from nes2 import viz
from nes2.tasks import segmentation
from nes2.teaching import checks

# %% [markdown]
# ## Cvičení 1: průměrné IoU ručně
#
# Pro masky tříd `truth` a `predicted` (celá čísla 0 … k − 1 pro každý pixel) napište
# funkci `per_class_iou(truth, predicted, num_classes)`, která pro každou třídu vrátí
# IoU jejích pixelů: průnik (pixely, kde je třída ve skutečnosti i v předpovědi) dělený
# sjednocením. Porovnejte s [`segmentation.mean_iou`][nes2.tasks.segmentation.mean_iou].


# %% [markdown] tags=["hint"]
# Pro třídu `c` jsou `truth == c` a `predicted == c` pole pravdivostních hodnot; průnik
# je jejich `&`, sjednocení `|` a `np.sum` spočte pixely.


# %% tags=["solution"]
def per_class_iou(truth, predicted, num_classes):
    """The IoU of each class's pixels in two class masks, one value per class."""
    # >>> doplňte
    scores = []
    for c in range(num_classes):
        inter = np.sum((truth == c) & (predicted == c))
        union = np.sum((truth == c) | (predicted == c))
        scores.append(inter / union)
    return scores
    # <<<


# %%
def reference_iou(truth, predicted, num_classes):
    return segmentation.mean_iou(truth, predicted, num_classes)["per_class"]


rng = np.random.default_rng(3)
truth = rng.integers(0, 4, (2, 16, 16))
cases = [
    (
        truth,
        np.where(rng.uniform(size=truth.shape) < share, truth, rng.integers(0, 4, truth.shape)),
        4,
    )
    for share in (0.8, 0.3)
]
checks.check_function("IoU po třídách", per_class_iou, reference_iou, cases, rtol=1e-3)

# %% [markdown]
# ## Cvičení 2: mělčí U-Net
#
# Postavte [`segmentation.unet`][nes2.tasks.segmentation.unet] pro plátna 64 × 64 × 1 a 11 tříd
# s hloubkou 2 (`shallow`) a 3 (`deep`). Jaký tvar má výstup a proč stejný jako vstup?
# Kolikrát víc parametrů má hlubší síť a proč roste počet parametrů s hloubkou tak rychle?

# %% [markdown] tags=["hint"]
# Každá úroveň hloubky přidá blok s dvojnásobným počtem filtrů; parametry konvoluce
# rostou se součinem vstupních a výstupních kanálů, tedy zhruba čtyřikrát.

# %% tags=["solution"]
# >>> doplňte: shallow, deep
shallow = segmentation.unet((64, 64, 1), 11, depth=2)
deep = segmentation.unet((64, 64, 1), 11, depth=3)
print(
    f"hloubka 2: {viz.number(shallow.count_params())}, hloubka 3: {viz.number(deep.count_params())}"
)
# <<<

# %%
checks.check_output_shape(shallow, (None, 64, 64, 11))
checks.check_output_shape(deep, (None, 64, 64, 11))
checks.check_param_count(shallow, segmentation.unet((64, 64, 1), 11, depth=2))
checks.check_param_count(deep, segmentation.unet((64, 64, 1), 11, depth=3))

# %% [markdown]
# ## Cvičení 3: natrénujte U-Net a SegNet
#
# Na 300 plátnech 48 × 48 se skutečnými číslicemi natrénujte U-Net a SegNet
# ([`segmentation.unet`][nes2.tasks.segmentation.unet],
# [`segmentation.segnet`][nes2.tasks.segmentation.segnet], oba z buňky níže) po 3 epochy
# (Adam s krokem učení 0,003, ztráta `segmentation.DiceCrossEntropy(2)`, dávka 16).
# Aby stačil krátký trénink, mají masky jen dvě třídy: pozadí (0) a číslice (1). Změřte
# průměrné IoU na 100 testovacích plátnech. Napište funkci
# `train_and_measure(model)`, která model zkompiluje, natrénuje a vrátí dvojici (historie,
# průměrné IoU), a uložte výsledky do `unet_history`, `unet_iou`, `segnet_history`
# a `segnet_iou`. Která síť je po stejném tréninku lepší a čím to je? Kolik má která
# parametrů?

# %%
import keras

from nes2.data import arrays, digit_canvas

digits = arrays.mnist("quick")
train = digit_canvas.digit_canvases(digits.x_train, digits.y_train, 300, size=48, seed=1)
test = digit_canvas.digit_canvases(digits.x_test, digits.y_test, 100, size=48, seed=2)
x_train, masks_train = train.images.astype("float32"), (train.masks > 0).astype("uint8")
x_test, masks_test = test.images.astype("float32"), (test.masks > 0).astype("uint8")
keras.utils.set_random_seed(0)
# Krátký trénink: klouzavé průměry normalizace dávek (momentum 0,9) stihnou dohnat váhy.
unet_model = segmentation.unet((48, 48, 1), 2, momentum=0.9)
segnet_model = segmentation.segnet((48, 48, 1), 2, momentum=0.9)
print(
    f"U-Net {viz.number(unet_model.count_params())} parametrů, "
    f"SegNet {viz.number(segnet_model.count_params())}"
)

# %% [markdown] tags=["hint"]
# `model.fit(x_train, masks_train, epochs=3, batch_size=16, verbose=0)` vrací historii;
# předpověď `model.predict(x_test)` má pro každý pixel pravděpodobnosti 2 tříd
# a `argmax(axis=-1)` z nich udělá masku tříd pro `segmentation.mean_iou`.


# %% tags=["solution"]
def train_and_measure(model):
    """Compile and train `model` for 3 epochs; return (history, mean IoU on the test canvases)."""
    # >>> doplňte
    model.compile(keras.optimizers.Adam(3e-3), segmentation.DiceCrossEntropy(2))
    history = model.fit(x_train, masks_train, epochs=3, batch_size=16, verbose=0)
    predicted = model.predict(x_test, verbose=0).argmax(axis=-1)
    return history, segmentation.mean_iou(masks_test, predicted, 2)["mean_iou"]
    # <<<


# >>> doplňte: unet_history, unet_iou, segnet_history, segnet_iou
unet_history, unet_iou = train_and_measure(unet_model)
segnet_history, segnet_iou = train_and_measure(segnet_model)
viz.say(f"průměrné IoU: U-Net {unet_iou:.3f}, SegNet {segnet_iou:.3f}")
# <<<


# %%
def measured(model):
    predicted = model.predict(x_test, verbose=0).argmax(axis=-1)
    return segmentation.mean_iou(masks_test, predicted, 2)["mean_iou"]


checks.check_training_improves(unet_history, "loss")
checks.check_training_improves(segnet_history, "loss")
checks.check_close("průměrné IoU U-Netu", unet_iou, measured(unet_model), rtol=1e-3)
checks.check_close("průměrné IoU SegNetu", segnet_iou, measured(segnet_model), rtol=1e-3)
