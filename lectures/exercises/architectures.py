# %% [markdown]
# # Cvičení: známé architektury

# %%
import keras

from nes2 import explain, models, viz
from nes2.models import architectures
from nes2.models.separable import conv_cost, separable_conv_block
from nes2.teaching import checks

# %% [markdown]
# ## Cvičení 1: parametry LeNet-5 ručně
#
# LeNet-5 z [`architectures.lenet5`][nes2.models.architectures.lenet5] má na vstupu obrázek
# 32 × 32 × 1: konvoluce 6 filtrů 5 × 5, pooling, konvoluce 16 filtrů 5 × 5, pooling,
# plně propojené vrstvy 120, 84 a 10 neuronů. Spočtěte **ručně** (jen aritmetikou, bez Kerasu)
# počet parametrů každé vrstvy a jejich součet do `by_hand`.

# %% [markdown] tags=["hint"]
# Konvoluce má `k·k·vstupní kanály·filtry + filtry` parametrů, plně propojená
# vrstva `vstupy·neurony + neurony`, pooling žádné. Jaký tvar má vstup první plně propojené vrstvy?
# Konvoluce 5 × 5 bez paddingu zmenší stranu o 4, pooling ji zmenší na polovinu.

# %% tags=["solution"]
# >>> doplňte: by_hand
c1 = 5 * 5 * 1 * 6 + 6
c3 = 5 * 5 * 6 * 16 + 16
flat = 5 * 5 * 16  # 32 -> 28 (c1) -> 14 -> 10 (c3) -> 5
c5 = flat * 120 + 120
f6 = 120 * 84 + 84
out = 84 * 10 + 10
by_hand = c1 + c3 + c5 + f6 + out
print(c1, c3, c5, f6, out, "=", by_hand)
# <<<

# %%
checks.check_param_count(architectures.lenet5(), by_hand)

# %% [markdown]
# ## Cvičení 2: kolik ušetří separabilní konvoluce
#
# Postavte model `separable` se vstupem 28 × 28 × 128 a jedním blokem
# [`separable_conv_block`][nes2.models.separable.separable_conv_block] se 128 filtry
# ([separabilní konvoluce](../glossary.md#separabilni-konvoluce) 3 × 3 bez biasu, batch
# normalization, ReLU). Spočtěte ručně jeho parametry do `separable_params` a parametry
# obyčejné konvoluce 3 × 3 se 128 filtry bez biasu do `full_params`. Kolikrát méně
# parametrů má separabilní konvoluce?
# Svůj výpočet porovnejte s funkcí [`conv_cost`][nes2.models.separable.conv_cost].

# %% [markdown] tags=["hint"]
# Separabilní konvoluce je depthwise (jedno jádro 3 × 3 na kanál: 3·3·128) a pointwise
# (konvoluce 1 × 1: 128·128); batch normalization má na kanál čtyři čísla (γ, β,
# klouzavý průměr a rozptyl).

# %% tags=["solution"]
inputs = keras.Input((28, 28, 128))
# >>> doplňte: separable, separable_params, full_params
separable = keras.Model(inputs, separable_conv_block(inputs, 128))
separable_params = 3 * 3 * 128 + 128 * 128 + 4 * 128
full_params = 3 * 3 * 128 * 128
print(f"separabilní {viz.number(separable_params)}, obyčejná {viz.number(full_params)}")
viz.say(f"úspora {full_params / separable_params:.1f}×")
# <<<

# %%
checks.check_output_shape(separable, (None, 28, 28, 128))
checks.check_param_count(separable, separable_params)
checks.check_close(
    "parametry obyčejné konvoluce 3 × 3",
    full_params,
    conv_cost(28, 28, 128, 128)["standard"]["params"],
)

# %% [markdown]
# ## Cvičení 3: receptivní pole ručně
#
# Malá síť ze stránky Cats vs Dogs
# ([`models.small_convnet`][nes2.models.small_convnet]) má čtyři bloky: konvoluce 3 × 3
# (krok 1) a max-pooling 2 × 2 (krok 2). Spočtěte **ručně**
# [receptivní pole](../glossary.md#receptivni-pole) (kolik pixelů vstupu napříč vidí jeden
# neuron) po každé z osmi vrstev do seznamu `fields` v pořadí conv1, pool1, conv2, …, pool4.

# %% [markdown] tags=["hint"]
# Začněte s polem 1 a vzdáleností sousedních neuronů $j = 1$ pixel. Vrstva s jádrem $k$
# přidá $(k - 1)\,j$; vrstva s krokem $s$ pak vzdálenost $j$ vynásobí $s$. Po conv1 je
# pole 3, po pool1 4 a $j = 2$.

# %% tags=["solution"]
# >>> doplňte: fields
fields, field, jump = [], 1, 1
for kernel, stride in [(3, 1), (2, 2)] * 4:
    field += (kernel - 1) * jump
    jump *= stride
    fields.append(field)
print(fields)
# <<<

# %%
computed = explain.receptive_fields(models.small_convnet((150, 150, 3)))
checks.check_close(
    "receptivní pole po vrstvách", fields, [r["field"] for r in computed if r["kernel"] > 1]
)
