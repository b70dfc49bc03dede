"""Shaping: what the couriers service layer returns, turned into the ``schemas`` models the routers answer
with. Pure functions: no session, no queries (the service modules load everything shown)."""

from __future__ import annotations

from service.accounts.models import User
from service.couriers import schemas as s
from service.couriers.models import Company, CompanyKind, Pairing, Participation, Redemption, RedemptionItem
from service.couriers.points import LedgerPage
from service.couriers.riders import Candidate, RiderProfile, RiderReport


def person(user: User) -> s.PersonRef:
    return s.PersonRef(id=user.id, username=user.username, display_name=user.display_name)


def company_ref(company: Company, top: Company) -> s.CompanyRef:
    return s.CompanyRef(
        id=company.id,
        code=company.code,
        name=company.name,
        kind=CompanyKind(company.kind),
        top_code=top.code,
        top_name=top.name,
    )


def rider_public(profile: RiderProfile) -> s.RiderPublic:
    rider, user, pairing = profile.rider, profile.user, profile.pairing
    return s.RiderPublic(
        user_id=rider.user_id,
        username=user.username,
        display_name=user.display_name,
        company=company_ref(profile.company, profile.top_company),
        community_code=rider.community_code,
        community_name=profile.community_name,
        registered_at=rider.registered_at,
        is_party_member=rider.is_party_member,
        mobile_grid_worker=rider.mobile_grid_worker_since is not None,
        mobile_grid_worker_since=rider.mobile_grid_worker_since,
        grid_codes=profile.grid_codes,
        grid_worker=person(profile.grid_worker) if profile.grid_worker else None,
        pairing_id=pairing.id if pairing else None,
    )


def candidate_public(candidate: Candidate) -> s.CandidatePublic:
    return s.CandidatePublic(grid_worker=person(candidate.grid_worker), shared_grids=candidate.shared_grids)


def paired_rider_public(pairing: Pairing, profile: RiderProfile) -> s.PairedRiderPublic:
    return s.PairedRiderPublic(
        pairing_id=pairing.id, started_at=pairing.started_at, rider=rider_public(profile)
    )


def rider_report_public(report: RiderReport) -> s.RiderReportPublic:
    return s.RiderReportPublic(
        id=report.id,
        reporter=s.PersonRef(id=report.reporter_id, username="", display_name=report.reporter_name),
        category_code=report.category_code,
        text=report.text,
        created_at=report.created_at,
        community_code=report.community_code,
        grid_code=report.grid_code,
        case_state=report.case_state,
        flags=report.flags,
    )


def confirmation_public(participation: Participation, entry_id: int | None) -> s.ConfirmationPublic:
    return s.ConfirmationPublic(
        participation=s.ParticipationPublic.model_validate(participation), points_entry_id=entry_id
    )


def redemption_public(redemption: Redemption, item: RedemptionItem, balance: int) -> s.RedemptionPublic:
    return s.RedemptionPublic(
        id=redemption.id,
        item_id=item.id,
        item_name=item.name,
        cost=redemption.cost,
        at=redemption.at,
        balance=balance,
    )


def points_public(page: LedgerPage) -> s.PointsPublic:
    return s.PointsPublic(
        balance=page.balance.balance,
        earned=page.balance.earned,
        spent=page.balance.spent,
        reversed=page.balance.reversed,
        entries=[s.PointsEntryPublic.model_validate(e) for e in page.entries],
        next_before_id=page.next_before_id,
    )
