"""Demo catalogue: works in Korean, English, Russian and Chinese, a journal with issues, a
co-publication, three recorded lectures (two of one course), and a seminar with one of
those lectures and its slides. The identifiers are made up (with correct check digits)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from exchange.catalogue import service as works
from exchange.catalogue.models import IdentifierScheme, WorkKind, WorkLevel
from exchange.catalogue.validation import ContributorDraft, ContributorRole, IssueDraft, WorkDraft
from exchange.db.uow import UnitOfWork
from exchange.identity.identity import SYSTEM
from exchange.policy import PolicyEngine
from exchange.seminars import service as seminars

ISBN, ISSN = IdentifierScheme.ISBN, IdentifierScheme.ISSN

# partner key, draft (partner_id is filled in)
WORKS: list[tuple[str, WorkDraft]] = [
    (
        "kisu",
        WorkDraft(
            WorkKind.TEXTBOOK,
            [("ko-Hang", "고등수학 학습참고서"), ("ko-Latn", "Kodŭng suhak hakssŭp ch'amgosŏ")],
            "ko",
            contributors=[ContributorDraft("리명철", romanized="Ri Myŏng-ch'ŏl")],
            publisher="교육도서출판사",
            year=2018,
            subjects=["수학", "mathematics"],
            level=WorkLevel.UNDERGRADUATE,
            identifiers=[(ISBN, "978-89-900012-3-8")],
        ),
    ),
    (
        "national",
        WorkDraft(
            WorkKind.TEXTBOOK,
            [("ko-Hang", "조선어 문법"), ("ko-Latn", "Chosŏnŏ munpŏp")],
            "ko",
            contributors=[ContributorDraft("김영황", romanized="Kim Yŏng-hwang")],
            publisher="사회과학출판사",
            year=2015,
            subjects=["언어학", "Korean language"],
            level=WorkLevel.GENERAL,
            identifiers=[(IdentifierScheme.CALL_NUMBER, "PL 907 .K56 2015")],
        ),
    ),
    (
        "publisher",
        WorkDraft(
            WorkKind.TEXTBOOK,
            [("en", "Introduction to Linear Algebra")],
            "en",
            contributors=[ContributorDraft("Margaret Ellison")],
            publisher="Northfield Academic Press",
            year=2021,
            subjects=["mathematics", "linear algebra"],
            level=WorkLevel.UNDERGRADUATE,
            identifiers=[(ISBN, "978-1-85000-042-6")],
        ),
    ),
    (
        "foundation",
        WorkDraft(
            WorkKind.TEXTBOOK,
            [
                ("ru", "Курс общей физики. Том 1. Механика"),
                ("ru-Latn", "Kurs obshchei fiziki. Tom 1. Mekhanika"),
            ],
            "ru",
            contributors=[ContributorDraft("Савельев И. В.", romanized="Savel'ev I. V.")],
            publisher="Наука",
            year=1987,
            subjects=["физика", "physics"],
            level=WorkLevel.UNDERGRADUATE,
            identifiers=[(ISBN, "978-5-03-001234-6")],
        ),
    ),
    (
        "foundation",
        WorkDraft(
            WorkKind.OTHER,
            [("zh-Hans", "中国古代物理学史"), ("zh-Latn", "Zhongguo gudai wulixue shi")],
            "zh",
            contributors=[ContributorDraft("戴念祖", romanized="Dai Nianzu")],
            publisher="科学出版社",
            year=2003,
            subjects=["物理学史", "history of physics"],
            level=WorkLevel.RESEARCH,
            identifiers=[(ISBN, "978-7-111-01234-4")],
        ),
    ),
    (
        "pust",
        WorkDraft(
            WorkKind.RECORDED_LECTURE,
            [
                ("en", "Linear Algebra, Lecture 4: Diagonalization"),
                ("ko-Hang", "선형대수 4강: 대각화"),
            ],
            "en",
            contributors=[ContributorDraft("Han Myŏng-ok", ContributorRole.INSTRUCTOR)],
            year=2025,
            subjects=["linear algebra"],
            level=WorkLevel.UNDERGRADUATE,
            course_number="MATH-201",
            instructor="Han Myŏng-ok",
            duration_seconds=5400,
        ),
    ),
    (
        "kisu",
        WorkDraft(
            WorkKind.RECORDED_LECTURE,
            [
                ("ko-Hang", "고체물리학 1강: 결정 구조"),
                ("ko-Latn", "Koch'e mullihak 1kang: kyŏlchŏng kujo"),
            ],
            "ko",
            contributors=[ContributorDraft("리철", ContributorRole.INSTRUCTOR, "Ri Ch'ŏl")],
            year=2024,
            subjects=["physics", "고체물리학"],
            level=WorkLevel.GRADUATE,
            course_number="PHYS-301",
            instructor="리철",
            duration_seconds=4800,
        ),
    ),
    (
        "publisher",
        WorkDraft(
            WorkKind.JOURNAL,
            [("en", "Journal of Library Science in Asia")],
            "en",
            publisher="Northfield Academic Press",
            subjects=["library science"],
            level=WorkLevel.RESEARCH,
            identifiers=[(ISSN, "2345-6787")],
            issues=[IssueDraft("12", str(n), 2023) for n in (1, 2, 3, 4)]
            + [IssueDraft("13", "1", 2024)],
        ),
    ),
]


async def load(uow: UnitOfWork, policy: PolicyEngine, partners: dict[str, uuid.UUID]) -> None:
    """Catalogue the demo works and the seminar for the demo partners."""
    for key, draft in WORKS:
        await works.create(SYSTEM, _for(draft, partners[key]), uow=uow, policy=policy)
    dictionary = WorkDraft(
        WorkKind.CO_PUBLICATION,
        [
            ("ko-Hang", "과학기술 조영사전"),
            ("en", "Korean–English Dictionary of Science and Technology"),
        ],
        "ko",
        partners["publisher"],
        contributors=[ContributorDraft("Editorial board", ContributorRole.EDITOR)],
        publisher="Northfield Academic Press",
        year=2024,
        subjects=["dictionaries", "사전"],
        identifiers=[(ISBN, "978-89-900045-6-7")],
        co_author_partner_ids=[partners["kisu"], partners["publisher"]],
    )
    await works.create(SYSTEM, dictionary, uow=uow, policy=policy)
    lecture = await works.create(
        SYSTEM,
        WorkDraft(
            WorkKind.RECORDED_LECTURE,
            [("en", "Linear Algebra, Lecture 3: Eigenvalues"), ("ko-Hang", "선형대수 3강: 고유값")],
            "en",
            partners["pust"],
            contributors=[ContributorDraft("Han Myŏng-ok", ContributorRole.INSTRUCTOR)],
            year=2025,
            subjects=["linear algebra"],
            level=WorkLevel.UNDERGRADUATE,
            course_number="MATH-201",
            instructor="Han Myŏng-ok",
            duration_seconds=5400,
        ),
        uow=uow,
        policy=policy,
    )
    slides = await works.create(
        SYSTEM,
        WorkDraft(
            WorkKind.SEMINAR_MATERIAL,
            [("en", "Slides: Eigenvalues and Eigenvectors")],
            "en",
            partners["pust"],
            contributors=[ContributorDraft("Han Myŏng-ok", ContributorRole.PRESENTER)],
            year=2025,
            subjects=["linear algebra"],
        ),
        uow=uow,
        policy=policy,
    )
    await seminars.create(
        SYSTEM,
        seminars.SeminarDraft(
            "Linear Algebra Summer Seminar",
            ["Han Myŏng-ok", "Margaret Ellison"],
            "en",
            date(2025, 7, 15),
            partners["pust"],
            [lecture.id, slides.id],
        ),
        uow=uow,
        policy=policy,
    )


def _for(draft: WorkDraft, partner_id: uuid.UUID) -> WorkDraft:
    return replace(draft, partner_id=partner_id)
