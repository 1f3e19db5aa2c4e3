# %% [markdown]
# # Cvičení: kodér–dekodér

# %%
import numpy as np

from nes2.tasks import generation, style
from nes2.teaching import checks

# %% [markdown]
# ## Cvičení 1: Gramova matice ručně
#
# Mapa příznaků má tvar `(výška, šířka, kanály)`. Napište funkci `gram(features)`, která
# vrátí matici `kanály × kanály`: prvek `[c, d]` je průměr součinu kanálů `c` a `d` přes
# všechny polohy. Porovnejte s [`style.gram_matrix`][nes2.tasks.style.gram_matrix]
# (ta počítá dávku map najednou).


# %% [markdown] tags=["hint"]
# Přeskládejte mapu na matici `F` tvaru `(poloh, kanály)` (`reshape(-1, kanály)`);
# Gramova matice je `F.T @ F` dělená počtem poloh.


# %% tags=["solution"]
def gram(features):
    """The Gram matrix of one feature map `(height, width, channels)`: mean products of channels."""
    # >>> doplňte
    flat = np.asarray(features, "float64").reshape(-1, features.shape[-1])
    return flat.T @ flat / len(flat)
    # <<<


# %%
rng = np.random.default_rng(5)
maps = [rng.normal(size=shape).astype("float32") for shape in ((3, 3, 2), (5, 4, 3), (8, 8, 4))]
checks.check_function(
    "Gramova matice",
    gram,
    lambda f: style.gram_matrix(f[None]).numpy()[0],
    [(f,) for f in maps],
    rtol=1e-4,
)

# %% [markdown]
# Malá mapa 2 × 2 se dvěma kanály, kde druhý kanál je první s opačným znaménkem. Co říká
# záporný prvek mimo diagonálu?

# %%
opposite = np.array([[1.0, 2.0], [0.0, 3.0]])
print(gram(np.stack([opposite, -opposite], axis=-1)))

# %% [markdown]
# ## Cvičení 2: člen KL variačního autoenkodéru
#
# Kodér VAE vrátí pro obrázek střed `mean` a logaritmus rozptylu `log_var` (vektory
# délky latentního prostoru). Napište `kl(mean, log_var)`: vzdálenost KL rozdělení
# $N(\mu, \sigma^2)$ od $N(0, I)$,
# $-\tfrac12 \sum_j (1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2)$, pro jeden obrázek.
# Porovnejte s [`generation.kl_divergence`][nes2.tasks.generation.kl_divergence].


# %% [markdown] tags=["hint"]
# $\sigma_j^2$ je `np.exp(log_var)`; sčítá se přes složky vektoru.


# %% tags=["solution"]
def kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) of one latent code."""
    # >>> doplňte
    mean, log_var = np.asarray(mean), np.asarray(log_var)
    return -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var))
    # <<<


# %%
codes = [(rng.normal(size=4), rng.normal(size=4)) for _ in range(5)] + [(np.zeros(3), np.zeros(3))]
checks.check_function(
    "člen KL",
    kl,
    lambda m, v: float(generation.kl_divergence(m[None], v[None])[0]),
    codes,
    rtol=1e-4,
)

# %% [markdown]
# ## Cvičení 3: reparametrizační trik
#
# Napište `sample(mean, log_var, eps)`, která z šumu `eps` (vylosovaného z $N(0, I)$)
# udělá bod latentního prostoru $z = \mu + \sigma \varepsilon$. Pak ověřte, že body
# z 10 000 vylosovaných `eps` mají střed `mean` a směrodatnou odchylku
# $\sigma = e^{\log\sigma^2 / 2}$.


# %% [markdown] tags=["hint"]
# Směrodatná odchylka je `np.exp(0.5 * log_var)`, ne `np.exp(log_var)` (to je rozptyl).


# %% tags=["solution"]
def sample(mean, log_var, eps):
    """The latent point `mean + sigma * eps` for noise `eps`."""
    # >>> doplňte
    return mean + np.exp(0.5 * log_var) * eps
    # <<<


# %%
cases = [tuple(rng.normal(size=(3, 4))) for _ in range(4)]
checks.check_function("bod latentního prostoru", sample, generation.reparameterise, cases)
mean, log_var = np.array([1.0, -2.0]), np.array([0.0, np.log(9.0)])
points = sample(mean, log_var, rng.normal(size=(10_000, 2)))
print(f"střed {points.mean(axis=0).round(2)}, směrodatná odchylka {points.std(axis=0).round(2)}")
checks.check_close("střed bodů", points.mean(axis=0), mean, atol=0.1)
checks.check_close("směrodatná odchylka bodů", points.std(axis=0), [1.0, 3.0], atol=0.1)
