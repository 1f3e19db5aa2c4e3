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


# %% tags=["solution"]
def nms(boxes_xyxy, scores, threshold=0.5):
    order = list(np.argsort(scores)[::-1])
    keep = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        overlaps = boxes.box_iou(boxes_xyxy[[best]], boxes_xyxy[order])[0] if order else []
        order = [i for i, o in zip(order, overlaps, strict=True) if o <= threshold]
    return keep


# %%
rng = np.random.default_rng(2)
centres = rng.uniform(10, 90, (5, 2)).repeat(6, axis=0) + rng.normal(0, 3, (30, 2))
candidates = np.concatenate([centres - 8, centres + 8], axis=1)
scores = rng.uniform(0, 1, 30)
checks.check_close(
    "ponechané indexy", nms(candidates, scores), boxes.non_max_suppression(candidates, scores)
)

# %% [markdown]
# ## Cvičení 2: přidejte třídu
#
# Detektor YOLOv8 z [`detection.detector`][nes2.tasks.detection.detector] má pro číslice
# 10 tříd. Postavte detektor `eleven` pro 11 tříd (například číslice a „jiný znak“)
# na plátnech 96 × 96 a spočtěte, o kolik parametrů je větší než detektor pro
# 10 tříd (`extra`). Kterých vrstev se počet tříd týká? (YOLOv8 má hlavu na třech
# úrovních rozlišení a každá končí konvolucí 1 × 1 s jedním kanálem na třídu.)

# %% tags=["solution"]
keras.utils.set_random_seed(0)
ten = detection.detector("yolov8", 10, (96, 96, 3))
eleven = detection.detector("yolov8", 11, (96, 96, 3))
extra = eleven.count_params() - ten.count_params()
last_convs = [layer for layer in eleven.layers if layer.name.endswith("class_3_conv")]
print(f"o {extra} parametrů více; poslední konvoluce třídy na každé úrovni:")
for layer in last_convs:
    print(f"  {layer.name}: jádro {tuple(layer.kernel.shape)}, bias {tuple(layer.bias.shape)}")

# %%
checks.check_at_least("parametrů navíc pro jedenáctou třídu", extra, 1)
predictions = eleven.predict(np.zeros((1, 96, 96, 3), "float32"), verbose=0)
checks.check_close("tvar obdélníků z predict", predictions["boxes"].shape[-1], 4)
