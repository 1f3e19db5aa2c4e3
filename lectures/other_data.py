# %% [markdown]
# # Další typy dat a úloh: 1D a 3D konvoluce, zvuk, odhad pózy
#
# **Co se naučíte:** že konvoluce není jen pro fotografie. Stejná myšlenka (malé sdílené
# filtry posouvané po datech) funguje na **časových řadách** (1D: tvar signálu i předpověď
# z historie), na **textu** (1D nad vnořeními slov), na **zvuku** převedeném
# na spektrogram (2D), na **videu** (3D: výška, šířka, čas). Nakonec **odhad pózy**:
# místo třídy nebo obdélníku síť předpovídá [tepelnou mapu](glossary.md#tepelna-mapa)
# (heatmap) každého klíčového bodu.
#
# Signály a zvuky na této stránce jsou **generované** (umělé signály, ne nahrávky),
# teplota a recenze v profilu `quick` také (v profilu `full` skutečný záznam meteostanice
# a recenze IMDB); videa a klíčové body jsou ze skutečných číslic MNIST.

# %%
import keras
import numpy as np
from IPython.display import Markdown

import nes2
from nes2 import config, models, recipes, viz
from nes2.data import arrays, sequences
from nes2.teaching import expected

PROFILE = config.get_profile()
QUICK = PROFILE == "quick"
config.seed_everything()
results = {}

# %% [markdown]
# ## 1D konvoluce: tvar signálu
#
# Čtyři třídy generovaných signálů (sinus, obdélník, pila, záblesky šumu) s náhodnou
# frekvencí, fází a šumem. `Conv1D` posouvá filtr délky 7 po čase.

# %%
x, y = sequences.waveforms(3000 if QUICK else 20000, seed=0)
x_test, y_test = sequences.waveforms(600, seed=1)
model = models.conv1d_classifier(x.shape[1:], len(sequences.WAVEFORMS))
model.fit(x, y, epochs=5 if QUICK else 15, batch_size=64, verbose=0)
results["1D: tvar signálu"] = model.evaluate(x_test, y_test, verbose=0)[1]
viz.say(f"1D konvoluce ({sequences.GENERATED}): přesnost {results['1D: tvar signálu']:.3f}")

# %% [markdown]
# ## Časová řada: předpověď z historie
#
# Druhé použití 1D konvoluce: ne *co* je signál zač, ale *jak bude pokračovat*. Recept
# `forecasting` čte 120 hodin teploty a předpoví celých příštích 24 hodin naráz. Řada se
# dělí v čase (prvních 70 % trénink, posledních 20 % test), aby síť nikdy neviděla
# budoucnost svých testovacích oken. Každá předpověď musí porazit jednoduchá pravidla:
# **poslední hodnota** zopakovaná na všech 24 hodin a **včerejšek** (posledních 24 hodin
# znovu). V profilu `quick` je řada generovaná (roční a denní cyklus, počasí, které trvá
# dny), v profilu `full` skutečný záznam meteostanice v Jeně 2009–2016 (F. Chollet,
# *Deep Learning with Python*, kap. 6.3; keras.io, „Timeseries forecasting for weather
# prediction“).

# %%
recipes.get("forecasting").code("data")

# %%
forecast = recipes.train("forecasting", PROFILE)
m = forecast.metrics
Markdown(
    f"Data: {m['data_source']}, {viz.number(m['counts']['train'])} trénovacích a "
    f"{viz.number(m['counts']['test'])} testovacích oken.\n\n"
    + viz.markdown_table(
        [
            {"method": "1D konvoluce", "mae": m["mae"]},
            {"method": "poslední hodnota", "mae": m["mae_naive"]},
            {"method": "včerejšek", "mae": m["mae_yesterday"]},
        ],
        {"method": "předpověď", "mae": "průměrná absolutní chyba (°C)"},
        {"mae": "{:.2f}"},
    )
    + "\n\n"
    + expected.run_report(forecast, {"mae": "MAE (°C)", "skill": "zlepšení proti poslední hodnotě"})
)

# %%
forecast.figure("forecast")

# %%
by_hour = m["mae_by_hour"]
ranking = sorted(
    {
        "1D konvoluce": m["mae"],
        "poslední hodnota": m["mae_naive"],
        "včerejšek": m["mae_yesterday"],
    }.items(),
    key=lambda item: item[1],
)
viz.say("Od nejlepší:", ", ".join(f"{name} {mae:.2f} °C" for name, mae in ranking))
viz.say(f"Chyba sítě v 1. hodině {by_hour[0]:.2f} °C, ve 24. hodině {by_hour[-1]:.2f} °C.")
viz.bar_chart(
    {str(hour): error for hour, error in enumerate(by_hour, start=1)},
    ylabel="MAE (°C)",
    reference=("poslední hodnota", m["mae_naive"]),
    title=f"Chyba 1D konvoluce podle hodiny předpovědi ({m['data_source']})",
)

# %% [markdown]
# Poslední hodnota nezná denní cyklus; včerejšek cyklus zná, ale ne počasí, které se
# mezitím změnilo; síť vidí obojí. Jak daleko do budoucnosti předpovídá, ukazuje graf:
# čím vzdálenější hodina, tím méně o ní historie napoví.

# %% [markdown]
# ## Text: 1D konvoluce nad vektory slov
#
# Recenze je posloupnost slov. Vrstva `Embedding` nahradí každé slovo naučeným vektorem,
# jeho [**vnořením**](glossary.md#vnoreni) (*embedding*), takže z recenze je **matice**:
# řádek na slovo, sloupec na složku vnoření. Po ní `Conv1D` posouvá filtry široké tři
# slova, jako 2D konvoluce posouvá filtr po obrázku, a globální max-pooling si z každého
# filtru nechá nejsilnější odezvu v celé recenzi.
# Pro srovnání **pytel slov** (*bag of words*): průměr řádků, který pořadí slov zapomene.
# V profilu `full` jsou to recenze IMDB (`keras.datasets`), v profilu `quick` generované
# recenze, ve kterých „not“ otočí názor („not good“): to pytel slov neumí přečíst.

# %%
texts = {m: recipes.train("text", PROFILE, model=m) for m in ("conv1d", "bag")}
reviews = texts["conv1d"].data.reviews
print(" ".join(reviews.decode(reviews.x_test[0])))
Markdown(
    "\n\n".join(
        expected.run_report(run, {"test_accuracy": f"přesnost na testu ({name})"})
        for name, run in texts.items()
    )
)

# %%
texts["conv1d"].figure("embedding")

# %% [markdown]
# Filtr široký tři slova vidí „not“ a slovo za ním najednou; průměr řádků ne. Kolik to
# na těchto datech stojí přesnosti, ukazují tabulky výše.

# %% [markdown]
# ## Zvuk: spektrogram a 2D konvoluce
#
# Zvuk (8 kHz) převedeme krátkodobou Fourierovou transformací (`tf.signal.stft`) na
# spektrogram: osa x je čas, osa y frekvence. Stoupající a klesající tón jsou na něm
# šikmé čáry opačného sklonu, a ty už rozpozná obyčejná 2D konvoluční síť.

# %%
audio, labels = sequences.chirps(1000 if QUICK else 5000, seed=0)
audio_test, labels_test = sequences.chirps(300, seed=1)
spectra = sequences.spectrogram(audio)
spectra_test = sequences.spectrogram(audio_test)
print(f"spektrogramy: {spectra.shape[1:3]} (časové rámce × frekvenční pásma)")
viz.image_grid(
    np.transpose(spectra[:4, ..., 0], (0, 2, 1))[:, ::-1] / spectra.max(),
    [sequences.CHIRPS[c] for c in labels[:4]],
    ncols=4,
    title=f"Spektrogramy ({sequences.GENERATED})",
)

# %%
scale = float(spectra.max())
audio_model = models.small_convnet(
    spectra.shape[1:], filters=(16, 32), dense_units=32, num_classes=2, name="spectrogram_cnn"
)
audio_model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
audio_model.fit(spectra / scale * 255, labels, epochs=4, batch_size=32, verbose=0)
results["zvuk: spektrogram"] = audio_model.evaluate(
    spectra_test / scale * 255, labels_test, verbose=0
)[1]
viz.say(f"spektrogram + CNN ({sequences.GENERATED}): přesnost {results['zvuk: spektrogram']:.3f}")

# %% [markdown]
# ## 3D konvoluce: kam se číslice pohybuje
#
# Krátká videa (8 snímků 48 × 48) se skutečnou číslicí, která se posouvá doprava, doleva,
# dolů nebo nahoru. Z jednoho snímku směr poznat nejde; jádro `Conv3D` 3 × 3 × 3 vidí tři
# po sobě jdoucí snímky, a tedy pohyb.

# %%
digits = arrays.mnist(PROFILE)
videos, directions = sequences.moving_digits(digits.x_train, 2000 if QUICK else 10000, seed=0)
videos_test, directions_test = sequences.moving_digits(digits.x_test, 400, seed=1)
viz.image_grid(
    videos[0, :, :, :, 0],
    [f"snímek {f}" for f in range(8)],
    ncols=8,
    title=f"Video: číslice jde {sequences.DIRECTIONS[directions[0]]} ({digits.source})",
)

# %%
video_model = models.conv3d_classifier(videos.shape[1:], len(sequences.DIRECTIONS))
video_model.fit(videos, directions, epochs=4 if QUICK else 10, batch_size=32, verbose=0)
results["3D: směr pohybu"] = video_model.evaluate(videos_test, directions_test, verbose=0)[1]
viz.say(f"3D konvoluce ({digits.source}): přesnost {results['3D: směr pohybu']:.3f}")

# %% [markdown]
# ## Odhad pózy: klíčové body jako tepelné mapy
#
# Odhad pózy člověka hledá klouby (rameno, loket, zápěstí…). Síť nepředpovídá souřadnice
# přímo, ale pro každý kloub mapu, jejíž maximum kloub označuje; z mapy se pak vezme
# argmax. Zde má „kostra“ číslice dva body: nejvyšší a nejnižší bod inkoustu.

# %%
keypoints = recipes.get("keypoints")
keypoints.code("data")

# %%
run = recipes.train("keypoints", PROFILE)
results["póza: bod do 2 px"] = run.metrics["within_2px"]
viz.say(
    f"klíčové body ({run.metrics['data_source']}): průměrná chyba "
    f"{run.metrics['mean_error_px']:.2f} px, do 2 px {run.metrics['within_2px']:.1%}"
)
run.figure("keypoints")

# %%
Markdown(
    f"Profil `{PROFILE}`; signály a zvuky generované, videa a body ze skutečných číslic.\n\n"
    + viz.markdown_table(
        [{"task": task, "value": value} for task, value in results.items()],
        {"task": "úloha", "value": "přesnost"},
        {"value": "{:.3f}"},
    )
)

# %% [markdown]
# ## Shrnutí
#
# - Konvoluce je posouvaný sdílený filtr: v 1D po čase (signály, časové řady, slova),
#   ve 2D po spektrogramu zvuku, ve 3D po výšce, šířce a čase videa.
# - Na časové řadě se síť porovnává s jednoduchými předpověďmi (poslední hodnota,
#   včerejšek): měřítko, které musí porazit.
# - Filtr přes několik sousedních slov vidí jejich pořadí; průměr vektorů slov (pytel slov)
#   ne.
# - Odhad pózy předpovídá pro každý bod tepelnou mapu a bod je její maximum.

# %% [markdown]
# ## O tomto sestavení
#
# Použité API: [`nes2.data.sequences`][nes2.data.sequences] ·
# [`nes2.data.weather`][nes2.data.weather] ·
# [`nes2.recipes.forecasting`][nes2.recipes.forecasting] ·
# [`nes2.data.text`][nes2.data.text] · [`nes2.recipes.text`][nes2.recipes.text] ·
# [`nes2.models`][nes2.models] ·
# [`nes2.tasks.pose`][nes2.tasks.pose] · [`nes2.recipes.keypoints`][nes2.recipes.keypoints] ·
# [`nes2.viz`][nes2.viz]

# %%
print(f"nes2 {nes2.__version__}, Keras {keras.__version__}, profil {PROFILE!r}")
