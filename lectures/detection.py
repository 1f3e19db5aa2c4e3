# %% [markdown]
# # Detekce objektů
#
# **Co se naučíte:** jak najít **více** objektů v obrázku: od R-CNN přes Fast a Faster
# R-CNN k jednostupňovým detektorům (YOLO, RetinaNet); co jsou kotvy (anchors), IoU
# a potlačení nemaxim (non-max suppression); jak detektor natrénovat v KerasCV a změřit
# mAP.
#
# Cíl (plátna ze skutečných číslic, které detektor neviděl) vypíše první buňka kódu
# z `expected.toml`.

# %%
import keras
import keras_cv
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import boxes, config, recipes, viz
from nes2.data import arrays, digit_canvas
from nes2.recipes.detection import CANVAS, MAX_BOXES
from nes2.tasks import detection
from nes2.teaching import expected

PROFILE = config.get_profile()
print(
    f"nes2 {nes2.__version__}, Keras {keras.__version__}, KerasCV {keras_cv.__version__}, "
    f"profil {PROFILE!r}"
)
print(expected.entry("detection/yolov8", PROFILE).goal({"map50": "YOLOv8 mAP@0,5"}))

# %% [markdown]
# Použité API (dokumentace funkcí a tříd):
# [`nes2.tasks.detection`][nes2.tasks.detection] ·
# [`nes2.boxes`][nes2.boxes] ·
# [`nes2.data.digit_canvas`][nes2.data.digit_canvas] ·
# [`nes2.recipes.detection`][nes2.recipes.detection] ·
# [`nes2.viz`][nes2.viz]

# %% [markdown]
# ## Od R-CNN k Faster R-CNN
#
# - **R-CNN** (Girshick et al., 2014): selektivní vyhledávání navrhne asi 2 000 oblastí,
#   každou zvlášť zmenšíme a proženeme CNN; SVM klasifikuje, regrese zpřesní obdélník.
#   Pomalé: 2 000 průchodů sítí na obrázek.
# - **Fast R-CNN** (2015): CNN proběhne jednou přes celý obrázek, oblasti se vyříznou až
#   z mapy příznaků (*RoI pooling*) a jedna síť dává třídu i obdélník.
# - **Faster R-CNN** (2015): i návrhy oblastí dělá síť, *Region Proposal Network*, nad
#   stejnými příznaky: v každém místě mapy posoudí několik **kotev** (anchors), obdélníků
#   různých velikostí a poměrů stran, zda obsahují objekt a jak je posunout.
# - **Jednostupňové detektory** (YOLO, SSD, RetinaNet) vynechají návrhy: třídu a obdélník
#   předpovídají rovnou pro každé místo (a kotvu) mapy příznaků.
#
# Faster R-CNN v KerasCV 0.9 existuje jen jako *legacy* a pod Kerasem 3 se netrénuje;
# KerasHub 0.32 ho nemá. Ukážeme proto jeho stavební kameny a natrénujeme YOLOv8.
#
# ## Kotvy
#
# Generátor kotev RetinaNetu z KerasCV na obrázku 96 × 96: na úrovni P3 (krok 8 px) je
# v každém místě 9 kotev (3 velikosti × 3 poměry stran).

# %%
anchor_generator = keras_cv.layers.AnchorGenerator(
    bounding_box_format="xyxy",
    sizes=list(detection.SMALL_ANCHORS),
    aspect_ratios=[0.5, 1.0, 2.0],
    scales=[2**x for x in (0, 1 / 3, 2 / 3)],
    strides=[2**i for i in range(3, 8)],
    clip_boxes=True,
)
anchors = list(anchor_generator(image_shape=(96, 96, 3)).values())  # úrovně P3 až P7
for level, values in enumerate(anchors, start=3):
    print(f"P{level}: {values.shape[0]:5d} kotev")
p3 = np.asarray(anchors[0])
centre = len(p3) // 2 - (len(p3) // 2) % 9
viz.box_grid(
    np.zeros((1, 96, 96)), boxes=[p3[centre : centre + 9]], title="9 kotev P3 v jednom místě mapy"
)

# %% [markdown]
# ## IoU a potlačení nemaxim
#
# Detektor obvykle najde jeden objekt víckrát. **Non-max suppression** nechá obdélník
# s nejvyšší jistotou a zahodí ty, které ho překrývají víc, než je práh IoU; pak pokračuje
# dalším. Totéž na stejných tenzorech v KerasCV (`MultiClassNonMaxSuppression`) a
# v `nes2.boxes`:

# %%
candidates = np.array(
    [[10, 10, 50, 60], [12, 8, 52, 58], [14, 12, 49, 63], [60, 20, 90, 70]], "float32"
)
scores = np.array([0.9, 0.75, 0.6, 0.8], "float32")
print("IoU s prvním:", boxes.box_iou(candidates[:1], candidates).round(2))
print("nes2.boxes.non_max_suppression:", boxes.non_max_suppression(candidates, scores, 0.5))
nms = keras_cv.layers.MultiClassNonMaxSuppression(
    bounding_box_format="xyxy", from_logits=False, iou_threshold=0.5, confidence_threshold=0.1
)
kept = nms(candidates[None], np.stack([scores, np.zeros(4)], axis=-1)[None].astype("float32"))
print(
    "KerasCV:",
    int(kept["num_detections"][0]),
    "obdélníky,",
    np.asarray(kept["boxes"][0][: int(kept["num_detections"][0])]).tolist(),
)

# %% [markdown]
# ## Data: několik číslic na plátně
#
# 2–4 skutečné číslice MNIST na plátně 96 × 96, s obdélníky a třídami ve formátu KerasCV
# (`{"boxes", "classes"}`, doplněno −1 do pevného počtu).

# %%
digits = arrays.mnist(PROFILE)
sample = digit_canvas.digit_canvases(digits.x_test, digits.y_test, 6, size=CANVAS, seed=7)
viz.box_grid(
    sample.images,
    boxes=sample.boxes,
    labels=sample.classes,
    title=f"Plátna s obdélníky ({digits.source})",
)

# %% [markdown]
# ## YOLOv8 v KerasCV
#
# [Páteř](glossary.md#pater) `yolo_v8_xs` postavená z argumentů konstruktoru:
# presety se stahují z Kaggle, offline by selhaly (`nes2.tasks.detection.from_preset` to řekne
# hned). Ztráty: binární křížová entropie pro třídy, CIoU pro obdélníky; Adam 3e-3.
# Metrika **mAP** je průměr přes třídy plochy pod křivkou přesnost–úplnost; mAP@0,5 bere
# detekci jako správnou při IoU ≥ 0,5, COCO mAP průměruje prahy 0,5–0,95.

# %%
recipes.get("detection").code("fit")

# %%
run = recipes.train("detection", PROFILE, model="yolov8")
m = run.metrics
Markdown(
    expected.run_report(
        run,
        {"map50": "mAP@0,5", "seconds": "trénink (s)"},
        note=f"{m['counts']['train']} pláten; COCO mAP (0,5:0,95) je {m['map']:.3f}.",
    )
)

# %%
backbone = run.model.backbone.count_params()
print(f"páteř {backbone:,} parametrů, celý detektor {run.model.count_params():,}")

# %%
run.figure("detections")

# %% [markdown]
# ## RetinaNet: KerasCV a KerasHub za jednou funkcí
#
# `nes2.tasks.detection.detector("retinanet", library=...)` postaví RetinaNet z KerasCV nebo
# z KerasHub (tam modely KerasCV přešly). Kotvy jsou poloviční proti výchozím (16–256 px),
# protože číslice mají 15–45 px. Celý trénink RetinaNet (KerasCV) je na CPU příliš dlouhý
# pro sestavení webu; jeho zaznamenaný výsledek z `nes2/teaching/expected.toml` je v tabulce pod
# ukázkou. Tady jen jeden krok tréninku obou knihoven:

# %%
test = run.data.test
images = run.data.x_test[:8]
padded = digit_canvas.Canvases(
    test.images[:8], test.boxes[:8], test.classes[:8], np.zeros(1), np.zeros(1)
).padded(MAX_BOXES)
params = {}
for library in detection.LIBRARIES:
    model = detection.detector("retinanet", 10, (CANVAS, CANVAS, 3), library=library)
    params[library] = model.count_params()
    labels = detection.labels_for(model, padded["boxes"], padded["classes"])
    loss = model.fit(images, labels, epochs=1, batch_size=8, verbose=0).history["loss"][0]
    print(
        f"RetinaNet ({library}): {model.count_params():,} parametrů, ztráta po 1 kroku {loss:.2f}"
    )

# %%
retinanet = expected.entry("detection/retinanet", "quick")
yolo = expected.entry("detection/yolov8", "quick")
Markdown(
    f"Zaznamenáno v profilu `quick` (ne v tomto sestavení) na: {retinanet.hardware}.\n\n"
    + viz.markdown_table(
        [
            {
                "model": "YOLOv8 (xs)",
                "params": run.model.count_params(),
                "map50": yolo.bands["map50"]["recorded"],
                "seconds": yolo.bands["seconds"]["recorded"],
            },
            {
                "model": "RetinaNet (KerasCV)",
                "params": params["keras-cv"],
                "map50": retinanet.bands["map50"]["recorded"],
                "seconds": retinanet.bands["seconds"]["recorded"],
            },
        ],
        {"model": "model", "params": "parametrů", "map50": "mAP@0,5", "seconds": "trénink (s)"},
        {"params": "{:,}", "seconds": "{:.0f}"},
    )
)

# %% [markdown]
# ## Skutečné fotografie: Pascal VOC a COCO
#
# V plném profilu se stejné modely učí na fotografiích. Data stahuje
# tensorflow-datasets (VOC 2007 0,9 GB, COCO 2017 25 GB); [`nes2.data.tfds`][nes2.data.tfds]
# bez sítě do několika sekund řekne, co chybí, a převede příklady TFDS
# (`[y_min, x_min, y_max, x_max]` relativně) na formát KerasCV (`xyxy` v pixelech):
#
# ```python
# from nes2.data import tfds
#
# train = tfds.voc("train").map(tfds.detection_example)
# model = detection.detector("yolov8", num_classes=20, input_shape=(320, 320, 3))
# ```
#
# Tato stránka se staví bez sítě, proto tu žádný výsledek na VOC ani COCO neuvádíme.
