from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session", autouse=True)
def _static_root():
    """WhiteNoise warns (an error under ``-W error``) when STATIC_ROOT is missing, as on a fresh checkout."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test accounts need no slow key stretching (PBKDF2 takes ~0.3 s per account)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
