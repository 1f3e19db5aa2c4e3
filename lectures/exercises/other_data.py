# %% [markdown]
# # Cvičení: další typy dat
#
# Signály v těchto cvičeních jsou vygenerované programem, ne nahrávky; klíčové
# body v cvičení 4 jsou na skutečných číslicích MNIST.

# %%
import numpy as np

from nes2 import config, models, viz
from nes2.data import arrays, sequences
from nes2.tasks import pose
from nes2.teaching import checks

config.seed_everything(0)

# %% [markdown]
# ## Cvičení 1: tvar spektrogramu
#
# Krátkodobá Fourierova transformace ([`sequences.spectrogram`][nes2.data.sequences.spectrogram],
# `tf.signal.stft`) dělí zvuk na okna délky `frame_length` posunutá o `frame_step`.
# Pro 0,5 s zvuku s 8 000 vzorky za sekundu (`sequences.chirps`) a okna 128 vzorků
# s posunem 32 spočtěte **ručně** počet oken a frekvenčních košů (`expected_shape`,
# tvar jednoho spektrogramu bez dávky).

# %% [markdown] tags=["hint"]
# Oken je tolik, kolikrát se okno délky 128 vejde do signálu při posunu 32 (první okno
# začíná na vzorku 0). Délka FFT je nejbližší mocnina dvou ≥ `frame_length` a košů je
# o jeden víc než její polovina; poslední osa je jeden kanál.

# %% tags=["solution"]
# >>> doplňte: expected_shape
samples = int(8000 * 0.5)
frames = 1 + (samples - 128) // 32
bins = 128 // 2 + 1
expected_shape = (frames, bins, 1)
print(expected_shape)
# <<<

# %%
audio, _ = sequences.chirps(4)
checks.check_close(
    "tvar spektrogramu",
    expected_shape,
    sequences.spectrogram(audio, frame_length=128, frame_step=32).shape[1:],
)

# %% [markdown]
# ## Cvičení 2: 1D konvoluce na časové řadě
#
# Natrénujte [`models.conv1d_classifier`][nes2.models.conv1d_classifier] na 600
# generovaných průbězích (`sequences.waveforms`: sinus, obdélník, pila, záblesky šumu)
# 5 epoch (`history`) a spočtěte přesnost na 200 nových průbězích (`accuracy`).
# Zkuste pak šum `noise=1.0`: kdy síť přestane tvary rozlišovat?

# %% [markdown] tags=["hint"]
# Model zkompilujte s `sparse_categorical_crossentropy` (třídy jsou celá čísla) a metrikou
# `accuracy`; `model.evaluate(...)` pak vrací dvojici (ztráta, přesnost).

# %% tags=["solution"]
x_train, y_train = sequences.waveforms(600, seed=1)
x_test, y_test = sequences.waveforms(200, seed=2)
# >>> doplňte: history, accuracy
model = models.conv1d_classifier(x_train.shape[1:], len(sequences.WAVEFORMS))
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=5, batch_size=32, verbose=0)
accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
viz.say(f"přesnost na nových průbězích: {accuracy:.3f}")
# <<<

# %%
checks.check_training_improves(history, "loss", chance=np.log(len(sequences.WAVEFORMS)))
checks.check_at_least("přesnost (generované průběhy)", accuracy, 0.8)

# %% [markdown]
# ## Cvičení 3: 3D konvoluce ručně
#
# Video je tenzor (snímky, výška, šířka, kanály). Postavte model `video` se vstupem
# 8 × 48 × 48 × 1 a jednou vrstvou `keras.layers.Conv3D` s 8 filtry 3 × 3 × 3 bez
# paddingu. Spočtěte **ručně** tvar jeho výstupu do `video_shape` (s `None` za dávku)
# a počet parametrů do `video_params`. Kolik parametrů by měla `Conv2D` se stejnými
# filtry 3 × 3 na jednom snímku?

# %% [markdown] tags=["hint"]
# Jádro 3 × 3 × 3 bez paddingu zkrátí každý z prvních tří rozměrů o 2. Každý filtr má
# 3·3·3·(vstupní kanály) vah a jeden bias.

# %% tags=["solution"]
import keras

inputs = keras.Input((8, 48, 48, 1))
# >>> doplňte: video, video_shape, video_params
video = keras.Model(inputs, keras.layers.Conv3D(8, 3)(inputs))
video_shape = (None, 6, 46, 46, 8)
video_params = 3 * 3 * 3 * 1 * 8 + 8
print(video_shape, video_params, "proti Conv2D:", 3 * 3 * 1 * 8 + 8)
# <<<

# %%
checks.check_output_shape(video, video_shape)
checks.check_param_count(video, video_params)

# %% [markdown]
# ## Cvičení 4: klíčové body z tepelných map
#
# Síť pro klíčové body ([`tasks.pose`][nes2.tasks.pose]) nevrací souřadnice, ale pro každý
# bod tepelnou mapu (výška × šířka × body). Napište `peaks(maps)`, která z map jednoho
# obrázku vrátí pole (body × 2) s řádkem a sloupcem maxima každé mapy. Vyzkoušejte ji na
# mapách skutečných klíčových bodů číslic (`pose.keypoints`, `pose.heatmaps`): vrátí
# přesně ty body? Proč je přesnost takového dekódování omezená na celé pixely a jak by šla
# zlepšit?

# %% [markdown] tags=["hint"]
# `np.argmax` vrací index v „rozbaleném“ poli; `np.unravel_index(index, (výška, šířka))`
# z něj udělá řádek a sloupec. Mapu bodu `k` dostanete jako `maps[..., k]`.


# %% tags=["solution"]
def peaks(maps):
    """The (row, column) of the maximum of each map, `(keypoints, 2)` from `(h, w, keypoints)`."""
    # >>> doplňte
    return np.array(
        [np.unravel_index(maps[..., k].argmax(), maps.shape[:2]) for k in range(maps.shape[-1])]
    )
    # <<<


# %%
digits = np.pad(arrays.mnist("quick").x_test[:3], ((0, 0), (2, 2), (2, 2)))
points = pose.keypoints(digits)
maps = pose.heatmaps(points, 32)
noisy = maps + np.random.default_rng(0).uniform(0, 0.3, maps.shape)
print("skutečné body první číslice (řádek, sloupec):", points[0].tolist())
checks.check_function(
    "vrcholy tepelných map",
    peaks,
    lambda m: pose.decode(m[None])[0],
    [maps[0], maps[1], noisy[2]],
)
