"""Platform companies (外卖、快递、网约车) as a tree: company → branches → outlets (基层网点)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from service.couriers.models import Company, CompanyKind, CompanyLevel
from service.errors import Conflict, Invalid, NotFound

# Which level may hang under which: a branch under the company or another branch, an outlet anywhere.
_PARENT_LEVELS = {
    CompanyLevel.branch: {CompanyLevel.company, CompanyLevel.branch},
    CompanyLevel.outlet: {CompanyLevel.company, CompanyLevel.branch},
}


def get_company(*, session: Session, company_id: uuid.UUID) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} does not exist")
    return company


def create_company(
    *,
    session: Session,
    code: str,
    name: str,
    kind: CompanyKind | None = None,
    level: CompanyLevel = CompanyLevel.company,
    parent_id: uuid.UUID | None = None,
    community_code: str | None = None,
    is_demo: bool = False,
) -> Company:
    """A company (no parent) or a branch/outlet under one; children inherit the parent's kind."""
    if session.scalar(select(Company.id).where(Company.code == code)) is not None:
        raise Conflict(f"company code {code!r} is taken", details={"field": "code"})
    if level is CompanyLevel.company:
        if parent_id is not None:
            raise Invalid("a company has no parent; branches and outlets do", details={"field": "parent_id"})
        if kind is None:
            raise Invalid("a company needs its kind", details={"field": "kind"})
        resolved_kind = kind
    else:
        if parent_id is None:
            raise Invalid(f"a {level.value} needs its parent", details={"field": "parent_id"})
        parent = get_company(session=session, company_id=parent_id)
        if CompanyLevel(parent.level) not in _PARENT_LEVELS[level]:
            raise Invalid(
                f"a {level.value} cannot hang under an {parent.level}", details={"field": "parent_id"}
            )
        if kind is not None and kind.value != parent.kind:
            raise Invalid("a branch or outlet has its company's kind", details={"field": "kind"})
        resolved_kind = CompanyKind(parent.kind)
    company = Company(
        code=code,
        name=name,
        kind=resolved_kind.value,
        level=level.value,
        parent_id=parent_id,
        community_code=community_code,
        is_demo=is_demo,
    )
    session.add(company)
    session.flush()
    return company


def list_companies(
    *,
    session: Session,
    kind: CompanyKind | None = None,
    under: uuid.UUID | None = None,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[Company]:
    """Companies, branches and outlets by code; a page of `limit` after the code `after_code`."""
    stmt = select(Company).order_by(Company.code).limit(limit)
    if after_code is not None:
        stmt = stmt.where(Company.code > after_code)
    if kind is not None:
        stmt = stmt.where(Company.kind == kind.value)
    if under is not None:
        stmt = stmt.where(Company.id.in_(subtree_ids(session=session, company_id=under)))
    return list(session.scalars(stmt))


def subtree_ids(*, session: Session, company_id: uuid.UUID) -> list[uuid.UUID]:
    """The company and everything under it (recursive)."""
    tree = select(Company.id).where(Company.id == company_id).cte("tree", recursive=True)
    child = aliased(Company)
    tree = tree.union_all(select(child.id).join(tree, child.parent_id == tree.c.id))
    return list(session.scalars(select(tree.c.id)).all())


def root_map(*, session: Session) -> dict[uuid.UUID, Company]:
    """Each company id → its top-level company (for counts per company)."""
    companies = {c.id: c for c in session.scalars(select(Company))}
    roots: dict[uuid.UUID, Company] = {}
    for company in companies.values():
        top = company
        while top.parent_id is not None:
            top = companies[top.parent_id]
        roots[company.id] = top
    return roots
