# %% [markdown]
# # Detekce objektů
#
# **Co se naučíte:** jak najít **více** objektů v obrázku: od R-CNN přes Fast a Faster
# R-CNN k jednostupňovým detektorům (YOLO, RetinaNet); co jsou kotvy (anchors), IoU
# a potlačení nemaxim (non-max suppression); jak detektor natrénovat v KerasCV a změřit
# mAP.
#
# Data volí volba `data` receptu `detection`: profil `quick` (sestavení webu bez GPU)
# trénuje na plátnech se skutečnými číslicemi MNIST, profil `full` na fotografiích
# Pascal VOC 2007 (`nes2 train detection --data digits|voc` volí jinak). Data a cíl
# z `expected.toml` vypíše první buňka kódu.

# %%
import time

import keras
import keras_cv
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import boxes, config, models, recipes, viz
from nes2.data import arrays, digit_canvas
from nes2.recipes.detection import CANVAS, VOC_MAX_BOXES, VOC_SIZE
from nes2.tasks import detection, sliding_window
from nes2.teaching import expected

PROFILE = config.get_profile()
print(
    f"nes2 {nes2.__version__}, Keras {keras.__version__}, KerasCV {keras_cv.__version__}, "
    f"profil {PROFILE!r}"
)
recipe = recipes.get("detection")
spec = recipe.spec(PROFILE, model="yolov8")
options = spec.options
print(f"data: {options['data']} (profil {PROFILE})")
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
# ## Data: několik objektů v obrázku
#
# V profilu `quick` 2–4 skutečné číslice MNIST na plátně 96 × 96 (testovací plátna jsou
# z číslic, které detektor při tréninku neviděl); v profilu `full` fotografie Pascal VOC
# 2007 s 20 třídami, zmenšené na čtverec i s obdélníky. Obdélníky a třídy jsou ve formátu
# KerasCV (`{"boxes", "classes"}`, doplněno −1 do pevného počtu). Prvních šest
# testovacích obrázků dat, na kterých se níže trénuje:

# %%
data = recipe.data(spec)
print(f"{data.source}: {data.counts['train']} trénovacích, {data.counts['test']} testovacích")
viz.box_grid(
    data.shown["images"][:6],
    boxes=data.shown["boxes"][:6],
    labels=data.shown["classes"][:6],
    class_names=data.class_names,
    title=f"Testovací obrázky s obdélníky ({data.source})",
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
        note=f"{m['counts']['train']} trénovacích obrázků; COCO mAP (0,5:0,95) je {m['map']:.3f}.",
    )
)

# %%
backbone = run.model.backbone.count_params()
print(f"páteř {backbone:,} parametrů, celý detektor {run.model.count_params():,}")

# %%
run.figure("detections")

# %% [markdown]
# ## Posuvné okno: detektor z klasifikátoru
#
# Před R-CNN se objekty hledaly **posuvným oknem**: klasifikátor se spustí na každém okně
# obrázku v několika velikostech, okna s jistou třídou se ponechají a duplicity odstraní
# potlačení nemaxim ([`tasks.sliding_window`][nes2.tasks.sliding_window]). Klasifikátor
# číslic se tu navíc učí 11. třídu, pozadí: okna, která žádnou číslici nezachytí celou.
# Stejná plátna s číslicemi jako YOLOv8 výše (v profilu `full` se YOLOv8 na číslicích
# natrénuje zvlášť):

# %%
digits = arrays.mnist(PROFILE)
canvases = digit_canvas.digit_canvases(digits.x_train, digits.y_train, 1000, size=CANVAS)
COMPARED = 100  # test canvases, the first of those YOLOv8 was measured on
test_canvases = digit_canvas.digit_canvases(
    digits.x_test, digits.y_test, COMPARED, size=CANVAS, seed=config.DEFAULT_SEED + 1
)
x, y = sliding_window.patches(canvases)
config.seed_everything()
classifier = models.small_convnet((28, 28, 1), filters=(16, 32), dense_units=64, num_classes=11)
classifier.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
classifier.fit(x, y, epochs=5, batch_size=64, verbose=0)
print(f"{len(x):,} oken k učení ({(y == sliding_window.BACKGROUND).sum():,} pozadí)")

# %%
start = time.perf_counter()
found = [sliding_window.detect(classifier, image) for image in test_canvases.images]
slide_seconds = (time.perf_counter() - start) / len(found)
yolo = run if options["data"] == "digits" else recipes.train("detection", PROFILE, data="digits")
yolo_inputs = np.repeat(test_canvases.images, 3, axis=-1).astype("float32")
detection.predict(yolo.model, yolo_inputs[:2])  # the first call traces the model
start = time.perf_counter()
yolo_found = detection.predict(yolo.model, yolo_inputs)
yolo_seconds = (time.perf_counter() - start) / len(yolo_found)
truth = [
    {"boxes": b, "classes": c}
    for b, c in zip(test_canvases.boxes, test_canvases.classes, strict=True)
]
Markdown(
    viz.markdown_table(
        [
            {
                "method": "posuvné okno + klasifikátor",
                "passes": found[0]["windows"],
                "seconds": slide_seconds,
                **detection.average_precision(found, truth),
            },
            {
                "method": "YOLOv8 (jeden průchod)",
                "passes": 1,
                "seconds": yolo_seconds,
                **detection.average_precision(yolo_found, truth),
            },
        ],
        {
            "method": "detektor",
            "passes": "průchodů sítí na plátno",
            "seconds": "s na plátno",
            "map50": "mAP@0,5",
        },
        {"passes": "{:,}", "seconds": "{:.3f}", "map50": "{:.3f}"},
    )
)

# %%
first = found[0]
fig = viz.image_grid(
    np.stack(first["score_maps"]),
    [f"okno {side} px" for side in sliding_window.SIZES],
    ncols=len(sliding_window.SIZES),
    title="Nejvyšší skóre číslice v každém okně (světlé = jistá číslice)",
)
fig

# %%
viz.box_grid(
    test_canvases.images[:6],
    boxes=[f["boxes"] for f in found[:6]],
    labels=[f["classes"] for f in found[:6]],
    scores=[f["scores"] for f in found[:6]],
    class_names=digits.class_names,
    title=f"Posuvné okno po potlačení nemaxim ({digits.source})",
)

# %% [markdown]
# Posuvné okno potřebuje na každé plátno tolik průchodů klasifikátorem, kolik je oken, a jeho
# obdélníky mají jen velikosti a polohy mřížky oken; okno, které zachytí jen část číslice,
# klasifikátor snadno splete. R-CNN proto počet oblastí zmenšil návrhy (asi 2 000 na
# obrázek místo všech oken), Faster R-CNN je navrhuje sítí a jednostupňové detektory
# jako YOLOv8 dají třídy i přesné obdélníky jedním průchodem. Tady je klasifikátor malý
# a plátno malé, takže čas na plátno tabulka srovnává jen orientačně; s velkou sítí na
# fotografiích stojí každé okno celý její průchod.

# %% [markdown]
# ## RetinaNet: KerasCV a KerasHub za jednou funkcí
#
# `nes2.tasks.detection.detector("retinanet", library=...)` postaví RetinaNet z KerasCV nebo
# z KerasHub (tam modely KerasCV přešly). Kotvy jsou poloviční proti výchozím (16–256 px),
# protože číslice mají 15–45 px. Celý trénink RetinaNet (KerasCV) je na CPU příliš dlouhý
# pro sestavení webu; jeho zaznamenaný výsledek z `nes2/teaching/expected.toml` je v tabulce pod
# ukázkou. Tady jen jeden krok tréninku obou knihoven:

# %%
shown = run.data.shown
images, padded = shown["inputs"][:8], {k: v[:8] for k, v in shown["labels"].items()}
params = {}
for library in detection.LIBRARIES:
    model = detection.detector(
        "retinanet",
        len(run.data.class_names),
        run.data.input_shape,
        library=library,
        anchor_sizes=run.data.anchor_sizes,
    )
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
# ## Skutečné fotografie: Pascal VOC 2007
#
# Profil `full` učí stejné modely na fotografiích Pascal VOC 2007: trénink na `train` +
# `validation` (5 011 fotografií), měření na `test` (4 952), 20 tříd (počty a velikost
# podle katalogu tensorflow-datasets, `voc/2007`); obrázky zmenšené na čtverec (velikost
# vypíše buňka níže) a polovina z nich zrcadlená i s obdélníky. Data stahuje a připraví
# tensorflow-datasets (0,9 GB, jednou); [`nes2.data.tfds`][nes2.data.tfds] bez sítě do
# několika sekund řekne, co chybí (`tfds build voc/2007`), a převede příklady TFDS
# (`[y_min, x_min, y_max, x_max]` relativně) na formát KerasCV (`xyxy` v pixelech).
# Na počítači s GPU:
#
# ```bash
# nes2 train detection --profile full                    # YOLOv8 na VOC 2007
# nes2 train detection --profile full --model retinanet --library keras-hub
# ```
#
# Očekávané hodnoty profilu `full`:

# %%
print(f"obrázky {VOC_SIZE['full']} × {VOC_SIZE['full']} px, nejvýše {VOC_MAX_BOXES} objektů")
print(expected.entry("detection/yolov8", "full").goal({"map50": "mAP@0,5", "map": "COCO mAP"}))
