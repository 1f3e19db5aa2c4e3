# %% [markdown]
# # Cvičení: MLP, CNN a ensemble
#
# Zadání řešte v notebooku (tlačítka nahoře: zadání, řešení, Colab). Začínáte z kostry
# řešení: doplňte místa označená `...  # TODO: doplňte`. Každé cvičení končí kontrolou
# z [`nes2.teaching.checks`][nes2.teaching.checks], která česky řekne, co chybí nebo je špatně.
# Data: číslice 8 × 8 ze scikit-learn (1 797 skutečných ručně psaných číslic).

# %%
import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from nes2 import config, viz
from nes2.models import ensemble
from nes2.teaching import checks

config.seed_everything(0)
digits = load_digits()
x = (digits.data / 16).astype("float32")
x_train, x_test, y_train, y_test = train_test_split(
    x, digits.target, test_size=0.3, random_state=0, stratify=digits.target
)
print(x_train.shape, x_test.shape)

# %% [markdown]
# ## Cvičení 1: MLP funkcionálním API
#
# Postavte funkcionálním API (`keras.Input`, vrstvy volané na tenzorech, `keras.Model`)
# síť `mlp` se vstupem 64 čísel, jednou skrytou vrstvou 32 neuronů s ReLU a softmaxem
# přes 10 tříd. Zkompilujte ji (Adam, `sparse_categorical_crossentropy`, metrika
# `accuracy`), trénujte 30 epoch (`history = mlp.fit(...)`) a spočtěte přesnost na
# testu do proměnné `accuracy`.

# %% [markdown] tags=["hint"]
# Vrstva se volá na tenzoru: `hidden = keras.layers.Dense(32, activation="relu")(inputs)`;
# model pak spojí vstup a výstup: `keras.Model(inputs, outputs)`.

# %% tags=["solution"]
inputs = keras.Input((64,))
# >>> doplňte: mlp, history, accuracy
hidden = keras.layers.Dense(32, activation="relu")(inputs)
outputs = keras.layers.Dense(10, activation="softmax")(hidden)
mlp = keras.Model(inputs, outputs)
mlp.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
history = mlp.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
accuracy = mlp.evaluate(x_test, y_test, verbose=0)[1]
# <<<

# %%
checks.check_output_shape(mlp, (None, 10))
checks.check_param_count(mlp, 64 * 32 + 32 + 32 * 10 + 10)
checks.check_training_improves(history, "loss", chance=np.log(10))  # guessing among 10 digits
checks.check_at_least("přesnost na testu", accuracy, 0.9)

# %% [markdown]
# ## Cvičení 2: ensemble tří sítí
#
# Natrénujte tři sítě jako v cvičení 1, každou s jiným semenem náhodné inicializace
# (`keras.utils.set_random_seed(seed)` před stavbou), a spojte je funkcí
# [`nes2.models.ensemble.ensemble`][nes2.models.ensemble.ensemble] průměrem pravděpodobností
# do modelu `combined`. Uložte přesnosti členů do seznamu `member_accuracies` a přesnost ensemblu
# do `combined_accuracy`. Je ensemble lepší než jeho nejhorší člen? A než nejlepší?


# %% [markdown] tags=["hint"]
# Funkce `member(seed)` nastaví seed, postaví, zkompiluje a natrénuje jednu síť jako
# v cvičení 1 a vrátí ji. `ensemble.ensemble(members, method="average")` vrací model,
# jehož `predict` dává průměrné pravděpodobnosti; třída je `argmax` přes osu 1.


# %% tags=["solution"]
def member(seed):
    """One network of exercise 1, initialised with `seed` and trained for 30 epochs."""
    # >>> doplňte
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((64,))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    return model
    # <<<


# >>> doplňte: combined, member_accuracies, combined_accuracy
members = [member(seed) for seed in (1, 2, 3)]
member_accuracies = [m.evaluate(x_test, y_test, verbose=0)[1] for m in members]
combined = ensemble.ensemble(members, method="average")
combined_accuracy = float(np.mean(combined.predict(x_test, verbose=0).argmax(1) == y_test))
accuracies = "; ".join(f"{a:.3f}" for a in member_accuracies)
viz.say(f"členové: {accuracies} – ensemble: {combined_accuracy:.3f}")
# <<<

# %%
checks.check_output_shape(combined, (None, 10))
checks.check_items("přesnosti členů", member_accuracies, 3)
checks.check_close(
    "přesnost ensemblu",
    combined_accuracy,
    np.mean(combined.predict(x_test, verbose=0).argmax(1) == y_test),
)
checks.check_at_least("přesnost ensemblu", combined_accuracy, min(member_accuracies))
