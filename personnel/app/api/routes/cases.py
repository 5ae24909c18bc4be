"""HR cases (hand-over to a person); creating one works anonymously."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from personnel.app import schemas as s
from personnel.app.api.deps import ActorDep, IdempotencyKeyDep, SessionDep
from personnel.app.services import cases as svc
from personnel.app.services import idempotency

router = APIRouter(prefix="/cases", tags=["cases"])
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


@router.get("/{case_id}", response_model=s.CaseOut)
def get_case(case_id: CaseId, actor: ActorDep, session: SessionDep) -> Any:
    return svc.get(session, actor, case_id)


@router.patch("/{case_id}", response_model=s.CaseOut)
def update_case(case_id: CaseId, body: s.CaseUpdateIn, actor: ActorDep, session: SessionDep) -> Any:
    out = s.CaseOut.model_validate(svc.update(session, actor, case_id, body))
    session.commit()
    return out
