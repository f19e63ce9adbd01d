"""统一社会信用代码 validation (GB 32100-2015): real codes pass; each kind of error names its position."""

import pytest

from techfund.core import uscc
from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent, Organisation
from techfund.core.services import people

REAL = ["9144030071526726XG", "91330100799655058B", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert uscc.check(code) is None
    assert uscc.check(code.lower()) is None  # normalised


@pytest.mark.parametrize(("code", "n"), [("", 0), ("9144030071526726X", 17), ("9144030071526726XGG", 19)])
def test_wrong_length(code, n):
    assert uscc.check(code) == f"统一社会信用代码应为18位，实际为{n}位。"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letter_names_its_position(letter):
    code = "91440300" + letter + "1526726XG"
    assert uscc.check(code) == f"统一社会信用代码第9位“{letter}”不是允许的字符（不使用I、O、Z、S、V）。"


def test_division_code_must_be_digits():
    assert uscc.check("91A40300715267265G").startswith("统一社会信用代码第3位应为数字")


def test_wrong_17th_character_names_position_and_expected():
    assert (
        uscc.check("9144030071526726YG") == "统一社会信用代码第17位（组织机构代码校验码）应为“X”，实际为“Y”。"
    )


@pytest.mark.parametrize(
    ("code", "expected"), [(c[:17] + ("A" if c[17] != "A" else "B"), c[17]) for c in REAL]
)
def test_wrong_18th_character_names_position_and_expected(code, expected):
    assert uscc.check(code) == f"统一社会信用代码第18位（校验码）应为“{expected}”，实际为“{code[17]}”。"


def test_make_builds_valid_codes():
    assert uscc.check(uscc.make("91371100", "MA000001")) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("9144030071526726XA", "第18位（校验码）应为“G”"),
        ("9144O30071526726XG", "第5位“O”"),
        ("914403007152672", "应为18位"),
    ],
)
def test_register_organisation_refuses_and_saves_nothing(db, sysadmin, code, fragment):
    before = (Organisation.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceError) as exc:
        people.register_organisation(actor=sysadmin, uscc=code, name="某公司", kind="enterprise")
    assert exc.value.code == "organisation_invalid"
    assert fragment in exc.value.errors["uscc"][0]
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == before


def test_register_organisation_records_and_refuses_duplicates(db, sysadmin):
    org = people.register_organisation(
        actor=sysadmin, uscc=" 9144030071526726xg ", name=" 某公司 ", kind="enterprise"
    )
    assert (org.uscc, org.name) == ("9144030071526726XG", "某公司")
    ev = AuditEvent.objects.get(action="organisation.registered", target_id=str(org.pk))
    assert ev.actor == sysadmin and ev.role == "sysadmin"
    with pytest.raises(ServiceError) as exc:
        people.register_organisation(
            actor=sysadmin, uscc="9144030071526726XG", name="另一家", kind="enterprise"
        )
    assert exc.value.errors == {"uscc": ["该统一社会信用代码已登记。"]}
    assert Organisation.objects.count() == 1
