# The lecture notebooks' kernels: TensorFlow's C++ start-up log lines go to the
# terminal of the process running the build, not into the pages' outputs.
c.IPKernelApp.capture_fd_output = False  # noqa: F821
# Without ipywidgets, tqdm.auto (imported by KerasCV's dependencies) warns on
# import; the pages show plain-text progress instead.
# Rich (Keras' model.summary) prints without colours: colours on the page's
# background would fail the contrast the site is audited for. Keras' download
# messages stay off the pages (nes2.data.download.keras_download).
# A page's claim about a run that `nes2 spread` checked over seeds fails the build
# when it does not hold (nes2.teaching.expected.ClaimError), instead of a mark.
# TensorFlow counts tf.function retracings across all models of a process, so a
# page that predicts with several models is warned of "retracing" although no
# model retraces in a loop (tensorflow/tensorflow#42441, #43555): that one
# message is filtered from TensorFlow's logger, nothing else.
c.InteractiveShellApp.exec_lines = [  # noqa: F821
    "import os, warnings",
    "warnings.filterwarnings('ignore', message='IProgress not found')",
    "os.environ.setdefault('NO_COLOR', '1')",
    "os.environ.setdefault('NES2_QUIET_DOWNLOADS', '1')",
    "os.environ.setdefault('NES2_STRICT_CLAIMS', '1')",
    "import logging",
    "logging.getLogger('tensorflow').addFilter("
    "lambda record: 'triggered tf.function retracing' not in record.getMessage())",
]
