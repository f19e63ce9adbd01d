"""Segmentation and search (run on SQLite and on PostgreSQL): what is found, in which order, and
every filter."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from techfund.applications.enums import ApplicationState
from techfund.decisions.enums import ItemState
from techfund.library.search import query_terms, search, segment
from techfund.policy.enums import EstablishmentMode, SupportMode
from tests.library.conftest import file_application, proposal_item


def numbers(qs) -> list[str]:
    return [a.number for a in qs]


# ---------------------------------------------------------------- segmentation


def test_segment_cuts_for_search():
    tokens = segment("海洋生物医药关键技术研究")
    assert {"海洋", "生物", "医药", "关键技术", "研究"} <= set(tokens)


def test_segment_drops_punctuation_and_whitespace_and_lowercases_latin():
    tokens = segment("基于 Deep Learning 的芯片，（ＡＩ）设计！")
    assert "deep" in tokens and "learning" in tokens and "ai" in tokens
    assert not any(t.isspace() or t in "，（）！" for t in tokens)
    assert segment("") == [] and segment(None) == [] and segment("，。！") == []


def test_query_terms_split_words_made_of_shorter_words():
    # jieba cuts the title as 海洋生物 / 医药: the query word 生物医药 must become 生物 & 医药.
    assert query_terms("生物医药") == ["生物", "医药"]
    assert query_terms("海洋") == ["海洋"]
    # A name jieba does not split fully stays whole (its part is required too).
    assert set(query_terms("王海涛")) == {"海涛", "王海涛"}


def test_query_terms_drop_function_words_unless_nothing_else():
    assert query_terms("海洋与芯片") == ["海洋", "芯片"]
    assert query_terms("的") == ["的"]
    assert query_terms("  ，。 ") == []


def test_jieba_is_loaded_once_per_process_even_from_many_threads(monkeypatch):
    from techfund.core import segmentation
    from techfund.library import search as search_module
    from techfund.review.engine import affinity

    monkeypatch.setattr(segmentation, "_tokenizer", None)
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokenizers = list(pool.map(lambda _i: search_module._tokenizer(), range(16)))
    assert len({id(t) for t in tokenizers}) == 1
    assert search_module._tokenizer() is tokenizers[0]
    # The review engine's affinity segments with the same dictionary (one load per process).
    assert affinity._tokenizer() is tokenizers[0]


# ---------------------------------------------------------------- finding


@pytest.fixture
def corpus(world):
    return {
        "bio": file_application(world, "海洋生物医药关键技术研究", abstract="研究深海微生物药物。"),
        "chip": file_application(
            world,
            "人工智能芯片设计",
            org=world.org_b,
            abstract="面向边缘计算的低功耗芯片。",
            keywords=["集成电路"],
            leads=["王海涛"],
        ),
        "both": file_application(world, "海洋观测芯片研制", abstract="用于浮标。"),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("生物医药", {"bio"}),  # title (a word jieba cut differently there)
        ("海洋", {"bio", "both"}),  # title
        ("微生物药物", {"bio"}),  # abstract only
        ("集成电路", {"chip"}),  # keyword
        ("岚山港口", {"chip"}),  # organisation name
        ("王海涛", {"chip"}),  # team lead
        ("量子通信", set()),
    ],
)
def test_finds_by_chinese_words_in_every_field(world, corpus, office, q, expected):
    found = set(numbers(search(office, q)))
    assert found == {corpus[k].number for k in expected}


def test_finds_by_number_in_any_case(world, corpus, office):
    number = corpus["both"].number
    assert numbers(search(office, number)) == [number]
    assert numbers(search(office, number.lower())) == [number]


def test_several_words_must_all_occur(world, corpus, office):
    assert numbers(search(office, "海洋 芯片")) == [corpus["both"].number]
    assert numbers(search(office, "海洋芯片")) == [corpus["both"].number]
    assert numbers(search(office, "海洋 量子")) == []


def test_title_hit_ranks_above_abstract_only_hit(world, office):
    in_title = file_application(
        world, "海洋牧场智能监测系统", abstract="多源数据融合。", submitted_days_ago=20
    )
    in_abstract = file_application(
        world, "智能监测平台研发", abstract="服务海洋牧场的监测平台。", submitted_days_ago=1
    )
    # Newest first without text…
    assert numbers(search(office)) == [in_abstract.number, in_title.number]
    # …the title hit first with it (although it is older).
    assert numbers(search(office, "海洋牧场")) == [in_title.number, in_abstract.number]
    assert numbers(search(office, "海洋牧场", order="newest")) == [in_abstract.number, in_title.number]


def test_query_text_is_never_syntax(world, corpus, office):
    for q in ["海洋 & !芯片", "海洋 | 芯片", "'海洋'", "海洋:*", "(芯片", "%", "_", "\\", "海洋 <-> 芯片"]:
        list(search(office, q))  # no database error
    assert numbers(search(office, "海洋 & !芯片")) == [corpus["both"].number]
    assert numbers(search(office, "%")) == numbers(search(office))  # nothing searchable: no text filter


def test_unknown_order_is_a_programming_error(world, office):
    with pytest.raises(ValueError, match="unknown order"):
        search(office, order="sideways")


# ---------------------------------------------------------------- filters


def test_filter_year(world, office):
    now = file_application(world, "今年的项目")
    before = file_application(world, "去年的项目", call=world.call_last_year)
    assert numbers(search(office, year=world.year)) == [now.number]
    assert numbers(search(office, year=world.year - 1)) == [before.number]


def test_filter_focus_area_and_establishment_mode(world, office):
    major = file_application(world, "重大工程项目")
    platform = file_application(world, "创新平台项目", call=world.call_platforms)
    assert numbers(search(office, focus_area="major_projects")) == [major.number]
    assert numbers(search(office, focus_area="platforms")) == [platform.number]
    assert numbers(search(office, establishment_mode=EstablishmentMode.COMMISSIONED)) == [platform.number]
    assert numbers(search(office, establishment_mode=EstablishmentMode.COMPETITIVE)) == [major.number]


def test_filter_department_and_state(world, office):
    st = file_application(world, "科技局项目")
    ocean = file_application(world, "海洋局项目", department=world.ocean, state=ApplicationState.RECOMMENDED)
    assert numbers(search(office, department="science_technology")) == [st.number]
    assert numbers(search(office, department="ocean")) == [ocean.number]
    assert numbers(search(office, state=ApplicationState.RECOMMENDED)) == [ocean.number]
    assert numbers(search(office, state=ApplicationState.FINAL)) == []


def test_filter_support_mode_uses_the_proposal_item_when_there_is_one(world, office):
    grant = file_application(world, "无偿资助项目", support_mode=SupportMode.GRANT)
    asked_equity = file_application(world, "申请股权投资项目", support_mode=SupportMode.EQUITY)
    proposed_equity = file_application(world, "建议改为股权投资", support_mode=SupportMode.GRANT)
    proposal_item(proposed_equity, office, support_mode=SupportMode.EQUITY)
    assert set(numbers(search(office, support_mode=SupportMode.EQUITY))) == {
        asked_equity.number,
        proposed_equity.number,
    }
    assert numbers(search(office, support_mode=SupportMode.GRANT)) == [grant.number]


def test_filter_amount_uses_the_decided_amount_when_approved(world, office):
    small = file_application(world, "小项目", requested="300000.00")
    big = file_application(world, "大项目", requested="2000000.00")
    cut = file_application(world, "审定核减项目", requested="2000000.00")
    proposal_item(cut, office, amount="2000000.00", decided="500000.00", state=ItemState.APPROVED)
    proposed = file_application(world, "尚未审定项目", requested="2000000.00")
    proposal_item(proposed, office, amount="1500000.00")  # proposed only: the requested amount counts

    found = search(office, amount_min=Decimal("400000"), amount_max=Decimal("600000"))
    assert numbers(found) == [cut.number]
    assert found[0].decided_amount == Decimal("500000.00")
    assert found[0].effective_amount == Decimal("500000.00")
    assert set(numbers(search(office, amount_min=Decimal("1000000")))) == {big.number, proposed.number}
    assert numbers(search(office, amount_max=Decimal("300000.00"))) == [small.number]
    assert numbers(search(office, order="amount_desc"))[-1] == small.number
    assert numbers(search(office, order="amount_asc"))[0] == small.number


def test_filters_combine_with_text(world, office):
    file_application(world, "海洋项目甲", department=world.ocean)
    hit = file_application(world, "海洋项目乙")
    file_application(world, "其他项目乙")
    assert numbers(search(office, "海洋", department="science_technology")) == [hit.number]
