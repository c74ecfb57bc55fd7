"""Import TensorFlow without its C++ start-up log lines.

TensorFlow prints oneDNN and CUDA-driver notices from C++ straight to the process's
stderr before its logging is configured; in a notebook they land in the cell's output
(and differ from machine to machine). ``import_tensorflow()`` silences file descriptor 2
while TensorFlow loads and finds its devices, then restores it. TensorFlow itself is a
requirement of the book, not of this package, so it is imported only here, on demand.
"""

import contextlib
import os


@contextlib.contextmanager
def _stderr_silenced():
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    # 3 = errors too: TensorFlow logs harmless C++ "errors" (e.g. about graph attributes
    # during Keras fit); real errors still raise Python exceptions.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with _stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()  # device discovery logs too: do it now, quietly
    return tf
