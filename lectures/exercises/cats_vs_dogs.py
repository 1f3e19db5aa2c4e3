# %% [markdown]
# # Cvičení: Cats vs Dogs
#
# Data: v profilu `quick` kreslená náhrada (nakreslené kočky a psi,
# ne fotografie), aby cvičení běžela bez stahování; s daty Microsoftu v cache
# (`nes2 data fetch cats-vs-dogs`) stačí změnit `SOURCE` na `"real"`.

# %%
import numpy as np

from nes2 import config, explain, models, training, viz
from nes2.data import catsdogs
from nes2.teaching import checks

PROFILE = config.get_profile()
config.seed_everything()  # the same initial weights and augmented images on every run
SOURCE = "synthetic"
data = catsdogs.load(PROFILE, source=SOURCE, download=False)
print(data.label)
images, labels = next(iter(data.train))
input_shape = tuple(images.shape[1:])

# %% [markdown]
# ## Cvičení 1: jiná augmentace
#
# Vytvořte funkcí [`nes2.models.augmentation`][nes2.models.augmentation] augmentaci
# `stronger` se zrcadlením vodorovně i svisle (`"horizontal_and_vertical"`), rotací 0,25
# a zoomem 0,3 a ukažte ji na osmi obrázcích (`viz.image_grid`). Pak natrénujte
# [`small_convnet`][nes2.models.small_convnet] s batch normalization (`batch_norm=True`;
# bez ní síť za 5 epoch od náhodného hádání neodejde) a s touto augmentací
# (`augment=stronger`) (Adam, `binary_crossentropy`) na 5 epoch funkcí `training.fit` do
# `history_stronger` a porovnejte křivky s tréninkem bez augmentace (`history_plain`).
# Kdy augmentace pomáhá a kdy škodí?

# %% [markdown] tags=["hint"]
# `models.augmentation(flip=..., rotation=..., zoom=...)` vrací blok vrstev; na obrázcích
# ho spustíte s `training=True` (jinak obrázky propustí beze změny). Funkce `trained`
# postaví model, zkompiluje ho a vrátí dvojici (model, historie z `training.fit`).

# %% tags=["solution"]
# >>> doplňte: stronger
stronger = models.augmentation(flip="horizontal_and_vertical", rotation=0.25, zoom=0.3, seed=1)
augmented = stronger(images[:8], training=True)
viz.image_grid(augmented.numpy().astype("uint8"), title="silnější augmentace")
# <<<


def trained(augment):
    """`small_convnet` with batch normalization and `augment`, trained for 5 epochs:
    (model, history)."""
    # >>> doplňte
    model = models.small_convnet(
        input_shape, filters=(16, 32, 64), dense_units=64, batch_norm=True, augment=augment
    )
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model, training.fit(model, data.train, data.validation, epochs=5, verbose=0)
    # <<<


# >>> doplňte: history_plain, history_stronger
plain_model, history_plain = trained(False)
stronger_model, history_stronger = trained(stronger)
viz.plot_history({"bez augmentace": history_plain, "silnější augmentace": history_stronger})
# <<<

# %%
checks.check_layers(
    stronger,
    {
        "RandomFlip": {"mode": "horizontal_and_vertical"},
        "RandomRotation": {"factor": (-0.25, 0.25)},
        "RandomZoom": {"height_factor": 0.3},
    },
)
# Hádání 50 : 50 dá ztrátu ln 2: síť bez augmentace musí být zřetelně lepší.
checks.check_training_improves(history_plain, "loss", chance=np.log(2))
checks.check_training_improves(history_stronger, "loss")
# Za 5 epoch se silnější augmentací síť učí pomaleji: ztráta poslední epochy je vyšší.
slower = history_stronger.history["loss"][-1] - history_plain.history["loss"][-1]
checks.check_at_least("ztráta se silnější augmentací minus bez ní (poslední epocha)", slower, 0.05)

# %% [markdown]
# ## Cvičení 2: dropout nemá parametry
#
# Postavte `small_convnet` se stejnými argumenty jako v cvičení 1, jednou s `dropout=0.5`
# (`with_dropout`) a jednou bez (`without_dropout`). Ověřte, že dropout počet parametrů
# nemění, a vysvětlete proč: co dropout při tréninku dělá a co při predikci?

# %% tags=["solution"]
options = {"filters": (16, 32, 64), "dense_units": 64}
# >>> doplňte: with_dropout, without_dropout
with_dropout = models.small_convnet(input_shape, dropout=0.5, **options)
without_dropout = models.small_convnet(input_shape, **options)
# <<<

# %%
checks.check_layers(with_dropout, {"Dropout": {"rate": 0.5}})
checks.check_param_count(with_dropout, without_dropout)

# %% [markdown]
# ## Cvičení 3: Grad-CAM na vybraném obrázku
#
# [Grad-CAM](../glossary.md#grad-cam) ([`explain.grad_cam`][nes2.explain.grad_cam]) má dva
# kroky. Nejdřív [`explain.feature_gradients`][nes2.explain.feature_gradients] vrátí mapy
# příznaků $A$ poslední konvoluce (výška × šířka × kanály) a gradient skóre třídy podle
# nich $G$. Pak se každý kanál $k$ zváží průměrem svého gradientu přes mapu,
# $\alpha_k = \frac{1}{HW} \sum_{i,j} G_{i,j,k}$, vážené mapy se sečtou, záporná místa se
# vynulují a výsledek se vydělí svým maximem:
# $\mathrm{ReLU}\big(\sum_k \alpha_k A_{::k}\big) / \max$.
#
# Napište druhý krok pro jeden obrázek jako `grad_cam_by_hand(features, gradients)`.
# Pak vyberte testovací obrázek, o kterém je váš model `plain_model` z cvičení 1 nejvíc
# přesvědčen (pravděpodobnost nejdál od 0,5), jeho index dejte do `chosen` a jeho mapu
# spočtenou vaší funkcí do `heat`; ukažte ji nad obrázkem. Kam se síť dívá? Zkuste
# i obrázek, kde se mýlí, a ten, o kterém váhá (pravděpodobnost kolem 0,5): proč tam
# může být mapa skoro celá nulová?

# %% [markdown] tags=["hint"]
# Průměr přes mapu je `gradients.mean(axis=(0, 1))` (vektor, jedno číslo na kanál);
# vážený součet `(features * weights).sum(axis=-1)`; ReLU je `np.maximum(..., 0)`. Když
# je celá mapa nulová, nedělte nulou. `viz.image_grid(..., heatmaps=...)` chce mapy ve
# velikosti obrázku: `explain.grad_cam` je zvětší za vás, nebo použijte
# `keras.ops.image.resize`.


# %% tags=["solution"]
def grad_cam_by_hand(features, gradients):
    """The Grad-CAM map of one image: (height, width) in 0-1 from (height, width, channels)."""
    # >>> doplňte
    weights = gradients.mean(axis=(0, 1))
    cam = np.maximum((features * weights).sum(axis=-1), 0)
    return cam / max(cam.max(), 1e-12)
    # <<<


# >>> doplňte: chosen, heat
test_images, test_labels = map(np.concatenate, zip(*data.test, strict=True))
probabilities = plain_model.predict(test_images, verbose=0)[:, 0]
chosen = int(np.argmax(np.abs(probabilities - 0.5)))
features, gradients = explain.feature_gradients(plain_model, test_images[[chosen]])
heat = grad_cam_by_hand(features[0], gradients[0])
viz.image_grid(
    test_images[[chosen]],
    test_labels[[chosen]],
    predictions=probabilities[[chosen]],
    class_names=data.class_names,
    heatmaps=explain.grad_cam(plain_model, test_images[[chosen]]),
    title=f"obrázek {chosen}: mapa {heat.shape[0]} × {heat.shape[1]}",
)
# <<<

# %%
rng = np.random.default_rng(4)
cases = [(rng.normal(size=(5, 5, 8)), rng.normal(size=(5, 5, 8))) for _ in range(3)]
checks.check_function(
    "Grad-CAM z map a gradientů",
    grad_cam_by_hand,
    lambda f, g: explain.weigh_feature_maps(f[None], g[None])[0],
    cases,
)
reference = models.small_convnet(input_shape, filters=(16, 32, 64), dense_units=64)
checks.check_heat_map(heat, reference.get_layer(explain.last_conv_layer(reference)).output.shape)
