# %% [markdown]
# # Známé architektury II: GoogLeNet, ResNet, Xception
#
# **Co se naučíte:** tři stavební bloky, na kterých stojí sítě po VGG: inception modul
# (GoogLeNet, 2014), reziduální blok se zkratkou (ResNet, 2015) a separabilní konvoluci
# (Xception, 2017); pokusem ověříte, proč hluboké sítě potřebují zkratky; a nakonec
# projdete sítě z `keras.applications`, jejich velikost a přesnost. Navazuje na stránku
# [Známé architektury I](architectures.py).

# %%
import keras
import numpy as np
import tensorflow as tf
from IPython.display import Markdown, display

import nes2
from nes2 import applications, config, recipes, viz
from nes2.data import arrays
from nes2.models import architectures as arch
from nes2.models import separable
from nes2.teaching import checks, expected

PROFILE = config.get_profile()


def millions(n: int | str | None) -> str | None:
    """A count in millions with the decimal comma; keras.io writes them as "138.4M"."""
    n = float(n.rstrip("M")) * 1e6 if isinstance(n, str) else n
    return None if n is None else f"{viz.number(n / 1e6, '.1f')} M"


# %% [markdown]
# ## GoogLeNet / Inception v1 (2014)
#
# Szegedy et al.: **inception modul** počítá paralelně konvoluce 1 × 1, 3 × 3, 5 × 5
# a max-pooling a výsledky spojí podél kanálů. Konvoluce 1 × 1 před dražšími větvemi
# zmenšují počet kanálů ([úzké hrdlo](glossary.md#uzke-hrdlo), *bottleneck*). Síť má
# 22 vrstev s parametry; dva pomocné klasifikátory uprostřed sítě pomáhají gradientu.
# Článek uvádí 12× méně parametrů než AlexNet (jeho síť bez pomocných klasifikátorů
# proti dvouvětvovému AlexNetu); pro zdejší stavby to spočte buňka níže.

# %%
inputs = keras.Input((28, 28, 192))
module = keras.Model(inputs, arch.inception_module(inputs, *arch.GOOGLENET_MODULES["3a"]))
viz.model_diagram(module)

# %%
googlenet = arch.googlenet(auxiliary=True)
plain = arch.googlenet(auxiliary=False)
alexnet_params = arch.alexnet().count_params()
print(
    f"GoogLeNet: {viz.number(googlenet.count_params())} parametrů, "
    f"AlexNet: {viz.number(alexnet_params)}"
)
for name, net in (("s pomocnými klasifikátory", googlenet), ("bez nich", plain)):
    viz.say(f"AlexNet / GoogLeNet {name}: {alexnet_params / net.count_params():.1f}×")
print("výstupy (hlavní a dva pomocné klasifikátory):", googlenet.output_names)

# %% [markdown]
# ## ResNet (2015)
#
# He et al.: [**reziduální blok**](glossary.md#rezidualni-blok) se učí jen opravu `F(x)`
# vstupu, výstup je `relu(F(x) + x)`. Zkratka (*skip connection*) propouští gradient
# i přes 152 vrstev (ResNet-152; He et al. 2015, *Deep residual learning for image
# recognition*). Bloky jsou dva: *basic* (dvě konvoluce 3 × 3; ResNet-18 a 34)
# a *bottleneck* (1 × 1, 3 × 3, 1 × 1; ResNet-50 a hlubší). Kde se mění rozměr, je
# zkratka konvoluce 1 × 1.

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
# He et al. (2015, obr. 1 a 6) ukázali, že hlubší „obyčejná“ síť (*plain*) se učí hůř
# než mělčí, i když má batch normalization, a že zkratky tento rozdíl odstraní. Zopakujeme
# to v malém: [`arch.deep_stack`][nes2.models.architectures.deep_stack] postaví 22 vrstev
# s vahami (10 bloků po dvou konvolucích 3 × 3, batch normalization), jednou se zkratkami
# a jednou bez nich, jinak stejné (jen zkratka přes změnu rozlišení má navíc konvoluci
# 1 × 1). Obě sítě dostanou stejné číslice MNIST, stejný počet kroků (jeden průchod daty,
# zaznamenaný v deseti úsecích) a stejné semeno náhodných čísel; v profilu `quick`
# stačí prvních 2 000 číslic. Měříme trénovací ztrátu: jde o to, zda se síť vůbec dokáže
# učit, ne o přeučení.

# %%
digits = arrays.mnist(PROFILE)
SEEN = 2000 if PROFILE == "quick" else None  # quick: the first 2,000 digits show it
x, y = digits.x_train[:SEEN, ..., None], digits.y_train[:SEEN]
BLOCKS, CHUNKS, BATCH = 10, 10, 64
steps = len(y) // (BATCH * CHUNKS)  # one pass over the digits
print(f"{viz.number(len(y))} číslic, {CHUNKS} úseků po {steps} krocích")
histories = {}
for shortcuts in (False, True):
    config.seed_everything(0)
    deep = arch.deep_stack(BLOCKS, shortcuts)
    deep.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    name = "se zkratkami" if shortcuts else "bez zkratek"
    # the digits shuffled, in CHUNKS sections of `steps` steps
    passes = tf.data.Dataset.from_tensor_slices((x, y))
    passes = passes.shuffle(len(y), seed=0).batch(BATCH).repeat()
    histories[name] = deep.fit(
        passes, epochs=CHUNKS, steps_per_epoch=steps, shuffle=False, verbose=0
    )
for name, h in histories.items():
    loss, accuracy = h.history["loss"][-1], h.history["accuracy"][-1]
    params = h.model.count_params()
    viz.say(
        f"{name}: {viz.number(params)} parametrů, "
        f"na konci ztráta {loss:.3f}, přesnost {accuracy:.3f}"
    )
lower = min(histories, key=lambda name: histories[name].history["loss"][-1])
print(f"Nižší trénovací ztrátu na konci má síť {lower}.")
viz.plot_history(
    histories,
    title=f"{2 * BLOCKS + 2} vrstev, jeden průchod daty ({digits.source}, profil {PROFILE})",
    xlabel=f"úsek tréninku (1/{CHUNKS} průchodu daty)",
)

# %% [markdown]
# Bez zkratek musí signál i gradient projít všemi 22 vrstvami za sebou; se zkratkami
# vede z každého bloku přímá cesta k výstupu a každý blok se učí jen opravu svého vstupu.
# Vodorovná osa je úsek tréninku: jeden průchod daty rozdělený na stejné díly.

# %% [markdown]
# ### Na CIFAR-10 (profil `full`)
#
# CIFAR-10 (Krizhevsky, 2009) je malý benchmark, na kterém He et al. pokus se zkratkami
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
print(f"Xception: {viz.number(trainable)} trénovatelných parametrů (článek: 22 855 952)")
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
#   (Iandola et al. 2016, *SqueezeNet: AlexNet-level accuracy with 50x fewer
#   parameters*; v `keras.applications` není);
# - **NASNet** (2017): buňky nalezené automatickým hledáním architektury;
# - **EfficientNet** (2019): rovnoměrné škálování hloubky, šířky a rozlišení;
# - **ConvNeXt** (2022): klasická konvoluční síť modernizovaná podle transformerů.
#
# Parametry a hloubku (vrstvy s vahami) v tabulce níže spočítala funkce
# [`applications.count`][nes2.applications.count]: sestaví model z `keras.applications`
# bez vah (`weights=None`) a sečte tvary jeho proměnných. Sestavit všechny modely trvá
# dlouho, proto počty pro verzi Keras, kterou kurz používá, nese balíček s sebou a testy
# balíčku je ověřují proti živě sestaveným modelům. Sloupce „keras.io“ jsou
# publikované hodnoty (zdroj: keras.io/api/applications, soubor
# `templates/api/applications/index.md` v keras-team/keras-io).

# %%
table = applications.table(progress=False)
print(f"Keras {keras.__version__}: {len(table)} modelů")
Markdown(
    viz.markdown_table(
        [
            {
                **r,
                "params": millions(r["params"]),
                "published_params": millions(r["published_params"]),
            }
            for r in table
        ],
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
# Jeden řádek tabulky ověříme živě přímo zde: ResNet50 sestavený teď bez vah musí mít
# stejný počet parametrů a stejnou hloubku jako v tabulce.

# %%
resnet50 = next(row for row in table if row["name"] == "ResNet50")
live = applications.count("ResNet50")
checks.check_close("počet parametrů ResNet50", live["params"], resnet50["params"], 0, 0)
checks.check_close("hloubka ResNet50", live["depth"], resnet50["depth"], 0, 0)

# %% [markdown]
# ## Shrnutí
#
# - Inception modul počítá konvoluce různých velikostí vedle sebe; konvoluce 1 × 1 před
#   nimi zmenšují počet kanálů, a tím parametry i výpočet.
# - Zkratky ResNetu dovolí učit hluboké sítě: pokus výše trénoval 22 vrstev se zkratkami
#   a bez nich se stejnými daty a semenem a porovnal jejich trénovací ztrátu.
# - Separabilní konvoluce 3 × 3 stojí asi osminu až devítinu parametrů a násobení
#   obyčejné konvoluce (tabulka výše, sloupec „poměr“).
# - Počet parametrů nerozhoduje sám: tabulka `keras.applications` ukazuje sítě
#   s podobnou přesností a velmi různou velikostí.
# - Jak předtrénované sítě použít na vlastní úlohu, ukazuje stránka
#   [Přenesené učení](transfer_learning.py).

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.models.architectures`][nes2.models.architectures] ·
# [`nes2.models.separable`][nes2.models.separable] ·
# [`nes2.recipes.cifar10`][nes2.recipes.cifar10] ·
# [`nes2.applications`][nes2.applications] · [`nes2.viz`][nes2.viz] ·
# [`nes2.data.arrays`][nes2.data.arrays]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
