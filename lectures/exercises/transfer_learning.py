# %% [markdown]
# # Cvičení: přenesené učení
#
# Předtrénované váhy ImageNet stahuje Keras; bez sítě je nahradí `weights=None`
# (náhodné váhy): na mechanice zmrazení a doladění to nic nemění, přesnost by ale
# byla náhodná, proto tu žádnou neuvádíme.

# %%
import os

from nes2 import applications, viz
from nes2.teaching import checks

WEIGHTS = "imagenet" if os.environ.get("NES2_ONLINE") else None
print("váhy:", WEIGHTS or "náhodné (weights=None)")

# %% [markdown]
# ## Cvičení 1: jiná páteř než VGG16
#
# Vyberte z `nes2 models list` (nebo [`applications.table`][nes2.applications.table])
# menší páteř, například `MobileNetV2`, a postavte funkcí
# [`transfer_model`][nes2.applications.transfer_model] model `model` pro dvě třídy se
# vstupem 96 × 96 × 3 a zmrazenou páteří. Kolik parametrů se trénuje? Uložte
# do `head_params` počet parametrů hlavy spočtený ručně: pro dvě třídy je hlavou jeden
# neuron se sigmoidou (`Dense(1)`) na výstupu globálního poolingu páteře.

# %% [markdown] tags=["hint"]
# Počet příznaků je počet kanálů na výstupu páteře: vstup vrstvy hlavy,
# `model.get_layer("head").input.shape[-1]`. Neuron má váhu na každý příznak a bias.

# %% tags=["solution"]
# >>> doplňte: model, head_params
model = applications.transfer_model("MobileNetV2", 2, input_shape=(96, 96, 3), weights=WEIGHTS)
features = model.get_layer("head").input.shape[-1]
head_params = features + 1
print(
    f"příznaků {features}, parametry hlavy {viz.number(head_params)} "
    f"z {viz.number(model.count_params())}"
)
# <<<

# %%
checks.check_output_shape(model, (None, 1))
checks.check_param_count(model, head_params, trainable=True)

# %% [markdown]
# ## Cvičení 2: doladění (fine-tuning)
#
# Odmrazte funkcí [`fine_tune`][nes2.applications.fine_tune] posledních 10 vrstev
# páteře. Kolik parametrů se teď trénuje (`trainable_after`)? Proč se u doladění
# používá krok učení o jeden až dva řády menší než při tréninku hlavy?

# %% [markdown] tags=["hint"]
# Trénovatelné parametry sečtete přes `model.trainable_weights` (`w.numpy().size`);
# spočtěte je před voláním `fine_tune` a po něm.

# %% tags=["solution"]
# >>> doplňte: trainable_after
trainable_before = sum(int(w.numpy().size) for w in model.trainable_weights)
applications.fine_tune(model, unfreeze=10)
trainable_after = sum(int(w.numpy().size) for w in model.trainable_weights)
print(
    f"trénovatelné parametry: před {viz.number(trainable_before)}, po {viz.number(trainable_after)}"
)
# <<<

# %%
reference = applications.transfer_model("MobileNetV2", 2, input_shape=(96, 96, 3), weights=WEIGHTS)
applications.fine_tune(reference, unfreeze=10)
checks.check_close(
    "trénovatelné parametry po odmražení",
    trainable_after,
    sum(int(w.numpy().size) for w in reference.trainable_weights),
)
