"""Affinity between applications and experts from their texts.

``AffinityModel`` is the interface the assignment uses (an embedding model can replace TF-IDF later).
``TfidfAffinity`` segments Chinese with jieba (dictionary loaded once per process), weighs terms with
scikit-learn's ``TfidfVectorizer`` (sublinear tf, idf learnt from the expert profiles, rows
L2-normalised) and scores by cosine similarity, a sparse product computed for a chunk of applications
at a time; only each application's top ``m`` experts are kept (``argpartition``), never a dense
applications × experts matrix. Nothing is downloaded.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

import numpy as np

from techfund.core import segmentation

from .solver import Progress, _report

_tokenizer = segmentation.tokenizer  # one jieba dictionary per process


def tokenize(text: str) -> list[str]:
    """jieba words of ``text`` (NFKC, lower case) without whitespace and punctuation."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    if not text.strip():
        return []
    return [w for w in _tokenizer().lcut(text) if any(ch.isalnum() for ch in w)]


class AffinityModel(Protocol):
    def fit(self, expert_docs: list[str]) -> AffinityModel: ...

    def top_candidates(
        self, app_docs: list[str], m: int, *, progress: Progress = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class TfidfAffinity:
    """TF-IDF cosine similarity over jieba words. ``fit`` on the expert profiles, then
    ``top_candidates(app_docs, m)`` returns ``(app_idx, exp_idx, score)``: for every application its
    ``min(m, n_experts)`` most similar experts, best first (ties by expert index), scores in [0, 1]."""

    def __init__(self, *, min_df: int = 1, max_df: float = 1.0, chunk_cells: int = 1 << 22):
        self.min_df = min_df
        self.max_df = max_df
        self.chunk_cells = chunk_cells
        self.vectorizer = None
        self.experts = None

    def fit(self, expert_docs: list[str]) -> TfidfAffinity:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(
            tokenizer=tokenize,
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
            min_df=self.min_df,
            max_df=self.max_df,
            dtype=np.float32,
        )
        docs = list(expert_docs)
        try:
            self.experts = self.vectorizer.fit_transform(docs).tocsr()
        except ValueError:  # empty vocabulary: every profile is empty or punctuation
            self.vectorizer = None
            self.experts = None
        self.n_experts = len(docs)
        return self

    def transform(self, docs: list[str]):
        if self.vectorizer is None:
            from scipy import sparse

            return sparse.csr_matrix((len(docs), 0), dtype=np.float32)
        return self.vectorizer.transform(list(docs)).tocsr()

    def top_candidates(self, app_docs: list[str], m: int, *, progress: Progress = None):
        if not hasattr(self, "n_experts"):
            raise RuntimeError("fit() first")
        n_apps, n_exp = len(app_docs), self.n_experts
        m = max(0, min(int(m), n_exp))
        if not n_apps or not m:
            z = np.zeros(0, dtype=np.int32)
            return z, z.copy(), np.zeros(0, dtype=np.float32)
        apps = self.transform(app_docs)
        experts_t = self.experts.T.tocsc() if self.experts is not None else None
        rows = max(1, self.chunk_cells // max(n_exp, 1))
        out_a, out_e, out_s = [], [], []
        for lo in range(0, n_apps, rows):
            hi = min(n_apps, lo + rows)
            if experts_t is None:
                sim = np.zeros((hi - lo, n_exp), dtype=np.float32)
            else:
                sim = (apps[lo:hi] @ experts_t).toarray().astype(np.float32, copy=False)
            if m < n_exp:
                part = np.argpartition(-sim, m - 1, axis=1)[:, :m]
            else:
                part = np.broadcast_to(np.arange(n_exp), sim.shape).copy()
            part.sort(axis=1)  # ties broken by expert index (stable sort below)
            sc = np.take_along_axis(sim, part, axis=1)
            o = np.argsort(-sc, axis=1, kind="stable")
            part = np.take_along_axis(part, o, axis=1)
            sc = np.take_along_axis(sc, o, axis=1)
            out_a.append(np.repeat(np.arange(lo, hi, dtype=np.int32), m))
            out_e.append(part.astype(np.int32).reshape(-1))
            out_s.append(np.clip(sc, 0.0, 1.0).reshape(-1))
            _report(progress, hi, n_apps, "计算相关度")
        return np.concatenate(out_a), np.concatenate(out_e), np.concatenate(out_s)
