"""Names and numbers for a realistic demo year. Invented organisations; real city geography."""

from decimal import Decimal

# Administrative division codes used in the 统一社会信用代码 (positions 3–8).
DIVISION = {"rizhao": "371100", "taian": "370900"}
CITY = {"rizhao": "日照", "taian": "泰安"}

ENTERPRISE_STEMS = [
    "海汇新材料",
    "港城智能装备",
    "黄海生物医药",
    "东港精密机械",
    "岚山钢铁科技",
    "五莲石材新材料",
    "莒州农业科技",
    "山海天电子",
    "奎山信息技术",
    "两城食品",
    "涛雒海洋生物",
    "日照港智慧物流",
    "蓝海光电",
    "北方汽车零部件",
    "万平口新能源",
    "凌云航空材料",
    "金泰医疗器械",
    "海曲数字科技",
    "阳光海岸环保",
    "鲁南化工新材料",
    "泰山智造",
    "岱岳生物科技",
    "汶河农业装备",
    "徂徕山数据",
    "东平湖水产科技",
    "宁阳输变电",
    "新泰煤机装备",
    "肥城盐化工",
    "泰山玻纤材料",
    "岱庙文旅数字",
]
UNIVERSITIES = {
    "rizhao": ["曲阜师范大学日照校区", "日照职业技术学院", "山东外国语职业技术大学", "济宁医学院日照校区"],
    "taian": ["山东农业大学", "山东第一医科大学", "泰山学院", "山东科技大学泰安校区"],
}
INSTITUTES = {
    "rizhao": ["日照市农业科学研究院", "日照市海洋与渔业研究所", "日照市检验检测研究院"],
    "taian": ["泰安市农业科学研究院", "泰安市林业科学研究院", "泰安市检验检测研究院"],
}
HOSPITALS = {"rizhao": ["日照市人民医院", "日照市中医医院"], "taian": ["泰安市中心医院", "泰安市中医医院"]}
NEW_RD = {
    "rizhao": ["日照市海洋科技研究院", "日照智能制造研究院"],
    "taian": ["泰山产业技术研究院", "泰安新材料研究院"],
}

PEOPLE = [
    "王海涛",
    "李建国",
    "张晓燕",
    "刘志强",
    "陈静",
    "杨帆",
    "赵明",
    "黄丽",
    "周伟",
    "吴敏",
    "徐磊",
    "孙悦",
    "胡军",
    "朱琳",
    "高峰",
    "林涛",
    "何娟",
    "郭勇",
    "马超",
    "罗霞",
]

# The demo year's contributions (yuan) by source type code, as a share of the year's total.
# Shares are applied to the preset's source types in order, so any preset works.
YEAR_TOTAL = {"rizhao": Decimal("236000000.00"), "taian": Decimal("158000000.00")}
# Framework: share of the pool allocated in the first batch, by focus area order (rest stays in reserve).
FRAMEWORK_SHARES = [Decimal(x) for x in ("0.24", "0.20", "0.14", "0.12", "0.10", "0.08")]
DEMO_PASSWORD = "Demo-2026-Pass!"
