import os

import numpy as np
import pytest
from hypothesis import settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Property tests: enough examples to find a wrong rule, few enough for a 2-core CI box.
settings.register_profile("book", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("book")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
