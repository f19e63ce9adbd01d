"""Chinese word segmentation: one jieba tokenizer per process, shared by every user of it (the project
library's full-text search, the review engine's affinity). Loading its dictionary takes ~1.5 s offline,
so it is done once, on first use, under a lock. No Django here: the engine runs outside it too."""

import logging
import threading
import warnings

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """jieba's default tokenizer with its dictionary loaded (the first caller waits ~1.5 s)."""
    global _tokenizer
    tk = _tokenizer
    if tk is None:
        with _lock:
            if _tokenizer is None:
                with warnings.catch_warnings():
                    # jieba 0.42's source has invalid escape sequences: a SyntaxWarning when compiled.
                    warnings.simplefilter("ignore")
                    import jieba
                jieba.setLogLevel(logging.WARNING)
                jieba.dt.initialize()
                _tokenizer = jieba.dt
            tk = _tokenizer
    return tk
