"""The functional-API ensemble: several models on one shared `Input`.

`ensemble(members, method=...)` calls every member on the same input tensor
and combines their class probabilities:

* `"average"`: the mean of the probabilities (soft voting);
* `"vote"`: each member votes for its most probable class, optionally with
  `weights`; the output is the share of (weighted) votes per class;
* `"stack"`: a trainable `Dense` layer on the concatenated probabilities
  learns how much to trust each member (stacking).

Examples:
    >>> import keras
    >>> def member(seed):
    ...     inputs = keras.Input((4,))
    ...     dense = keras.layers.Dense(3, activation="softmax",
    ...                                kernel_initializer=keras.initializers.GlorotUniform(seed))
    ...     return keras.Model(inputs, dense(inputs))
    >>> model = ensemble([member(0), member(1)], method="average")
    >>> model.output.shape
    (None, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from nes2.errors import InvalidOptionError

METHODS = ("average", "vote", "stack")


@keras.saving.register_keras_serializable(package="nes2")
class Vote(keras.layers.Layer):
    """Hard (weighted) voting: the share of votes each class gets.

    Takes a list of `(batch, classes)` probability tensors, one per member.

    Args:
        weights: one non-negative weight per member (default: equal).

    Examples:
        >>> import numpy as np
        >>> a = np.array([[0.6, 0.4]]); b = np.array([[0.3, 0.7]]); c = np.array([[0.2, 0.8]])
        >>> print(np.array2string(Vote()([a, b, c]).numpy(), precision=3))
        [[0.333 0.667]]
        >>> print(np.array2string(Vote(weights=[3, 1, 1])([a, b, c]).numpy(), precision=3))
        [[0.6 0.4]]
    """

    def __init__(self, weights: Sequence[float] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.member_weights = None if weights is None else [float(w) for w in weights]

    def call(self, probabilities):
        classes = probabilities[0].shape[-1]
        votes = [keras.ops.one_hot(keras.ops.argmax(p, axis=-1), classes) for p in probabilities]
        weights = self.member_weights or [1.0] * len(votes)
        if len(weights) != len(votes):
            raise ValueError(f"Vote has {len(weights)} weights for {len(votes)} members.")
        total = sum(w * v for w, v in zip(weights, votes, strict=True))
        return total / sum(weights)

    def get_config(self):
        return {**super().get_config(), "weights": self.member_weights}


def ensemble(
    members: Sequence[keras.Model],
    method: str = "average",
    weights: Sequence[float] | None = None,
    trainable: bool = False,
    name: str = "ensemble",
) -> keras.Model:
    """Combine classifiers that share an input shape into one functional model.

    Args:
        members: models with the same input shape and the same number of
            classes (softmax outputs).
        method: `"average"`, `"vote"` or `"stack"` (see the module docstring).
        weights: per-member weights for `"average"` (a weighted mean) and `"vote"`.
        trainable: whether the members' weights train along with the ensemble;
            `False` (the default) freezes them, so only a stacking layer learns.
        name: the ensemble model's name.

    Returns:
        A `keras.Model`; compile it before `fit` or `evaluate`.

    Raises:
        InvalidOptionError: an unknown method, or members that do not fit together.

    Examples:
        ```python
        members = [make_cnn(seed) for seed in range(3)]  # each trained on its own
        model = ensemble(members, method="stack")
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_val, y_val, epochs=5)  # only the stacking layer learns
        ```
    """
    if method not in METHODS:
        raise InvalidOptionError(f"Unknown method {method!r}: use one of {', '.join(METHODS)}.")
    if len(members) < 2:
        raise InvalidOptionError("An ensemble needs at least two members.")
    shapes = {tuple(m.input_shape[1:]) for m in members}
    outputs = {m.output_shape[-1] for m in members}
    if len(shapes) > 1 or len(outputs) > 1:
        raise InvalidOptionError(
            f"Members must share the input shape and the number of classes; got inputs "
            f"{sorted(shapes)} and outputs {sorted(outputs)}."
        )
    if weights is not None and len(weights) != len(members):
        raise InvalidOptionError(f"{len(weights)} weights for {len(members)} members.")
    names = [m.name for m in members]
    if len(set(names)) < len(names):
        raise InvalidOptionError(f"Members need distinct names (model.name); got {names}.")

    inputs = keras.Input(shapes.pop(), name="input")
    probabilities = []
    for member in members:
        member.trainable = trainable
        probabilities.append(member(inputs))
    if method == "vote":
        outputs = Vote(weights, name="vote")(probabilities)
    elif method == "stack":
        x = keras.layers.Concatenate(name="stack_inputs")(probabilities)
        outputs = keras.layers.Dense(outputs.pop(), activation="softmax", name="stack")(x)
    elif weights is None:
        outputs = keras.layers.Average(name="average")(probabilities)
    else:
        total = float(sum(weights))
        scaled = [
            keras.layers.Rescaling(w / total, name=f"weight_{i}")(p)
            for i, (w, p) in enumerate(zip(weights, probabilities, strict=True))
        ]
        outputs = keras.layers.Add(name="weighted_average")(scaled)
    return keras.Model(inputs, outputs, name=name)
