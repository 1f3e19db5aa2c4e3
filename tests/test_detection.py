"""nes2.tasks.detection: detectors from constructor arguments, labels, predictions, mAP."""

import numpy as np
import pytest

pytest.importorskip("keras_cv")

from nes2.data import arrays, digit_canvas
from nes2.errors import DownloadError, InvalidOptionError
from nes2.tasks import detection

pytestmark = pytest.mark.trains


@pytest.fixture(scope="module")
def canvases():
    data = arrays.mnist("quick")
    c = digit_canvas.digit_canvases(data.x_train, data.y_train, 8, size=96, seed=0)
    return np.repeat(c.images, 3, axis=-1).astype("float32"), c.padded(4)


@pytest.mark.parametrize(
    ("model", "library"),
    [("yolov8", "keras-cv"), ("retinanet", "keras-cv"), ("retinanet", "keras-hub")],
)
def test_detectors_train_a_step_and_predict(model, library, canvases):
    images, labels = canvases
    net = detection.detector(model, 10, (96, 96, 3), library=library)
    history = net.fit(
        images,
        detection.labels_for(net, labels["boxes"], labels["classes"]),
        epochs=1,
        batch_size=4,
        verbose=0,
    )
    assert np.isfinite(history.history["loss"][0])
    found = detection.predict(net, images[:2], batch_size=2)
    assert len(found) == 2
    for d in found:
        assert d["boxes"].shape[1:] == (4,) and len(d["scores"]) == len(d["classes"])
        assert np.isfinite(d["boxes"]).all()


def test_map_is_one_for_perfect_detections(canvases):
    images, labels = canvases

    class Perfect:
        def predict(self, x, batch_size=16, verbose=0):
            return {
                "boxes": labels["boxes"],
                "classes": labels["classes"],
                "confidence": np.where(labels["classes"] >= 0, 0.9, -1.0),
            }

    assert detection.mean_average_precision(
        Perfect(), images, labels["boxes"], labels["classes"]
    ) == {
        "map": 1.0,
        "map50": 1.0,
    }


def test_labels_key_follows_the_library(canvases):
    _, labels = canvases
    hub = detection.detector("retinanet", 10, (96, 96, 3), library="keras-hub")
    assert set(detection.labels_for(hub, labels["boxes"], labels["classes"])) == {"boxes", "labels"}


def test_bad_choices_are_explained():
    with pytest.raises(InvalidOptionError, match="KerasCV only"):
        detection.detector("yolov8", library="keras-hub")
    with pytest.raises(InvalidOptionError, match="retinanet"):
        detection.detector("faster-rcnn")
    with pytest.raises(InvalidOptionError, match="keras-cv"):
        detection.detector("retinanet", library="torchvision")


def test_from_preset_offline_is_a_clear_error(monkeypatch):
    import keras_cv

    def offline(*args, **kwargs):
        raise ConnectionError("kaggle.com unreachable")

    monkeypatch.setattr(keras_cv.models.YOLOV8Detector, "from_preset", offline)
    with pytest.raises(DownloadError, match="Kaggle"):
        detection.from_preset("yolo_v8_m_pascalvoc", bounding_box_format="xyxy")
