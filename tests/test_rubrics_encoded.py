"""Real county rubrics encoded under tests/rubrics/, scored through the database path.

Each test builds a unit's records, scores it with :func:`core.scoring.services.score_unit` (so
the metrics are computed from the records by SQL, on SQLite and PostgreSQL) and compares with a
score worked out by hand from the rubric's text; the hand calculation is written beside it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from core.events.models import Attendance, Event, EventKind
from core.organizations.models import CommitteeSeat
from core.plugins import hookimpl
from core.plugins.manager import EXTENSION_KEY, create_registry
from core.scoring import actions
from core.scoring.models import Finding, Honour, ManualScore
from core.scoring.services import score_unit
from core.standards import check_standard_file
from core.standards.types import UnitType
from core.tenancy import use_tenant
from core.validation import RecordError

RUBRICS = Path(__file__).parent / "rubrics"
YEAR = 2025
AS_OF = dt.date(2026, 1, 10)
FILES = {
    "r_biaozhun": "biaozhunhua-baifenzhi.yaml",
    "r_yuanxi": "yuanxi-kaoping.yaml",
    "r_gongsi": "gongsi-kaohe.yaml",
    "r_patterns": "patterns.yaml",
}


class EncodedRubrics:
    """A plugin supplying one unit type per encoded rubric."""

    @hookimpl
    def branchmark_unit_types(self) -> list[UnitType]:
        return [
            UnitType(key=key, name_zh=f"测试{key}", name_en=key, standard_files=(RUBRICS / name,))
            for key, name in FILES.items()
        ]


@pytest.fixture
def registry(app):
    registry = create_registry(load_entry_points=False, extra_plugins=[EncodedRubrics()])
    app.extensions[EXTENSION_KEY] = registry  # the web pages and services use the same one
    return registry


@pytest.mark.parametrize("name", sorted(FILES.values()))
def test_encoded_rubrics_pass_the_check(name: str) -> None:
    text = (RUBRICS / name).read_text(encoding="utf-8")
    assert text.startswith("#"), "each file opens with a comment naming its source"
    assert check_standard_file(RUBRICS / name) == []


class Unit:
    """Records of one test unit, written inside its tenant."""

    def __init__(self, db, tenant, make_organization, make_member) -> None:
        self.db, self.tenant = db, tenant
        self.make_organization, self.make_member = make_organization, make_member

    def branch(self, code: str, members: int, *, seats: tuple[str, ...] = ()):
        branch = self.make_organization(self.tenant, code=code, name=f"{code}党支部")
        people = [self.make_member(branch) for _ in range(members)]
        with use_tenant(self.tenant.id):
            for member, role in zip(people, seats, strict=False):
                self.db.session.add(
                    CommitteeSeat(
                        organization_id=branch.id,
                        member_id=member.id,
                        role=role,
                        started_on=dt.date(2024, 1, 1),
                    )
                )
            self.db.session.commit()
        return branch, people

    def event(self, branch, kind: str, day: dt.date, *, present=(), absent=()) -> None:
        with use_tenant(self.tenant.id):
            event = Event(organization_id=branch.id, kind=kind, held_on=day, topic=f"{kind}{day}")
            event.kinds.append(EventKind(kind=kind))
            self.db.session.add(event)
            self.db.session.flush()
            for member, status in [(m, "present") for m in present] + [(m, "absent") for m in absent]:
                self.db.session.add(Attendance(event_id=event.id, member_id=member.id, status=status))
            self.db.session.commit()

    def finding(self, branch, code: str, year: int = YEAR) -> None:
        with use_tenant(self.tenant.id):
            self.db.session.add(
                Finding(
                    organization_id=branch.id,
                    year=year,
                    finding=code,
                    decided_on=dt.date(year, 1, 2),
                    document="县组〔2025〕9号",
                    recorded_by="督导",
                )
            )
            self.db.session.commit()

    def honours(self, branch, count: int) -> None:
        with use_tenant(self.tenant.id):
            for n in range(count):
                self.db.session.add(
                    Honour(
                        organization_id=branch.id,
                        year=YEAR,
                        name=f"表扬{n + 1}",
                        level="county",
                        awarded_on=dt.date(YEAR, 6, n + 1),
                        awarded_by="县委",
                    )
                )
            self.db.session.commit()

    def onsite(self, branch, scores: dict[str, str], year: int = YEAR) -> None:
        with use_tenant(self.tenant.id):
            for item_id, points in scores.items():
                self.db.session.add(
                    ManualScore(
                        organization_id=branch.id,
                        year=year,
                        item_id=item_id,
                        points=Decimal(points),
                        comment="现场检查",
                        entered_by="督导",
                        entered_on=dt.date(year, 1, 2),
                    )
                )
            self.db.session.commit()


@pytest.fixture
def unit(db, registry, make_tenant, make_organization, make_member):
    def make(unit_type: str) -> Unit:
        return Unit(db, make_tenant(unit_type=unit_type), make_organization, make_member)

    return make


def results(unit: Unit, registry) -> dict[str, object]:
    outcome = score_unit(unit.tenant, YEAR, registry, as_of=AS_OF)
    assert outcome.not_scored_reason is None
    return {branch.organization.code: branch.result for branch in outcome.branches}


COMMITTEE_OF_SIX = ("organization", "propaganda", "discipline", "youth", "member", "member")


def test_biaozhunhua_rubric_scores_as_by_hand(unit, registry) -> None:
    u = unit("r_biaozhun")
    one, _ = u.branch("一支部", 9, seats=COMMITTEE_OF_SIX)
    u.event(one, "org_life_meeting", dt.date(YEAR, 12, 10))
    u.onsite(one, {"org.vacancy": "1", "sec.implement": "1.5", "sec.tasks": "2", "team.division": "1", "team.life_meeting": "2", "team.unity": "0"})
    two, _ = u.branch("二支部", 8)
    u.finding(two, "leadership_discipline_violation")
    u.onsite(two, {"org.vacancy": "2", "sec.implement": "2", "sec.tasks": "2", "team.division": "2", "team.life_meeting": "2", "team.unity": "1"})
    found = results(u, registry)

    # 一支部: 9 members, 6 committee members, no secretary.
    #   班子健全（设置） 2 − 未设书记1 − 委员超过规定人数0.5            = 0.5
    #   出缺调整 扣1 → 1; 贯彻落实 一般 1.5; 完成任务 好 2; 支委分工 不够明确 1
    #   组织生活会 held in December, 不扣分 2; 民主集中制 扣2 → 0; 廉洁 no finding 2
    #   0.5 + 1 + 1.5 + 2 + 1 + 2 + 0 + 2                                = 10
    first = found["一支部"]
    assert first.total == Decimal("10.00")
    set_up = first.item("org.set_up")
    assert [(line.label, line.points) for line in set_up.lines] == [
        ("未设书记", Decimal("1.00")),
        ("委员超过规定人数", Decimal("0.50")),
    ]
    assert first.item("sec.implement").level == "一般"
    assert "现场评定为「一般」" in first.item("sec.implement").explanation
    assert first.item("team.unity").level == "扣2分"
    assert first.item("team.integrity").level == "无违规违纪"

    # 二支部: 8 members (≥7), no committee, no secretary, a discipline finding, no 组织生活会.
    #   设置 2 − 未设支委会1 − 未设书记1                                   = 0
    #   出缺 2; 贯彻 2; 任务 2; 分工 2
    #   组织生活会: 没有召开 → 不得分 0 (the on-site 2 does not count)
    #   民主集中制 扣1 → 1; 廉洁: 班子成员有违规违纪 → 0
    #   0 + 2 + 2 + 2 + 2 + 0 + 1 + 0                                     = 9
    second = found["二支部"]
    assert second.total == Decimal("9.00")
    assert second.item("org.set_up").score == 0
    life = second.item("team.life_meeting")
    assert (life.score, life.status) == (Decimal("0.00"), "failed")
    assert "不得分" in life.explanation
    assert second.item("team.integrity").level == "有违规违纪"


def test_yuanxi_rubric_weights_two_blocks_and_takes_the_target_by_branch(unit, registry) -> None:
    u = unit("r_yuanxi")
    big, _ = u.branch("Y1", 9, seats=("secretary", "organization"))
    u.onsite(big, {"a2": "15", "a3": "20", "a4": "10", "c2": "20", "c3": "15", "c4.teaching": "7", "c4.research": "4", "c5": "15"})
    small, _ = u.branch("Y2", 5)
    found = results(u, registry)

    # Y1: 9 正式党员 → 支委应3人, has 2 → 每缺一名扣5分: a1 = 20 − 5 = 15.
    #   A = 15 + 15(较好) + 20(好) + 10(一般) = 60 of 80
    #   C = 20(好) + 15(较好) + 7(较好) + 4(一般) + 15(学院突出) = 61 of 80
    #   total = (0.5 × 60/80 + 0.5 × 61/80) × 100 = 37.5 + 38.125 = 75.625 → 75.63
    y1 = found["Y1"]
    assert y1.item("a1").score == Decimal("15.00")
    assert "扣5分（目标按「正式党员人数不少于 7」取3）。" in y1.item("a1").explanation
    assert y1.total == Decimal("75.63")
    assert y1.item("c5").level == "学院突出"
    # Y2: 5 members → no committee required (target 0) → a1 full 20; nothing scored on site yet.
    #   total = 0.5 × 20/80 × 100 = 12.5, provisional
    y2 = found["Y2"]
    assert y2.item("a1").score == Decimal("20.00")
    assert "其余情况" in y2.item("a1").explanation
    assert (y2.total, y2.status) == (Decimal("12.50"), "provisional")


def test_gongsi_rubric_counts_missed_quarters_and_caps_the_bonus(unit, registry) -> None:
    u = unit("r_gongsi")
    branch, _ = u.branch("G1", 3)
    u.event(branch, "committee_meeting", dt.date(YEAR, 2, 20))
    u.event(branch, "committee_meeting", dt.date(YEAR, 5, 20))
    u.honours(branch, 3)
    u.onsite(branch, {"build.tasks": "6"})
    result = results(u, registry)["G1"]

    # 基础管理 10: meetings in Q1 and Q2 only → 2 quarters missed × 2 = 4;
    #   no dues recorded for the year → 党费收缴不及时 2; 10 − 6 = 4.
    # 支部建设 10: on site 扣4分 → 6.
    # 加分: 3 × 2 = 6, item capped at 4.
    # 4 + 6 + 4 = 14 (of 20).
    base = result.item("base.records")
    assert [(line.label, line.points) for line in base.lines] == [
        ("党支部会议未按季度召开", Decimal("4.00")),
        ("党费收缴不及时", Decimal("2.00")),
    ]
    assert [e.period for e in base.evidence] == ["2025-Q3", "2025-Q4"]
    assert base.score == Decimal("4.00")
    assert result.item("build.tasks").level == "扣4分"
    assert result.item("bonus.honours").score == Decimal("4.00")
    assert result.total == Decimal("14.00")


def test_every_pattern_scores_from_records(unit, registry) -> None:
    u = unit("r_patterns")
    good, people = u.branch("P1", 9, seats=("secretary", "organization", "propaganda"))
    everyone = people
    u.event(good, "general_meeting", dt.date(YEAR, 2, 10), present=everyone)
    u.event(good, "general_meeting", dt.date(YEAR, 5, 10), present=everyone[:6], absent=everyone[6:])
    u.event(good, "general_meeting", dt.date(YEAR, 8, 10), present=everyone[:7], absent=everyone[7:])
    u.event(good, "general_meeting", dt.date(YEAR, 11, 10), present=everyone)
    for month in range(1, 9):
        u.event(good, "theme_day", dt.date(YEAR, month, 25))
    u.honours(good, 3)
    u.onsite(good, {"onsite.role": "1.5", "onsite.ledger": "2"})

    weak, _ = u.branch("P2", 8)
    u.event(weak, "party_lesson", dt.date(YEAR, 3, 15))
    u.finding(weak, "weak_and_lax")
    u.finding(weak, "records_seriously_missing")
    u.onsite(weak, {"onsite.role": "2", "onsite.ledger": "4"})
    found = results(u, registry)

    # P1 — 组织建设: 班子健全 4 (nothing applies); 支委 9 正式党员 → 3 required, has 3 → 2;
    #   委员3 ≤ 正式党员9 → 2.                                               = 8
    # 组织生活: events at 100%, 66.67%, 77.78%, 100% → two under 80% × 0.5 = 1 → 3 − 1 = 2;
    #   主题党日 Jan–Aug → Sep–Dec missed (4 months): 1 + 0.5 × (4 − 3) = 1.5 → 1.5;
    #   党员大会 held, no 党课 → 不全 3.                                      = 6.5
    # 现场检查: 一般 1.5; 扣2分 → 2.                                          = 3.5
    # 基本保障: 9 ≥ 3 → 2.                                                   = 2
    # base 20; bonus: 3 honours → 1 + 0.5 × 1 = 1.5 and 3 × 1 capped 1 → 2.5, overall cap 2.
    # total 22 → 二类 (一类 from 24).
    p1 = found["P1"]
    assert p1.item("life.attendance").score == Decimal("2.00")
    assert len(p1.item("life.attendance").evidence) == 2
    assert p1.item("life.theme_day").score == Decimal("1.50")
    assert p1.item("life.records").level == "不全"
    assert p1.item("bonus.reports").score == Decimal("1.50")
    assert p1.bonus == Decimal("2.00")
    assert (p1.total, p1.grade) == (Decimal("22.00"), "二类")

    # P2 — 组织建设: 未设支委会1 + 未设书记1 + 软弱涣散2 = 4 → 0; 支委 0 of 3 → −3 → 0;
    #   委员0 ≤ 8 → 2.                                                       = 2
    # 组织生活: no attendance recorded → 3; 主题党日 12 months missed → 1 + 0.5 × 9 = 5.5 → 0;
    #   党课 held → 不全 3, but 档案严重缺失 → 不得分 0.                       = 3
    # 现场检查: 好 2; 不扣分 4.                                               = 6
    # 基本保障: 8 ≥ 3 → 2, but the block is zeroed (软弱涣散).                = 0
    # total 11 → 三类; the veto fires (cap 三类, already there).
    p2 = found["P2"]
    assert [line.label for line in p2.item("org.set_up").lines] == ["未设支委会", "未设书记", "被认定为软弱涣散"]
    assert p2.item("life.records").score == 0 and "不得分" in p2.item("life.records").explanation
    assert p2.item("support.members").score == 0
    assert "基本保障不得分" in p2.item("support.members").explanation
    assert p2.total == Decimal("11.00")
    assert p2.grade == "三类" and [v.id for v in p2.vetoes] == ["veto.weak"]


def test_on_site_form_offers_only_the_levels_and_refuses_others(
    unit, registry, make_user, client, login
) -> None:
    u = unit("r_patterns")
    branch, _ = u.branch("P1", 3)
    supervisor = make_user("host_admin")
    with use_tenant(u.tenant.id):  # on PostgreSQL the branch reloads only inside its unit
        with pytest.raises(RecordError) as refused:
            actions.enter_manual_score(
                supervisor, u.tenant, branch, year=YEAR, item_id="onsite.role", points="1",
                comment="检查", registry=registry,
            )
        assert refused.value.errors["points"] == "「书记履职」只能选择：好（2分）、一般（1.5分）、差（0分）"
        with pytest.raises(RecordError) as out_of_range:
            actions.enter_manual_score(
                supervisor, u.tenant, branch, year=YEAR, item_id="onsite.ledger", points="3.5",
                comment="检查", registry=registry,
            )
        assert "扣1分（3分）" in out_of_range.value.errors["points"]
    login(supervisor)
    page = client.get(f"/units/{u.tenant.slug}/branches/P1/onsite?year={YEAR}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<option value="1.5">一般（1.5分）</option>' in text
    assert '<option value="1">扣3分（1分）</option>' in text
    saved = client.post(
        f"/units/{u.tenant.slug}/branches/P1/onsite?year={YEAR}",
        data={"item_id": "onsite.role", "points": "0.5", "comment": "检查", "year": YEAR},
    )
    assert saved.status_code == 400
    assert "只能选择" in saved.get_data(as_text=True)


def test_card_names_each_deduction_and_the_level_chosen(unit, registry, make_user, client, login) -> None:
    from core.reports.render import render
    from tests.test_reports import code_of, pdf_text, squeeze

    u = unit("r_patterns")
    branch, _ = u.branch("P2", 8)
    u.finding(branch, "weak_and_lax")
    u.onsite(branch, {"onsite.role": "1.5", "onsite.ledger": "2"})
    text = squeeze(pdf_text(render("branch", u.tenant, YEAR, code_of(u.tenant, branch), AS_OF, registry=registry).pdf()))
    assert "扣分明细：未设支委会扣1分；未设书记扣1分；被认定为软弱涣散扣2分" in text
    assert "评定档次：一般" in text
    assert "评定档次：扣2分" in text
    assert "基本保障不得分" in text

    # The branch page scores the current year live.
    this_year = dt.date.today().year
    u.finding(branch, "weak_and_lax", this_year)
    u.onsite(branch, {"onsite.role": "1.5", "onsite.ledger": "2"}, this_year)
    login(make_user("host_admin"))
    page = client.get(f"/units/{u.tenant.slug}/branches/P2").get_data(as_text=True)
    assert "<li>被认定为软弱涣散扣2分</li>" in page
    assert "评定档次：一般" in page


def test_on_site_form_keeps_the_level_chosen(unit, registry, make_user, client, login) -> None:
    u = unit("r_yuanxi")
    u.branch("Y1", 9)
    login(make_user("host_admin"))
    url = f"/units/{u.tenant.slug}/branches/Y1/onsite?year={YEAR}"
    saved = client.post(url, data={"item_id": "a2", "points": "20", "comment": "班子团结", "year": YEAR})
    assert saved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert '<option value="20" selected>好（20分）</option>' in page
    result = score_unit(u.tenant, YEAR, registry, as_of=AS_OF).branches[0].result
    assert (result.item("a2").score, result.item("a2").level) == (Decimal("20.00"), "好")
