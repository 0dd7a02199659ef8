from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "n3",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("ci", deadline=None, derandomize=True, max_examples=200)
settings.load_profile(os.environ.get("N3_HYPOTHESIS_PROFILE", "n3"))
