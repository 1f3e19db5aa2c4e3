# %% [markdown]
# # Cvičení: detekce objektů

# %%
import keras
import numpy as np

from nes2 import boxes
from nes2.tasks import detection
from nes2.teaching import checks

# %% [markdown]
# ## Cvičení 1: non-max suppression ručně
#
# Detektor najde kolem jednoho objektu mnoho překrývajících se obdélníků. Napište
# hladovou funkci `nms(boxes_xyxy, scores, threshold)`: vezmi obdélník s nejvyšším skóre,
# zahoď všechny, které ho překrývají s IoU větším než `threshold`, opakuj. Vrací indexy
# ponechaných obdélníků od nejlepšího. Porovnejte s
# [`boxes.non_max_suppression`][nes2.boxes.non_max_suppression].


# %% [markdown] tags=["hint"]
# Seřaďte indexy podle skóre sestupně (`np.argsort(scores)[::-1]`). Dokud seznam není
# prázdný, vyjměte první index, uložte ho a ze seznamu vyřaďte ty, jejichž IoU
# s ním (`boxes.box_iou`) je větší než `threshold`.


# %% tags=["solution"]
def nms(boxes_xyxy, scores, threshold=0.5):
    """Indices of the boxes that greedy non-max suppression keeps, best first."""
    # >>> doplňte
    order = list(np.argsort(scores)[::-1])
    keep = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        overlaps = boxes.box_iou(boxes_xyxy[[best]], boxes_xyxy[order])[0] if order else []
        order = [i for i, o in zip(order, overlaps, strict=True) if o <= threshold]
    return keep
    # <<<


# %%
rng = np.random.default_rng(2)
centres = rng.uniform(10, 90, (5, 2)).repeat(6, axis=0) + rng.normal(0, 3, (30, 2))
candidates = np.concatenate([centres - 8, centres + 8], axis=1)
scores = rng.uniform(0, 1, 30)
checks.check_function(
    "ponechané indexy",
    nms,
    boxes.non_max_suppression,
    [(candidates, scores), (candidates, scores, 0.2), (candidates[:6], scores[:6], 0.8)],
)

# %% [markdown]
# ## Cvičení 2: přidejte třídu
#
# Detektor YOLOv8 z [`detection.detector`][nes2.tasks.detection.detector] má pro číslice
# 10 tříd. Postavte detektor `eleven` pro 11 tříd (například číslice a „jiný znak“)
# na plátnech 96 × 96 a spočtěte, o kolik parametrů je větší než detektor pro
# 10 tříd (`extra`). Kterých vrstev se počet tříd týká? (YOLOv8 má hlavu na třech
# úrovních rozlišení a každá končí konvolucí 1 × 1 s jedním kanálem na třídu.)

# %% [markdown] tags=["hint"]
# Přidaná třída přidá každé ze tří posledních konvolucí 1 × 1 jeden výstupní kanál:
# jedno jádro 1 × 1 přes všechny vstupní kanály a jeden bias. Vrstvy najdete podle
# jména (`layer.name.endswith("class_3_conv")`), tvar jádra je `layer.kernel.shape`.

# %% tags=["solution"]
keras.utils.set_random_seed(0)
ten = detection.detector("yolov8", 10, (96, 96, 3))
# >>> doplňte: eleven, extra
eleven = detection.detector("yolov8", 11, (96, 96, 3))
extra = eleven.count_params() - ten.count_params()
last_convs = [layer for layer in eleven.layers if layer.name.endswith("class_3_conv")]
print(f"o {extra} parametrů více; poslední konvoluce třídy na každé úrovni:")
for layer in last_convs:
    print(f"  {layer.name}: jádro {tuple(layer.kernel.shape)}, bias {tuple(layer.bias.shape)}")
# <<<

# %%
reference = detection.detector("yolov8", 11, (96, 96, 3))
checks.check_param_count(eleven, reference)
checks.check_close(
    "parametrů navíc pro jedenáctou třídu", extra, reference.count_params() - ten.count_params()
)
