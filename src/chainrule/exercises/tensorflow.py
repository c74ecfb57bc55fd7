"""Exercises of chapter 6, The TensorFlow example."""

import numpy as np

from .core import exercise, matches

CHAPTER = "tensorflow"


# --- 6.1 the double activation of the source's TensorFlow code -----------------------------------


def _floor_mistakes(got, expected, args, i):
    (c,) = args
    if matches(got, np.asarray(np.log(c))):
        return "that is the loss of uniform guessing; the sigmoid still lets the true logit reach 1 and the others 0"
    if c > 2 and matches(got, np.asarray(np.log(1 + np.exp(-1)))):
        return "that is the two-class value; with c classes there are c − 1 competing logits"
    if matches(got, np.asarray(np.log(1 + (c - 1) * np.e))):
        return "best case: the true class's logit at its largest (1), the others at their smallest (0)"
    return None


@exercise(
    id="tensorflow.double_activation_floor",
    chapter=CHAPTER,
    title="The loss floor of sigmoid outputs fed to softmax",
    signature="loss_floor(c)",
    outputs=("smallest cross-entropy",),
    cases=lambda rng: [(2,), (3,), (10,)],
    diagnoses=(_floor_mistakes,),
)
def loss_floor(c):
    # logits squashed into (0, 1): at best e^1 for the true class against e^0 for the c − 1 others
    return np.log(1 + (c - 1) / np.e)
