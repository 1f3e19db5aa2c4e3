# %% [markdown]
# # Cvičení: segmentace

# %%
import numpy as np

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
print(f"hloubka 2: {shallow.count_params():,}, hloubka 3: {deep.count_params():,}")
# <<<

# %%
checks.check_output_shape(shallow, (None, 64, 64, 11))
checks.check_output_shape(deep, (None, 64, 64, 11))
checks.check_param_count(shallow, segmentation.unet((64, 64, 1), 11, depth=2))
checks.check_param_count(deep, segmentation.unet((64, 64, 1), 11, depth=3))
