import numpy as np

from techfund.review.engine import TfidfAffinity, tokenize

EXPERTS = [
    "人工智能、机器学习与深度学习算法研究，计算机视觉。",
    "海洋生物资源开发，水产养殖与海洋牧场。",
    "土木工程，桥梁结构健康监测。",
    "新能源材料，锂离子电池正极材料。",
]


def test_tokens_drop_punctuation_and_whitespace():
    words = tokenize("深度学习，  图像识别！ AI")
    assert "深度学习" in words or {"深度", "学习"} <= set(words)
    assert "，" not in words and "！" not in words and " " not in words
    assert "ai" in words


def test_shared_chinese_terms_rank_first():
    model = TfidfAffinity().fit(EXPERTS)
    apps = ["基于深度学习的计算机视觉缺陷检测", "大型桥梁结构的健康监测系统"]
    a, e, s = model.top_candidates(apps, 2)
    assert a.tolist() == [0, 0, 1, 1]
    assert e[0] == 0 and e[2] == 2
    assert s[0] > s[1] >= 0 and s[2] > s[3] >= 0
    assert s.max() <= 1.0


def test_top_m_returns_m_per_application_and_caps_at_the_pool():
    model = TfidfAffinity(chunk_cells=8).fit(EXPERTS)  # tiny chunks: several passes
    apps = ["锂电池材料", "海洋养殖", "无关的文字", ""]
    a, e, s = model.top_candidates(apps, 3)
    assert np.bincount(a).tolist() == [3, 3, 3, 3]
    for i in range(4):
        assert len(set(e[a == i].tolist())) == 3
        assert (np.diff(s[a == i]) <= 0).all()  # best first
    a, e, s = model.top_candidates(apps, 10)
    assert np.bincount(a).tolist() == [4, 4, 4, 4]


def test_progress_and_empty_inputs():
    calls = []
    model = TfidfAffinity(chunk_cells=8).fit(EXPERTS)
    model.top_candidates(["锂电池"] * 5, 1, progress=lambda d, t, m: calls.append((d, t)))
    assert calls[-1] == (5, 5)
    a, e, s = model.top_candidates([], 3)
    assert a.size == e.size == s.size == 0
    blank = TfidfAffinity().fit(["，。", ""])
    a, e, s = blank.top_candidates(["深度学习"], 2)
    assert a.tolist() == [0, 0] and s.tolist() == [0.0, 0.0]
