"""Published reference rates the reference-rate table starts with (the office adds later ones).

LPR: 贷款市场报价利率, published by 全国银行间同业拆借中心 on the 20th of each month (the next working
day when the 20th is not one), in force from that day. Only the dates on which a rate *changed*
are listed; a rate stays in force until the next row. The rows below are the changes from August
2023 to May 2025 as published; later changes (if any) must be entered by the office from the
centre's announcements — a day after the last row uses the last row, so the office must keep the
table current before claims for later periods are computed.

Benchmark: 中国人民银行 金融机构人民币贷款基准利率, last changed on 2015-10-24 (一年以内 4.35 %,
五年以上 4.90 %), still the reference of policies that speak of 基准利率.
"""

import datetime as dt
from decimal import Decimal

LPR_SOURCE = "全国银行间同业拆借中心受权公布贷款市场报价利率（LPR）公告（%s）"
BENCHMARK_SOURCE = "中国人民银行决定下调金融机构人民币贷款基准利率（2015年10月23日公告，10月24日起执行）"

#: (kind, tenor, effective_from, rate %, source)
PUBLISHED = [
    ("lpr", "1y", dt.date(2023, 8, 21), Decimal("3.45"), LPR_SOURCE % "2023-08-21"),
    ("lpr", "5y", dt.date(2023, 6, 20), Decimal("4.20"), LPR_SOURCE % "2023-06-20"),
    ("lpr", "5y", dt.date(2024, 2, 20), Decimal("3.95"), LPR_SOURCE % "2024-02-20"),
    ("lpr", "1y", dt.date(2024, 7, 22), Decimal("3.35"), LPR_SOURCE % "2024-07-22"),
    ("lpr", "5y", dt.date(2024, 7, 22), Decimal("3.85"), LPR_SOURCE % "2024-07-22"),
    ("lpr", "1y", dt.date(2024, 10, 21), Decimal("3.10"), LPR_SOURCE % "2024-10-21"),
    ("lpr", "5y", dt.date(2024, 10, 21), Decimal("3.60"), LPR_SOURCE % "2024-10-21"),
    ("lpr", "1y", dt.date(2025, 5, 20), Decimal("3.00"), LPR_SOURCE % "2025-05-20"),
    ("lpr", "5y", dt.date(2025, 5, 20), Decimal("3.50"), LPR_SOURCE % "2025-05-20"),
    ("benchmark", "1y", dt.date(2015, 10, 24), Decimal("4.35"), BENCHMARK_SOURCE),
    ("benchmark", "5y", dt.date(2015, 10, 24), Decimal("4.90"), BENCHMARK_SOURCE),
]
