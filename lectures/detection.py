# %% [markdown]
# # Detekce objektů
#
# **Co se naučíte:** jak najít **více** objektů v obrázku, v pořadí, v jakém metody
# vznikaly: posuvné okno, jeden průchod plně konvoluční sítí, R-CNN a **RoI pooling**
# (Fast R-CNN), **kotvy** (Faster R-CNN) a nakonec **jednostupňový detektor**, jehož
# detekční hlavu, ztrátu i dekódování napíšeme krok za krokem. Pak stejnou myšlenku
# v knihovně: YOLOv8 a RetinaNet z KerasCV. Úspěšnost měříme metrikou **mAP**.

# %%
import time

import keras
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import boxes, config, models, recipes, viz
from nes2.data import arrays, digit_canvas
from nes2.recipes.detection import CANVAS, VOC_MAX_BOXES, VOC_SIZE
from nes2.tasks import anchors, detection, regions, sliding_window, ssd
from nes2.teaching import expected, verdicts

PROFILE = config.get_profile()
recipe = recipes.get("detection")

# %% [markdown]
# ## Data: několik objektů v obrázku
#
# Plátna 96 × 96 se 2–4 skutečnými číslicemi MNIST; testovací plátna jsou z číslic, které
# žádný detektor při tréninku neviděl. Každý objekt má obdélník `[x_min, y_min, x_max,
# y_max]` v pixelech a třídu. Na nich se učí detektory stránky (fotografie Pascal VOC
# 2007 jsou v profilu `full`, viz konec stránky).

# %%
spec = recipe.spec(PROFILE, data="digits", model="ssd")
data = recipe.data(spec)
test_canvases = data.canvases_test
print(f"{data.source}: {data.counts['train']} trénovacích, {data.counts['test']} testovacích")
viz.box_grid(
    data.shown["images"][:6],
    boxes=data.shown["boxes"][:6],
    labels=data.shown["classes"][:6],
    class_names=data.class_names,
    title=f"Testovací plátna s obdélníky ({data.source})",
)

# %% [markdown]
# ## Posuvné okno
#
# Nejstarší způsob, jak z klasifikátoru udělat detektor: klasifikátor se spustí na **každém
# okně** obrázku v několika velikostech; okna s jistou třídou zůstanou. Klasifikátor
# číslic se učí i 11. třídu, **pozadí**: okna, jež nezachytí ani polovinu žádné číslice (velké
# okno kolem malé číslice ji drží celou) ([`tasks.sliding_window`][nes2.tasks.sliding_window]).

# %%
digits = arrays.mnist(PROFILE)
canvases = digit_canvas.digit_canvases(digits.x_train, digits.y_train, 1000, size=CANVAS)
x, y = sliding_window.patches(canvases)
config.seed_everything()
classifier = models.small_convnet((28, 28, 1), filters=(16, 32), dense_units=64, num_classes=11)
classifier.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
classifier.fit(x, y, epochs=5, batch_size=64, verbose=0)
print(len(x), "oken k učení, z toho", (y == sliding_window.BACKGROUND).sum(), "pozadí")

# %% [markdown]
# Jedna číslice rozsvítí mnoho sousedních oken. Z překrývajících se oken nechá
# **potlačení nemaxim** (non-max suppression, NMS) jen to nejjistější: vezme okno
# s nejvyšším skóre, zahodí ta, která ho překrývají víc, než je práh **IoU** (průnik
# lomeno sjednocením), a pokračuje dalším. Na čtyřech obdélnících:

# %%
candidates = np.array(
    [[10, 10, 50, 60], [12, 8, 52, 58], [14, 12, 49, 63], [60, 20, 90, 70]], "float32"
)
print("IoU s prvním:", boxes.box_iou(candidates[:1], candidates).round(2)[0])
print("ponechané:", boxes.non_max_suppression(candidates, [0.9, 0.75, 0.6, 0.8], 0.5))

# %%
COMPARED = 100  # the first test canvases; every detector below is measured on them
compared = test_canvases.images[:COMPARED]
pairs = zip(test_canvases.boxes[:COMPARED], test_canvases.classes[:COMPARED], strict=True)
truth = [{"boxes": b, "classes": c} for b, c in pairs]
start = time.perf_counter()
found = [sliding_window.detect(classifier, image) for image in compared]
slide_seconds = (time.perf_counter() - start) / COMPARED
slide_map = detection.average_precision(found, truth)
viz.say(
    f"{viz.number(found[0]['windows'])} oken na plátno, {slide_seconds:.2f} s na plátno, "
    f"mAP@0,5 = {slide_map['map50']:.3f}"
)
viz.image_grid(
    np.stack(found[0]["score_maps"]),
    [f"okno {side} px" for side in sliding_window.SIZES],
    ncols=len(sliding_window.SIZES),
    title="Nejvyšší skóre číslice v každém okně (světlé = jistá číslice)",
)

# %% [markdown]
# **mAP@0,5** (mean average precision): detekce je správná, když má správnou třídu
# a IoU se skutečným obdélníkem aspoň 0,5; pro každou třídu se spočte plocha pod křivkou
# přesnost–úplnost a průměr přes třídy je mAP. COCO mAP průměruje prahy IoU 0,5–0,95.

# %% [markdown]
# ## Jeden průchod místo posuvného okna
#
# Posuvné okno počítá konvoluce překrývajících se oken znovu a znovu. Plně propojené
# vrstvy klasifikátoru ale jdou přepsat na **konvoluce se stejnými vahami**
# (OverFeat, Sermanet et al., 2014): první plně propojená vrstva vidí mapu 5 × 5 × 32, stane se
# z ní konvoluce 5 × 5; další plně propojená vrstva je konvoluce 1 × 1. Taková síť proběhne
# **jednou** přes celé plátno a její výstupní mapa obsahuje klasifikaci každého okna
# 28 × 28 s krokem 4 px
# ([`fully_convolutional`][nes2.tasks.sliding_window.fully_convolutional]).

# %%
convolutional = sliding_window.fully_convolutional(classifier)
window_boxes, crops = sliding_window.windows(compared[0], sizes=(28,), stride=4)
per_window = classifier.predict(crops, verbose=0)
one_boxes, one_map = sliding_window.one_pass(convolutional, compared[0])
print("vrstvy:", ", ".join(f"{x.name} {x.output.shape[1:]}" for x in convolutional.layers[-2:]))
viz.say(
    f"{len(per_window)} oken po jednom a jeden průchod: největší rozdíl pravděpodobností "
    f"{np.abs(per_window - one_map).max():.1e}, "
    f"stejná okna: {'ano' if np.array_equal(window_boxes, one_boxes) else 'ne'}"
)
start = time.perf_counter()
for image in compared[:20]:
    for side in sliding_window.SIZES:  # one pass per window size (the image scaled)
        sliding_window.one_pass(convolutional, image, side)
pass_seconds = (time.perf_counter() - start) / 20
windows = f"{viz.number(found[0]['windows'])} oken po jednom {slide_seconds:.3f} s"
viz.say(f"na plátno: {len(sliding_window.SIZES)} průchody {pass_seconds:.3f} s, {windows}")

# %% [markdown]
# Jeden průchod odstraní opakované počítání, ne hrubost mřížky: okna mají dál jen pevné
# velikosti a polohy. To řeší další dva kroky historie: **obdélník se předpovídá**
# (regrese) a **místo všech oken se posuzují jen slibné oblasti**.
#
# ## R-CNN a Fast R-CNN: oblasti z mapy příznaků
#
# - **R-CNN** (Girshick et al., 2014): selektivní vyhledávání navrhne asi 2 000 oblastí,
#   každá se zvlášť zmenší a projde CNN; SVM klasifikuje, regrese zpřesní obdélník.
#   2 000 průchodů sítí na obrázek.
# - **Fast R-CNN** (2015): CNN proběhne **jednou** přes celý obrázek, jako výše, a oblasti
#   se vyříznou až z mapy příznaků. Oblasti mají různou velikost, další vrstvy chtějí
#   pevnou: **RoI pooling** oblast zaokrouhlí na celé buňky mapy, rozdělí ji na
#   *k* × *k* přihrádek a z každé vezme maximum.
# - **Mask R-CNN** (2017) zaokrouhlování nahradil **RoIAlign**: v každé přihrádce
#   bilineárně odečte několik bodů a zprůměruje je, takže maska z takto vyříznutých
#   příznaků sedí na objekt přesně ([`tasks.regions`][nes2.tasks.regions]).
#
# Mapa příznaků klasifikátoru (po druhém poolingu) a tři oblasti plátna, každá na 7 × 7.
# Obdélník se na buňky převede krokem mapy a posunem její první buňky: konvoluce `valid`
# ubírají okraj ([`regions.cell_geometry`][nes2.tasks.regions.cell_geometry] to spočte z vrstev):

# %%
features_model = sliding_window.fully_convolutional(classifier, until="pool2")
features = np.asarray(features_model(compared[:1]))[0]
stride, offset = regions.cell_geometry(features_model)
regions_xyxy = test_canvases.boxes[0]
pooled, aligned = (
    cut(features, regions_xyxy, size=7, stride=stride, offset=offset)
    for cut in (regions.roi_pool, regions.roi_align)
)
print(f"mapa {features.shape}: krok {stride} px, buňka 0 začíná {offset:g} px od kraje")
print(f"{len(regions_xyxy)} oblasti → RoI pooling i RoIAlign {aligned.shape[1:]} každá")
in_cells = (regions_xyxy[0] - offset) / stride
print("oblast v buňkách:", in_cells.round(2), "→ zaokrouhleně", np.round(in_cells).astype(int))
crops = regions.roi_align(compared[0], regions_xyxy, size=14)[..., 0]


def enlarged(maps):  # 7 x 7 -> 14 x 14 cells, to sit beside the 14 x 14 image crops
    return maps.mean(-1).repeat(2, axis=1).repeat(2, axis=2)


n = len(regions_xyxy)
viz.image_grid(
    np.concatenate([crops, enlarged(pooled), enlarged(aligned)]),
    [f"obraz ({i + 1})" for i in range(n)]
    + [f"RoI pooling ({i + 1})" for i in range(n)]
    + [f"RoIAlign ({i + 1})" for i in range(n)],
    ncols=n,
    title="Oblasti plátna: obraz (RoIAlign 14 × 14), průměr kanálů mapy příznaků (7 × 7)",
)

# %% [markdown]
# Každá oblast, malá i velká, dává stejný tvar, takže za vyříznutím může stát plně propojená
# vrstva (třída a obdélník ve Fast R-CNN) nebo malá konvoluční síť (maska v Mask R-CNN).
#
# ## Faster R-CNN: kotvy
#
# **Faster R-CNN** (2015) nechá i návrhy oblastí na síti (*Region Proposal Network*): na
# každé buňce mapy příznaků posoudí několik **kotev** (anchors), obdélníků různých velikostí
# a poměrů stran, zda obsahují objekt a jak je posunout. Kotvy našeho detektoru: dvě
# úrovně map (krok 8 a 16 px), v každé buňce 2 velikosti × 2 poměry stran
# ([`tasks.anchors`][nes2.tasks.anchors]).

# %%
grid = anchors.anchors(CANVAS)
per_cell = anchors.per_location()
print(f"{len(grid)} kotev: {per_cell} v buňce, úrovně s krokem {anchors.STRIDES} px")
matched, best_iou = anchors.match(grid, test_canvases.boxes[0])
positive = matched >= 0
viz.say(
    f"plátno 0: {len(test_canvases.boxes[0])} číslice, {positive.sum()} kotev je hledá, "
    f"{(matched == -2).sum()} se nepočítá (IoU {anchors.NEGATIVE_IOU}–{anchors.POSITIVE_IOU}), "
    f"{(matched == -1).sum()} je pozadí"
)
middle = 6 * 12 * per_cell[0] + 6 * per_cell[0]  # the cell (6, 6) of the stride-8 map
viz.box_grid(
    np.stack([test_canvases.images[0], test_canvases.images[0]]),
    boxes=[grid[middle : middle + per_cell[0]], grid[positive]],
    true_boxes=[[], test_canvases.boxes[0]],
    max_boxes=40,
    ncols=2,
    title="Kotvy jedné buňky (vlevo) a kotvy s IoU ≥ 0,5 k číslici (vpravo)",
)

# %% [markdown]
# ## Jednostupňový detektor krok za krokem
#
# Jednostupňové detektory (SSD, YOLO, RetinaNet) vynechají návrhy: pro **každou kotvu**
# rovnou předpovídají třídu (nebo pozadí) a posun obdélníku. Tohle je
# [**detekční hlava**](glossary.md#detekcni-hlava).
# Pět kroků [`tasks.anchors`][nes2.tasks.anchors] a [`tasks.ssd`][nes2.tasks.ssd]:
#
# 1. **Přiřazení**: kotva s IoU ≥ 0,5 k číslici ji má najít, pod 0,4 je pozadí, mezi tím
#    se nepočítá; každá číslice dostane aspoň svou nejlepší kotvu (obrázek výše).
# 2. **Kódování**: cílem kotvy je posun obdélníku vůči ní: posun středu dělený šířkou
#    a výškou kotvy a logaritmus poměru velikostí, vydělené ještě 0,1 (střed) a 0,2
#    (velikost) jako v SSD. Cíle jsou tak stejně velké pro malé i velké objekty.

# %%
first = np.flatnonzero(matched == 0)[0]  # an anchor that finds digit 0 of the canvas
box, anchor = test_canvases.boxes[0][:1], grid[first : first + 1]
offsets = anchors.encode(box, anchor)
print("obdélník", box[0], "kotva", anchor[0].round(1))
back = anchors.decode(offsets, anchor)[0]
print("posun (dx, dy, dw, dh):", offsets[0].round(3), "→ zpět", back.round(2))

# %% [markdown]
# 3. **Hlavy**: na každé úrovni dvě konvoluce 3 × 3, jedna dává pro každou kotvu
#    11 skóre (10 číslic + pozadí), druhá 4 posuny.
# 4. **Ztráta**: na plátně je kolem 720 kotev a jen pár z nich hledá číslici. Obyčejná
#    křížová entropie by se učila hlavně „všude je pozadí“. **Fokální ztráta**
#    `-(1 - p)^γ log p` (RetinaNet) snadné kotvy pozadí (p blízko 1) téměř vynuluje;
#    SSD místo toho bere jen tři nejhorší kotvy pozadí na každou číslici. Posuny se
#    porovnávají ztrátou smooth-L1, **jen na kotvách s číslicí**.
# 5. **Dekódování**: pro každou kotvu nejjistější třída; kotvy se skóre aspoň 0,2 se
#    dekódují na obdélníky a NMS v každé třídě nechá nejlepší.

# %%
model = ssd.compile_detector(ssd.SingleShotDetector(num_classes=10, image_size=CANVAS))
shapes = {name: tuple(v.shape) for name, v in model(data.train[0][:2]).items()}
print(shapes, viz.number(model.count_params()), "parametrů")
recipe.code("fit")

# %% [markdown]
# Trénink (Keras vypisuje obě části ztráty zvlášť, `classes_loss` a `boxes_loss`):

# %%
ssd_run = recipes.train("detection", PROFILE, data="digits", model="ssd")
viz.plot_history(
    ssd_run.history,
    metrics=("classes_loss", "boxes_loss"),
    title="Ztráty detektoru (trénovací plátna)",
)

# %%
Markdown(expected.run_report(ssd_run, {"map50": "mAP@0,5", "seconds": "trénink (s)"}))

# %%
ssd_run.figure("detections")

# %%
inputs = np.repeat(compared, 3, axis=-1).astype("float32")
ssd_map = detection.average_precision(detection.predict(ssd_run.model, inputs), truth)
rows = [{"method": "posuvné okno", "params": classifier.count_params(), **slide_map}]
rows += [{**ssd_run.metrics, **ssd_map, "method": "náš", "params": model.count_params()}]
Markdown(
    f"Náš detektor proti posuvnému oknu na prvních {COMPARED} testovacích plátnech:\n\n"
    + viz.markdown_table(
        rows,
        {"method": "detektor", "params": "parametrů", "map50": "mAP@0,5", "seconds": "trénink (s)"},
        {"params": "{:,}", "map50": "{:.3f}", "seconds": "{:.0f}"},
    )
)

# %% [markdown]
# ## YOLOv8 a RetinaNet: totéž v knihovně
#
# **YOLOv8** (KerasCV) dělá totéž ve větším: páteř `yolo_v8_xs`, tři úrovně map, místo kotev
# vzdálenosti ke stranám obdélníku, ztráty binární křížová entropie a CIoU. **RetinaNet**
# (KerasCV i KerasHub) je náš detektor s kotvami na pěti úrovních pyramidy příznaků.
# Obě stavíme z argumentů konstruktoru a trénuje je tentýž recept (`model="yolov8"`),
# na CPU ale na sestavení webu příliš dlouho: ukazujeme běhy zaznamenané v `expected.toml`.

# %%
entries, rows = {}, []  # the library detectors' expected results, the table's rows
for name, options in (("YOLOv8", {}), ("RetinaNet", {"anchor_sizes": detection.SMALL_ANCHORS})):
    net = detection.detector(name.lower(), 10, (CANVAS, CANVAS, 3), **options)
    entry = entries[name] = expected.entry(f"detection/{name.lower()}", "quick")
    rows.append({"method": name, "params": net.count_params(), "spread": entry.spread("map50")})
    rows[-1] |= {metric: band["recorded"] for metric, band in entry.bands.items()}
ours = ssd_run.metrics | {"method": "náš (tento běh)", "params": ssd_run.model.count_params()}
rows.append(ours | {"spread": expected.entry("detection/ssd", "quick").spread("map50")})
columns = {"method": "detektor", "params": "parametrů", "map50": "mAP@0,5"}
columns |= {"spread": "rozptyl semen", "seconds": "trénink (s)"}
Markdown(
    viz.markdown_table(rows, columns, {"params": "{:,}", "map50": "{:.3f}", "seconds": "{:.0f}"})
    + f"\n\n{verdicts.detection(entries, ssd_run.metrics['map50'])}"
)

# %% [markdown]
# ## Skutečné fotografie: Pascal VOC 2007
#
# Profil `full` učí stejné modely na fotografiích Pascal VOC 2007: 20 tříd, trénink na
# 5 011 fotografiích, měření na 4 952, data 0,9 GB (vše podle katalogu tensorflow-datasets,
# `voc/2007`), polovina zrcadlená i s obdélníky. Data stáhne tensorflow-datasets jednou;
# bez nich [`nes2.data.tfds`][nes2.data.tfds] hned řekne, co chybí. Na počítači s GPU
# `nes2 train detection --profile full` (YOLOv8), s `--model ssd` náš detektor:

# %%
print(f"obrázky {VOC_SIZE['full']} × {VOC_SIZE['full']} px, nejvýše {VOC_MAX_BOXES} objektů")
print("kotvy detektoru ssd pro fotografie (strana v px):", ssd.PRESETS["photos"]["sizes"])

# %% [markdown]
# ## Shrnutí
#
# - Posuvné okno dělá z klasifikátoru detektor za cenu průchodu pro každé okno; plně
#   propojené vrstvy jako konvoluce dají totéž jedním průchodem na velikost okna.
# - Fast R-CNN vyřezává oblasti z mapy příznaků; RoI pooling i RoIAlign z nich udělají
#   stejný tvar, RoIAlign bez zaokrouhlení.
# - Kotvy jsou pevné obdélníky v každé buňce mapy; detektor se učí jejich třídu a posun,
#   posun kódovaný vůči kotvě.
# - Jednostupňový detektor = páteř + dvě hlavy + ztráta, která zvládne převahu pozadí
#   (fokální), + dekódování a NMS; YOLOv8 a RetinaNet jsou větší verze téže myšlenky.

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.tasks.detection`][nes2.tasks.detection] · [`nes2.tasks.ssd`][nes2.tasks.ssd] ·
# [`nes2.tasks.anchors`][nes2.tasks.anchors] · [`nes2.tasks.regions`][nes2.tasks.regions] ·
# [`nes2.tasks.sliding_window`][nes2.tasks.sliding_window] · [`nes2.boxes`][nes2.boxes] ·
# [`nes2.data.digit_canvas`][nes2.data.digit_canvas] · [`nes2.viz`][nes2.viz] ·
# [`nes2.recipes.detection`][nes2.recipes.detection]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
print("detection/ssd", expected.entry("detection/ssd", PROFILE).goal({"map50": "mAP@0,5"}))
