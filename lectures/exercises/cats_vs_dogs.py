# %% [markdown]
# # Cvičení: Cats vs Dogs
#
# Data: v profilu `quick` kreslená náhrada (*synthetic stand-in*: nakreslené kočky a psi,
# ne fotografie), aby cvičení běžela bez stahování; s daty Microsoftu v cache
# (`nes2 data fetch cats-vs-dogs`) stačí změnit `SOURCE` na `"real"`.

# %%
from nes2 import config, models, training, viz
from nes2.data import catsdogs
from nes2.teaching import checks

PROFILE = config.get_profile()
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
# [`small_convnet`][nes2.models.small_convnet] s touto augmentací (`augment=stronger`)
# (Adam, `binary_crossentropy`) na 5 epoch funkcí `training.fit` do `history_stronger`
# a porovnejte křivky
# s tréninkem bez augmentace (`history_plain`). Kdy augmentace pomáhá a kdy škodí?

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
    """`small_convnet` with `augment`, trained for 5 epochs: (model, history)."""
    # >>> doplňte
    model = models.small_convnet(input_shape, filters=(16, 32, 64), dense_units=64, augment=augment)
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
checks.check_training_improves(history_plain, "loss")
checks.check_training_improves(history_stronger, "loss")

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
