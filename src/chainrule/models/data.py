"""The handwritten digits that ship with scikit-learn (no download): 1,797 images of 8×8
pixels, labels 0–9. Pixels are scaled from 0..16 to 0..1."""

import numpy as np


def load_digits(test_fraction=0.25, seed=0):
    """(X_train, y_train, X_test, y_test): rows are flattened 8×8 images (64 numbers).

    The split is stratified by digit and fixed by ``seed``, so every run sees the same data."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    X = digits.data / 16.0
    return tuple(
        train_test_split(X, digits.target, test_size=test_fraction, random_state=seed, stratify=digits.target)[i]
        for i in (0, 2, 1, 3)
    )


def one_hot(labels, classes=10):
    return np.eye(classes)[np.asarray(labels)]
