"""nes2.models.ensemble: averaging, voting, stacking, frozen members, save/load."""

import keras
import numpy as np
import pytest

from nes2.errors import InvalidOptionError
from nes2.models.ensemble import Vote, ensemble

pytestmark = pytest.mark.trains

X = np.random.default_rng(0).normal(size=(32, 6)).astype("float32")


def _member(seed, classes=3, name=None):
    inputs = keras.Input((6,))
    x = keras.layers.Dense(
        8, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed)
    )(inputs)
    outputs = keras.layers.Dense(
        classes,
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed + 100),
    )(x)
    return keras.Model(inputs, outputs, name=name or f"member_{seed}")


def _predictions(members):
    return [m.predict(X, verbose=0) for m in members]


def test_average_is_the_mean_of_members():
    members = [_member(s) for s in range(3)]
    expected = np.mean(_predictions(members), axis=0)
    np.testing.assert_allclose(ensemble(members).predict(X, verbose=0), expected, atol=1e-6)


def test_weighted_average():
    members = [_member(s) for s in range(2)]
    p0, p1 = _predictions(members)
    model = ensemble(members, weights=[3, 1])
    np.testing.assert_allclose(model.predict(X, verbose=0), 0.75 * p0 + 0.25 * p1, atol=1e-6)


def test_vote_counts_argmax_votes():
    members = [_member(s) for s in range(3)]
    votes = np.stack([p.argmax(axis=1) for p in _predictions(members)])
    shares = ensemble(members, method="vote").predict(X, verbose=0)
    expected = np.stack([(votes == c).mean(axis=0) for c in range(3)], axis=1)
    np.testing.assert_allclose(shares, expected, atol=1e-6)


def test_stacking_learns_while_members_stay_frozen():
    members = [_member(s) for s in range(3)]
    before = [w.copy() for m in members for w in m.get_weights()]
    model = ensemble(members, method="stack")
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    y = np.argmax(_predictions(members)[0], axis=1)  # member 0 is right by construction
    history = model.fit(X, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    after = [w for m in members for w in m.get_weights()]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_trainable_members_change():
    members = [_member(s) for s in range(2)]
    before = members[0].get_weights()[0].copy()
    model = ensemble(members, trainable=True)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, np.zeros(len(X)), epochs=2, verbose=0)
    assert not np.array_equal(members[0].get_weights()[0], before)


@pytest.mark.parametrize("method", ["average", "vote", "stack"])
def test_save_load_round_trip(method, tmp_path):
    model = ensemble(
        [_member(s) for s in range(3)],
        method=method,
        weights=[1, 2, 1] if method == "vote" else None,
    )
    path = tmp_path / f"{method}.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(
        restored.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6
    )


def test_vote_config_round_trip():
    layer = Vote(weights=[2, 1])
    assert Vote.from_config(layer.get_config()).member_weights == [2.0, 1.0]


def test_bad_ensembles_are_explained():
    with pytest.raises(InvalidOptionError, match="average, vote, stack"):
        ensemble([_member(0), _member(1)], method="boosting")
    with pytest.raises(InvalidOptionError, match="at least two"):
        ensemble([_member(0)])
    with pytest.raises(InvalidOptionError, match="number of classes"):
        ensemble([_member(0), _member(1, classes=4)])
    with pytest.raises(InvalidOptionError, match="distinct names"):
        ensemble([_member(0, name="cnn"), _member(1, name="cnn")])
    with pytest.raises(InvalidOptionError, match="2 weights for 3"):
        ensemble([_member(s) for s in range(3)], weights=[1, 2])
