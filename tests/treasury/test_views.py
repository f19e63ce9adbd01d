"""The pages as people use them: the unit records its account, finance verifies it; finance instructs
a tranche from the project page, batches, downloads, uploads the treasury's file, previews and
applies it; the home tiles show the work waiting."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from techfund.core.home import pending_for
from techfund.projects.models import Payment
from techfund.treasury.enums import AccountState, BatchState, InstructionState
from techfund.treasury.models import PayeeAccount, PaymentBatch, PaymentInstruction
from tests.treasury.conftest import BANK_CODE, confirmation_csv, paid_row


def text(r) -> str:
    return r.content.decode()


def test_unit_records_and_finance_verifies(running, project, unit_user, finance, client):
    org = project.organisation
    client.force_login(unit_user)
    home = pending_for(unit_user)["applicant"]
    assert any(p.kind == "请登记收款账户" for p in home)
    r = client.post(
        f"/treasury/accounts/{org.pk}/",
        {"account_name": "错的名字", "bank_name": "工行", "account_number": "12AB", "bank_code": "1"},
    )
    assert r.status_code == 200
    assert "户名“错的名字”与单位登记名称" in text(r) and "联行号应为12位数字，填写的是1位。" in text(r)
    assert not PayeeAccount.objects.exists()
    r = client.post(
        f"/treasury/accounts/{org.pk}/",
        {
            "account_name": org.name,
            "bank_name": "工行日照分行",
            "account_number": "6222 0000 1111",
            "bank_code": BANK_CODE,
        },
    )
    assert r.status_code == 302
    acc = PayeeAccount.objects.get()
    assert acc.state == AccountState.PENDING and acc.account_number == "622200001111"
    assert any(p.kind == "收款账户待核验" for p in pending_for(finance)["finance"])
    client.force_login(finance)
    assert "提交核验结果" in text(client.get(f"/treasury/accounts/{org.pk}/"))
    r = client.post(f"/treasury/accounts/verify/{acc.pk}/", {"approve": "1"})
    assert r.status_code == 302
    acc.refresh_from_db()
    assert acc.state == AccountState.VERIFIED and acc.verified_by == finance


def test_finance_instructs_batches_exports_and_imports(running, contract, project, account, finance, client):
    client.force_login(finance)
    page = text(client.get(f"/projects/{project.pk}/"))
    assert "生成支付指令" in page
    t1 = contract.tranches.get(seq=1)
    r = client.post(f"/projects/tranches/{t1.pk}/instruct/", {"amount": "", "memo": ""})
    assert r.status_code == 302
    ins = PaymentInstruction.objects.get()
    assert ins.amount == t1.amount and ins.state == InstructionState.PENDING
    assert "待国库确认 2,400,000.00 元" in text(client.get(f"/projects/{project.pk}/"))
    assert any(p.kind == "支付指令待编入批次" for p in pending_for(finance)["finance"])
    page = text(client.get("/treasury/"))
    assert ins.number in page and "编制支付批次" in page
    r = client.post("/treasury/batches/new/", {"fund_year": project.fund_year.pk})
    batch = PaymentBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/treasury/batches/{batch.pk}/"
    r = client.post(f"/treasury/batches/{batch.pk}/file.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    ws = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    assert [c for c in list(ws.iter_rows(values_only=True))[1]][1] == ins.number
    batch.refresh_from_db()
    assert batch.state == BatchState.SENT
    assert any(p.kind == "支付批次已发送国库，待导入支付结果" for p in pending_for(finance)["finance"])
    upload = SimpleUploadedFile("回单.csv", confirmation_csv([paid_row(ins, "GK-WEB-1")]), "text/csv")
    r = client.post(f"/treasury/batches/{batch.pk}/import/", {"file": upload})
    assert r.status_code == 200 and "确认导入" in text(r) and "相符，已处理" in text(r)
    assert not Payment.objects.exists()  # the preview changes nothing
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', text(r)).group(1)
    r = client.post(f"/treasury/batches/{batch.pk}/import/apply/", {"sha256": sha})
    assert r.status_code == 302 and "/treasury/imports/" in r["Location"]
    assert "GK-WEB-1" in text(client.get(r["Location"]))
    assert Payment.objects.get().treasury_ref == "GK-WEB-1"
    r = client.post(f"/treasury/batches/{batch.pk}/import/apply/", {"sha256": sha})  # stale preview
    assert r.status_code == 302 and Payment.objects.count() == 1
    page = text(client.get(f"/treasury/batches/{batch.pk}/"))
    assert "已全部对账" in page
    r = client.get(f"/treasury/batches/{batch.pk}/reconciliation.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_bad_file_is_refused_on_the_form(sent, finance, client):
    client.force_login(finance)
    upload = SimpleUploadedFile("x.csv", b"a,b\n1,2\n", "text/csv")
    r = client.post(f"/treasury/batches/{sent.pk}/import/", {"file": upload})
    assert r.status_code == 200 and "文件缺少必需的列" in text(r)


def test_api_round_trip(sent, instructed, finance):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(finance)
    r = api.post(f"/api/treasury/batches/{sent.pk}/export/?fmt=csv")
    assert r.status_code == 200 and instructed.number in r.content.decode("utf-8-sig")
    f = SimpleUploadedFile("r.csv", confirmation_csv([paid_row(instructed, "GK-API")]), "text/csv")
    r = api.post(f"/api/treasury/batches/{sent.pk}/import/", {"file": f}, format="multipart")
    assert r.status_code == 201 and r.json()["matched"] == 1
    rep = api.get(f"/api/treasury/batches/{sent.pk}/reconciliation/").json()
    assert rep["confirmed"] == {"count": 1, "amount": "2400000.00"} and rep["balanced"] is True
