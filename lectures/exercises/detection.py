# %% [markdown]
# # Cvičení: detekce objektů

# %%
import keras
import numpy as np

from nes2 import boxes
from nes2.tasks import anchors, detection
from nes2.teaching import checks

# %% [markdown]
# ## Cvičení 1: potlačení nemaxim ručně
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

# %% [markdown]
# ## Cvičení 3: obdélník vůči kotvě
#
# Jednostupňový detektor se neučí souřadnice obdélníku, ale jeho **posun vůči kotvě**
# ([`anchors.encode`][nes2.tasks.anchors.encode]). Pro obdélník se středem `(x, y)`
# a velikostí `(w, h)` a kotvu se středem `(xa, ya)` a velikostí `(wa, ha)` je to
# `((x - xa) / wa, (y - ya) / ha, log(w / wa), log(h / ha))`, každé číslo dělené
# příslušným `anchors.VARIANCES`. Napište `encode_box(box, anchor)` a k ní opačnou
# `decode_box(offsets, anchor)` pro jeden obdélník ve formátu `[x_min, y_min, x_max,
# y_max]`.


# %%
def centre_size(box):
    """`[x_min, y_min, x_max, y_max]` as `(centre x, centre y, width, height)`."""
    box = np.asarray(box, dtype="float64")
    return np.array(
        [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box[2] - box[0], box[3] - box[1]]
    )


# %% [markdown] tags=["hint"]
# Střed je `(x_min + x_max) / 2`, šířka `x_max - x_min`. Při dekódování vynásobte posuny
# `anchors.VARIANCES`, střed je `xa + dx * wa`, šířka `wa * exp(dw)` a rohy leží půl šířky
# a výšky od středu.


# %% tags=["solution"]
def encode_box(box, anchor):
    """The offsets `(dx, dy, dw, dh)` of `box` from `anchor`, divided by the variances."""
    # >>> doplňte
    x, y, w, h = centre_size(box)
    xa, ya, wa, ha = centre_size(anchor)
    raw = np.array([(x - xa) / wa, (y - ya) / ha, np.log(w / wa), np.log(h / ha)])
    return raw / np.asarray(anchors.VARIANCES)
    # <<<


def decode_box(offsets, anchor):
    """The box `[x_min, y_min, x_max, y_max]` that `offsets` make of `anchor`."""
    # >>> doplňte
    dx, dy, dw, dh = np.asarray(offsets, dtype="float64") * np.asarray(anchors.VARIANCES)
    xa, ya, wa, ha = centre_size(anchor)
    x, y, w, h = xa + dx * wa, ya + dy * ha, wa * np.exp(dw), ha * np.exp(dh)
    return np.array([x - w / 2, y - h / 2, x + w / 2, y + h / 2])
    # <<<


# %%
cases = [([10, 12, 30, 44], [8, 8, 32, 40]), ([50, 20, 72, 50], [40, 24, 80, 56])]
checks.check_function(
    "posun vůči kotvě", encode_box, lambda b, a: anchors.encode([b], [a])[0], cases, rtol=1e-4
)
checks.check_function(
    "obdélník z posunu",
    decode_box,
    lambda d, a: anchors.decode([d], [a])[0],
    [(anchors.encode([b], [a])[0], a) for b, a in cases],
    rtol=1e-4,
    atol=1e-3,
)
