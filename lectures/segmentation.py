# %% [markdown]
# # Sémantická a instanční segmentace
#
# **Co se naučíte:** klasifikovat **každý pixel** obrázku. Sémantická segmentace říká, do
# jaké třídy pixel patří (pozadí, číslice 0, …, číslice 9); instanční navíc odliší dva
# objekty téže třídy. Postavíme U-Net (kodér–dekodér se zkratkami), porovnáme ho
# se SegNetem (dekodér bez zkratek, max-unpooling) a ukážeme, kde jsou DeepLabV3+ a SegFormer
# v KerasCV a KerasHub.

# %%
import keras
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import config, recipes, viz
from nes2.data import arrays, digit_canvas
from nes2.layers import MaxUnpooling2D
from nes2.recipes.segmentation import CANVAS, NUM_CLASSES, PETS_SIZE, PETS_WIDTH
from nes2.tasks import segmentation
from nes2.teaching import expected

PROFILE = config.get_profile()
recipe = recipes.get("segmentation")
spec = recipe.spec(PROFILE, model="unet")
options = spec.options

# %% [markdown]
# ## Data: obrázky a jejich masky
#
# V profilu `quick` položíme na malé čtvercové plátno 2–4 skutečné číslice MNIST (11 tříd).
# Maska přiřadí každému pixelu inkoustu třídu jeho číslice (1–10), ostatním pozadí (0).
# Pixely číslic tvoří malou část obrázku (podíl spočte buňka níže): síť, která všude
# řekne „pozadí“, by měla vysokou přesnost, a proto se segmentace měří **průměrným IoU
# přes třídy** včetně pozadí, ne přesností. V profilu `full` jsou to fotografie
# Oxford-IIIT Pet a jejich trimapy (3 třídy, viz konec stránky).

# %%
data = recipe.data(spec)
masks = data.test[1]
print(f"{data.source}: {data.counts['train']} trénovacích, {data.counts['test']} testovacích")
background = viz.number(np.mean(masks == 0), ".1%")
print(f"plátna {masks.shape[1]} × {masks.shape[2]} px, podíl pixelů pozadí {background}")
viz.mask_grid(
    data.shown[:4],
    masks[:4],
    num_classes=len(data.class_names),
    class_names=data.class_names[1:],
    title=f"Obrázky a masky ({data.source})",
)

# %% [markdown]
# ## U-Net
#
# Kodér zmenšuje rozlišení a přidává kanály (co na obrázku je), dekodér rozlišení vrací
# transponovanými konvolucemi (`Conv2DTranspose`). **Zkratky** (skip connections) přivádějí
# do dekodéru jemné detaily z kodéru stejného rozlišení: bez nich by hranice číslic byly
# rozmazané.

# %%
unet = segmentation.unet((CANVAS, CANVAS, 1), NUM_CLASSES)  # plátna s číslicemi
print(f"U-Net: {viz.number(unet.count_params())} parametrů")
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
m, iou = run.metrics, run.metrics["iou_per_class"]
Markdown(
    expected.run_report(
        run,
        {"mean_iou": f"průměrné IoU ({len(run.data.class_names)} tříd)", "seconds": "trénink (s)"},
        note=f"{m['counts']['train']} trénovacích obrázků; IoU pozadí {viz.number(iou[0], '.3f')}, "
        f"nejhorší třída popředí {viz.number(min(iou[1:]), '.3f')}.",
    )
)

# %%
run.figure("masks")

# %% [markdown]
# ## Zpět na plné rozlišení: tři způsoby převzorkování
#
# Dekodér musí z malé mapy udělat velkou. Porovnáme tři způsoby na mapě 4 × 4, kterou
# max-pooling 2 × 2 zmenšil na 2 × 2:
#
# - **[transponovaná konvoluce](glossary.md#transponovana-konvoluce)**
#   (`Conv2DTranspose`, U-Net): každá hodnota vstupu „rozmaže“ jádro do výstupu
#   s krokem 2; jádro se učí. Zde jádro 3 × 3 samých jedniček, aby bylo vidět, kolik
#   příspěvků každý pixel výstupu dostane;
# - **max-unpooling** ([`MaxUnpooling2D`][nes2.layers.MaxUnpooling2D], SegNet): hodnotu
#   vrátí tam, kde v okně bylo maximum, jinde nula; nic se neučí;
# - **bilineární převzorkování** (`UpSampling2D(interpolation="bilinear")`): vážený
#   průměr sousedů; nic se neučí.

# %%
grid = np.array([[1, 2, 0, 1], [4, 3, 2, 0], [0, 1, 5, 2], [2, 0, 3, 6]], "float32")
x = grid.reshape(1, 4, 4, 1)
pooled = keras.layers.MaxPooling2D(2)(x)
transpose = keras.layers.Conv2DTranspose(
    1, 3, strides=2, padding="same", kernel_initializer="ones", use_bias=False
)
upsampled = {
    "vstup 4 × 4": x,
    "transponovaná konvoluce": transpose(pooled),
    "max-unpooling": MaxUnpooling2D(2)([pooled, x]),
    "bilineární": keras.layers.UpSampling2D(2, interpolation="bilinear")(pooled),
}
contributions = transpose(keras.ops.ones_like(pooled))
print("po max-poolingu 2 × 2:\n", keras.ops.convert_to_numpy(pooled)[0, ..., 0])
for name, y in {**upsampled, "příspěvků na pixel (transponovaná)": contributions}.items():
    print(f"\n{name}:\n", np.round(keras.ops.convert_to_numpy(y)[0, ..., 0], 2))

# %%
viz.image_grid(
    np.stack([keras.ops.convert_to_numpy(y)[0] for y in upsampled.values()]),
    list(upsampled),
    ncols=4,
    title="Převzorkování mapy 2 × 2 na 4 × 4 (světlejší = větší hodnota)",
)

# %% [markdown]
# Poslední matice ukazuje, že transponovaná konvoluce s krokem 2 a jádrem 3 × 3 dá
# pixelům výstupu různý počet příspěvků (jádra se překrývají jen někde): odtud šachovnicové
# artefakty (Odena et al., *Deconvolution and Checkerboard Artifacts*, Distill 2016). U-Net
# v `nes2` má jako původní článek nepřekrývající se jádro 2 × 2 s krokem 2. Max-unpooling
# zachová polohu maxim a jinde nechá nuly; bilineární převzorkování je hladké, ale polohy
# maxim zapomene.

# %% [markdown]
# ## SegNet: dekodér bez zkratek
#
# SegNet (Badrinarayanan et al., 2015) má tytéž tři bloky kodéru jako náš U-Net (jen bez
# bloku na dně), ale jeho dekodér nedostává příznaky kodéru, jen **polohy maxim**
# z poolingu (*max-unpooling*, [`MaxUnpooling2D`][nes2.layers.MaxUnpooling2D]): každou
# hodnotu vrátí na místo, kde v okně 2 × 2 leželo maximum, ostatní tři pixely jsou nula
# a doplní je následující konvoluce. Natrénujeme ho stejným receptem na stejných plátnech
# se stejným počtem epoch a porovnáme s U-Netem:

# %%
segnet_run = recipes.train("segmentation", PROFILE, model="segnet")
runs = {"U-Net": run, "SegNet": segnet_run}
rows = [
    r.metrics
    | {"model": k, "params": r.model.count_params(), "worst": min(r.metrics["iou_per_class"][1:])}
    for k, r in runs.items()
]
columns = {"model": "model", "params": "parametrů", "mean_iou": "průměrné IoU"}
columns |= {"worst": "IoU nejhorší třídy popředí", "seconds": "trénink (s)"}
formats = {"params": "{:,}", "mean_iou": "{:.3f}", "worst": "{:.3f}", "seconds": "{:.0f}"}
gap = run.metrics["mean_iou"] - segnet_run.metrics["mean_iou"]
better, worse = ("U-Net", "SegNet") if gap >= 0 else ("SegNet", "U-Net")
Markdown(
    viz.markdown_table(rows, columns, formats)
    + f"\n\n{better} má o {viz.number(abs(gap), '.3f')} vyšší průměrné IoU než {worse}.\n\n"
    + expected.relation_report(PROFILE, {r.name: r.metrics for r in runs.values()})
)

# %%
segnet_run.figure("masks")

# %% [markdown]
# Zkratky U-Netu přinášejí do dekodéru samotné příznaky kodéru v plném rozlišení: kde
# přesně vede tah číslice a jak je tenký. SegNet z kodéru ví jen, kde v každém okně
# poolingu bylo maximum; tvar tahu musí dekodér odhadnout z hrubších map. Porovnejte
# hranice číslic na obou obrázcích masek. Výhodou SegNetu je podle jeho autorů menší
# paměť (místo celých map příznaků si pamatuje jen polohy maxim); méně parametrů má
# v tabulce proto, že mu chybí blok na dně a bloky jeho dekodéru jsou užší.

# %% [markdown]
# ## DeepLabV3+, SegFormer: KerasCV a KerasHub
#
# Velké segmentační sítě mají předtrénovanou páteř. KerasCV (verze `0.9`, už se nevyvíjí, jeho
# modely přešly do KerasHub) nabízí `DeepLabV3Plus` a `SegFormer`; KerasHub
# `DeepLabV3ImageSegmenter` (vrací logity). Předtrénované váhy se stahují z Kaggle;
# zde je stavíme z argumentů konstruktoru a ověříme jen, že jejich výstup (mapu tříd
# ve tvaru masky) přijme naše ztráta:

# %%
x = segmentation.padded(np.asarray(run.data.shown[:4], "float32"))  # rozměr dělitelný 32
x = np.repeat(x, 3, axis=-1) if x.shape[-1] == 1 else x  # KerasCV a KerasHub chtějí RGB
y, classes = segmentation.padded(run.data.test[1][:4]), len(run.data.class_names)
for name in ("deeplabv3plus", "segformer", "deeplabv3-hub"):
    model = segmentation.build(name, x.shape[1:], classes)
    dice = segmentation.DiceCrossEntropy(classes, from_logits=name.endswith("hub"))
    loss = float(dice(y, model(x, training=False)))
    params = viz.number(model.count_params())
    viz.say(f"{name:14s} {params:>10} parametrů, ztráta nenaučené sítě {loss:.3f}")

# %% [markdown]
# ## Instanční segmentace: Mask R-CNN a středy objektů
#
# Sémantická maska neodliší dvě dvojky vedle sebe: obě jsou „třída 2“. Instanční
# segmentace dá každému objektu vlastní masku. **Mask R-CNN** (He et al., 2017) na to jde
# shora: rozšiřuje Faster R-CNN o třetí hlavu, takže pro každý navržený obdélník předpoví
# kromě třídy a zpřesnění obdélníku i binární masku 28 × 28 uvnitř něj. Dvě dotýkající
# se číslice jsou dva návrhy, a tedy dvě masky.
#
# Nejtěžší případ vyrobí [`touching_digits`][nes2.data.digit_canvas.touching_digits]: na
# plátně 48 × 48 dvě různé číslice **téže třídy**, posunuté tak, že se jejich inkoust
# dotýká. Souvislé oblasti sémantické masky (to jediné, co z ní lze o objektech vyčíst)
# pak najdou jeden objekt tam, kde jsou dva:

# %%
from nes2.recipes.instances import CANVAS as PAIR_CANVAS
from nes2.tasks import instances

digits = arrays.mnist("quick")
pairs = digit_canvas.touching_digits(digits.x_test, digits.y_test, 200, size=PAIR_CANVAS, seed=5)
regions = instances.connected_components(pairs.masks)
viz.say(
    f"{len(pairs.masks)} pláten po 2 číslicích; sémantická maska je jedna souvislá oblast "
    f"na {np.mean([len(r['masks']) == 1 for r in regions]):.0%} z nich "
    "(úlomky pod 10 px se nepočítají, jako u srovnávací metody níže)"
)
viz.mask_grid(
    pairs.images[:3],
    pairs.masks[:3],
    pairs.instances[:3],
    num_classes=NUM_CLASSES,
    legend=False,
    title="uprostřed sémantická maska (barva = třída), vpravo instanční (barva = objekt)",
)

# %% [markdown]
# Mask R-CNN je dvoustupňová síť s návrhy oblastí, na procesoru by se učila příliš dlouho.
# Jdeme proto **zdola**, jako Panoptic-DeepLab (Cheng et al., 2020) a CenterNet
# (Zhou et al., 2019): jeden U-Net se třemi hlavami v plném rozlišení
# ([`tasks.instances`][nes2.tasks.instances]):
#
# 1. **inkoust**: které pixely patří nějaké číslici (sémantická segmentace),
# 2. **středy**: tepelná mapa s vrcholem v těžišti každé číslice (jako klíčové body),
# 3. **posuny**: pro každý pixel vektor k těžišti jeho číslice.
#
# Vrcholy tepelné mapy jsou objekty; každý pixel inkoustu dostane objekt, k jehož středu
# ukazuje jeho posun. Kde Mask R-CNN dělí obraz obdélníky, tady dělí pixely podle toho,
# kam ukazují: dvě dotýkající se dvojky jsou jedna oblast inkoustu, ale dva středy.
# Třídu číslice tato síť nezná (všechny objekty jsou „číslice“); tu dodá sémantická
# segmentace, viz níže. Krok `evaluate` receptu `instances` ukazuje dekódování a měření:

# %%
recipes.get("instances").code("evaluate")

# %%
paired = recipes.train("instances", PROFILE)
paired.figure("heads")

# %% [markdown]
# Kvalita se měří jako v COCO: **mask AP@0,5** je průměrná přesnost (plocha pod křivkou
# přesnost–úplnost, jako mAP u detekce), kde nalezená maska platí, má-li se skutečnou
# IoU ≥ 0,5; mask AP průměruje prahy IoU 0,5 až 0,95. Počítá je pycocotools nad
# testovacími plátny, na které síť nesáhla. Srovnání: souvislé oblasti předpovězeného
# inkoustu, tj. co zvládne sémantická segmentace sama.

# %%
m = paired.metrics
Markdown(
    viz.markdown_table(
        [
            {"method": "středy a posuny (3 hlavy)", "ap50": m["mask_ap50"], "ap": m["mask_ap"]},
            {"method": "souvislé oblasti inkoustu", "ap50": m["components_ap50"], "ap": None},
        ],
        {"method": "objekty z", "ap50": "mask AP@0,5", "ap": "mask AP"},
        {"ap50": "{:.3f}", "ap": "{:.3f}"},
    )
    + f"\n\nObjektů na plátno v průměru {viz.number(m['objects_per_canvas'], '.2f')} (skutečně 2); "
    f"{viz.number(m['counts']['train'])} trénovacích a "
    f"{viz.number(m['counts']['test'])} testovacích pláten, "
    f"{viz.number(m['params'])} parametrů, trénink {m['seconds']:.0f} s.\n\n"
    + expected.run_report(
        paired,
        {"mask_ap50": "mask AP@0,5", "ap50_over_components": "náskok před souvislými oblastmi"},
    )
)

# %%
paired.figure("instances")

# %% [markdown]
# **Třídy objektů.** Masky objektů máme, třídy ne. U-Net ze začátku stránky ale každému
# pixelu třídu dává: objekt dostane nejčastější třídu číslice pod svou maskou
# ([`instances.with_classes`][nes2.tasks.instances.with_classes]). Sémantická a instanční
# předpověď dohromady jsou **panoptická segmentace** (třída každého pixelu i objekt, ke
# kterému patří). Mask AP teď počítá i třídu: objekt se správnou maskou a špatnou
# číslicí je chyba. U-Net se učil na plátnech stejné velikosti, jeho předpověď tedy
# použijeme přímo:

# %%
digit_unet = run  # the U-Net of the page's top, trained on digits in either profile
if options["data"] != "digits":
    digit_unet = recipes.train("segmentation", PROFILE, model="unet", data="digits")
test = paired.data.canvases_test
semantic = digit_unet.model.predict(test.images.astype("float32"), verbose=0).argmax(-1)
found = instances.with_classes(
    instances.decode(paired.model.predict(paired.data.test[0], verbose=0)), semantic
)
truth = instances.true_objects(test.instances, test.masks)
with_classes = instances.mask_average_precision(found, truth)
viz.say(
    f"mask AP@0,5 s třídami číslic: {with_classes['map50']:.3f} "
    f"(bez tříd {m['mask_ap50']:.3f}); mask AP {with_classes['map']:.3f}"
)

# %% [markdown]
# ## Skutečné fotografie: Oxford-IIIT Pet
#
# Profil `full` segmentuje fotografie psů a koček z Oxford-IIIT Pet (3 680 trénovacích,
# 3 669 testovacích, 0,8 GB; katalog tensorflow-datasets, `oxford_iiit_pet`) jako příklad
# na keras.io: trimapu převede
# [`nes2.data.tfds.pet_segmentation_example`][nes2.data.tfds.pet_segmentation_example]
# na pozadí (0), zvíře (1) a okraj (2). Na počítači s GPU `nes2 train segmentation
# --profile full` (U-Net; s `--model deeplabv3plus` DeepLabV3+). Velikost obrázků, šířka
# prvního bloku a cíl profilu `full`:

# %%
print(f"obrázky {PETS_SIZE['full']} × {PETS_SIZE['full']} px, první blok {PETS_WIDTH} filtrů")
print(expected.entry("segmentation/unet", "full").goal({"mean_iou": "průměrné IoU (3 třídy)"}))

# %% [markdown]
# ## Shrnutí
#
# - Sémantická segmentace klasifikuje každý pixel: výstup má rozměry obrázku, kanál na třídu.
# - U-Net (kodér–dekodér) vrací rozlišení převzorkováním a zkratky mu přinášejí jemné
#   detaily z kodéru; SegNet převzorkovává max-unpoolingem bez zkratek.
# - Ztráta Dice vyvažuje velké pozadí proti malým objektům; měří se průměrné IoU tříd.
# - Instanční segmentace odliší dva objekty téže třídy, což sémantická maska neumí.
#
# Obnovu obrazu, generování a přenos stylu ukazuje stránka [Kodér–dekodér](encoder_decoder.py).

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.tasks.segmentation`][nes2.tasks.segmentation] ·
# [`nes2.tasks.instances`][nes2.tasks.instances] ·
# [`nes2.data.digit_canvas`][nes2.data.digit_canvas] · [`nes2.viz`][nes2.viz] ·
# [`nes2.recipes.segmentation`][nes2.recipes.segmentation] ·
# [`nes2.recipes.instances`][nes2.recipes.instances]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}, {options['data']}")
print(expected.entry("segmentation/unet", PROFILE).goal({"mean_iou": "průměrné IoU (U-Net)"}))
