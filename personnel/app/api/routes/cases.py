"""HR cases (hand-over to a person; creating one works anonymously) and the HR desk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from personnel.app import schemas as s
from personnel.app.api.deps import ActorDep, IdempotencyKeyDep, SessionDep
from personnel.app.services import cases as svc
from personnel.app.services import idempotency

router = APIRouter(prefix="/cases", tags=["cases"])
me_router = APIRouter(prefix="/me/cases", tags=["cases"])
CaseId = Annotated[int, Path(ge=1, le=s.MAX_ID)]


@router.post("", status_code=201, response_model=s.CaseOut)
def create_case(
    body: s.CaseIn, actor: ActorDep, session: SessionDep, idempotency_key: IdempotencyKeyDep = None
) -> JSONResponse:
    def create() -> Any:
        return s.CaseOut.model_validate(svc.create(session, actor, body)).model_dump(mode="json")

    code, result = idempotency.run(
        session, actor, idempotency_key, "POST /cases", body.model_dump(mode="json"), create
    )
    return JSONResponse(result, status_code=code)


@router.get("", response_model=list[s.CaseOut])
def list_cases(actor: ActorDep, session: SessionDep) -> list[Any]:
    return svc.visible(session, actor)


@router.get("/desk", response_model=list[s.CaseSummaryOut])
def desk(
    actor: ActorDep,
    session: SessionDep,
    view: s.CaseView = "open",
    q: Annotated[str | None, Query(max_length=200, description="words, a person, or #case number")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[s.CaseSummaryOut]:
    """The HR inbox (HR admins only): filtered by ``view`` and searched by ``q``."""
    return svc.desk(session, actor, view, q, limit)


@router.get("/{case_id}", response_model=s.CaseOut)
def get_case(case_id: CaseId, actor: ActorDep, session: SessionDep) -> Any:
    return svc.get(session, actor, case_id)


@router.get("/{case_id}/detail", response_model=s.CaseDetailOut)
def case_detail(case_id: CaseId, actor: ActorDep, session: SessionDep) -> s.CaseDetailOut:
    """Transcript (masked) and thread with internal notes: HR admins only."""
    return svc.detail(session, actor, case_id)


@router.patch("/{case_id}", response_model=s.CaseOut)
def update_case(case_id: CaseId, body: s.CaseUpdateIn, actor: ActorDep, session: SessionDep) -> Any:
    out = s.CaseOut.model_validate(svc.update(session, actor, case_id, body))
    session.commit()
    return out


def _act(session: Any, actor: Any, case_id: int, fn: Any) -> s.CaseDetailOut:
    fn(session, actor, case_id)
    session.commit()
    return svc.detail(session, actor, case_id)


@router.post("/{case_id}/take", response_model=s.CaseDetailOut)
def take_case(case_id: CaseId, actor: ActorDep, session: SessionDep) -> s.CaseDetailOut:
    """Assign the case to me (HR admins)."""
    return _act(session, actor, case_id, svc.take)


@router.post("/{case_id}/resolve", response_model=s.CaseDetailOut)
def resolve_case(case_id: CaseId, actor: ActorDep, session: SessionDep) -> s.CaseDetailOut:
    return _act(session, actor, case_id, svc.resolve)


@router.post("/{case_id}/reopen", response_model=s.CaseDetailOut)
def reopen_case(case_id: CaseId, actor: ActorDep, session: SessionDep) -> s.CaseDetailOut:
    return _act(session, actor, case_id, svc.reopen)


@router.post("/{case_id}/messages", status_code=201, response_model=s.CaseMessageOut)
def add_message(
    case_id: CaseId,
    body: s.CaseMessageIn,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """HR replies, asks for information or notes; the case's employee answers. A retry with the
    same Idempotency-Key adds nothing."""

    def create() -> Any:
        return s.CaseMessageOut.model_validate(svc.add_message(session, actor, case_id, body)).model_dump(
            mode="json"
        )

    scope = f"POST /cases/{case_id}/messages"
    code, result = idempotency.run(
        session, actor, idempotency_key, scope, body.model_dump(mode="json"), create
    )
    return JSONResponse(result, status_code=code)


@me_router.get("", response_model=list[s.MyCaseOut])
def my_cases(
    actor: ActorDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[s.MyCaseOut]:
    """The acting employee's own cases with HR's replies and their answers (newest first)."""
    return svc.mine(session, actor, limit)


@me_router.get("/pulse", response_model=s.MyCasesPulseOut)
def my_cases_pulse(actor: ActorDep, session: SessionDep) -> s.MyCasesPulseOut:
    """Latest HR message id and unread count: cheap to poll for live updates."""
    return svc.pulse(session, actor)


@me_router.post("/{case_id}/read", response_model=s.MyCasesPulseOut)
def mark_read(case_id: CaseId, actor: ActorDep, session: SessionDep) -> s.MyCasesPulseOut:
    """The employee has seen HR's messages on this case."""
    svc.mark_read(session, actor, case_id)
    session.commit()
    return svc.pulse(session, actor)
