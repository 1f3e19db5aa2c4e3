# %% [markdown]
# # Cvičení: další typy dat
#
# Signály v těchto cvičeních jsou generované (*generated signals*), ne nahrávky.

# %%
from nes2 import config, models
from nes2.data import sequences
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
print(f"přesnost na nových průbězích: {accuracy:.3f}")
# <<<

# %%
checks.check_training_improves(history, "loss")
checks.check_at_least("přesnost (generované průběhy)", accuracy, 0.8)
