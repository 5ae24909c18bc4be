"""SCIM 2.0 service provider (RFC 7643/7644) for the identity provider: Users are employees, Groups
are departments. Payloads are parsed and written with ``scim2-models``.

Behind its own bearer token (PERSONNEL_SCIM_TOKEN; unset = disabled). Supported: create, read,
replace (PUT), patch, deactivate (``active: false`` or DELETE: an employee is never erased, their
status becomes ``left``, so the backend refuses every request acting as them and the assistant
refuses their next message), list with ``filter=userName eq "..."`` / ``externalId eq "..."`` /
``displayName eq "..."`` and paging, weak ETags (``If-Match`` honoured on changes).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from scim2_models import (
    Context,
    EnterpriseUser,
    Group,
    GroupMember,
    ListResponse,
    Meta,
    PatchOp,
    User,
)
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from personnel.app.api.deps import get_session, get_settings
from personnel.app.core.config import Settings
from personnel.app.models import Department, Employee, ScimExternalId
from personnel.app.services import audit
from personnel.app.services.access import Actor

router = APIRouter(prefix="/scim/v2", tags=["scim"])
MEDIA = "application/scim+json"
UserE = User[EnterpriseUser]
FILTER = re.compile(r'^\s*(userName|externalId|displayName|id)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.I)


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def error_response(exc: ScimError) -> JSONResponse:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(exc.status),
        "detail": exc.detail,
    }
    if exc.scim_type:
        body["scimType"] = exc.scim_type
    return JSONResponse(body, status_code=exc.status, media_type=MEDIA)


def require_scim(
    settings: Annotated[Settings, Depends(get_settings)], authorization: Annotated[str, Header()] = ""
) -> None:
    token = authorization.removeprefix("Bearer ").strip()
    if not settings.scim_token or not token or not hmac.compare_digest(token, settings.scim_token):
        raise ScimError(401, "a valid SCIM bearer token is required")


Db = Annotated[Session, Depends(get_session)]
Auth = Annotated[None, Depends(require_scim)]
ACTOR = Actor(None, "scim")


def _out(model: Any, status: int = 200, ctx: Context = Context.RESOURCE_QUERY_RESPONSE) -> JSONResponse:
    data = model.model_dump(scim_ctx=ctx)
    headers = {"ETag": data["meta"]["version"]} if isinstance(data.get("meta"), dict) else {}
    return JSONResponse(data, status_code=status, media_type=MEDIA, headers=headers)


def _etag(payload: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f'W/"{digest[:20]}"'


def _external(session: Session, resource: str, local_id: str) -> str | None:
    return session.scalar(
        select(ScimExternalId.external_id).where(
            ScimExternalId.resource == resource, ScimExternalId.local_id == local_id
        )
    )


def _set_external(session: Session, resource: str, local_id: str, external_id: str | None) -> None:
    row = session.scalar(
        select(ScimExternalId).where(ScimExternalId.resource == resource, ScimExternalId.local_id == local_id)
    )
    if external_id is None:
        if row is not None:
            session.delete(row)
        return
    taken = session.scalar(
        select(ScimExternalId.local_id).where(
            ScimExternalId.resource == resource, ScimExternalId.external_id == external_id
        )
    )
    if taken is not None and taken != local_id:
        raise ScimError(409, f"externalId {external_id} is already used", "uniqueness")
    if row is None:
        session.add(ScimExternalId(resource=resource, local_id=local_id, external_id=external_id))
    else:
        row.external_id = external_id


# ------------------------------------------------------------------ users


def user_of(session: Session, emp: Employee, base: str) -> UserE:
    given, _, family = emp.name_en.partition(" ")
    user = UserE(
        id=emp.id,
        external_id=_external(session, "User", emp.id),
        user_name=emp.email,
        display_name=emp.name_en,
        name={"formatted": emp.name_en, "givenName": given or emp.name_en, "familyName": family or None},
        title=emp.position,
        preferred_language="zh-CN" if emp.preferred_language == "zh" else "en",
        active=emp.status != "left",
        emails=[{"value": emp.email, "primary": True, "type": "work"}],
    )
    user[EnterpriseUser] = EnterpriseUser(
        employee_number=emp.id,
        department=emp.department.code if emp.department else None,
        manager={"value": emp.manager_id, "$ref": f"{base}/Users/{emp.manager_id}"}
        if emp.manager_id
        else None,
    )
    payload = user.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    user.meta = Meta(
        resource_type="User",
        location=f"{base}/Users/{emp.id}",
        version=_etag(payload),
        created=None,
        last_modified=None,
    )
    return user


def _apply_user(session: Session, emp: Employee, user: UserE, today: date, *, replace: bool) -> None:
    """Copy a SCIM User onto an employee (only the attributes the IdP sent, unless replacing)."""
    email = user.user_name or (user.emails[0].value if user.emails else None)
    if email:
        email = str(email).strip().lower()
        other = session.scalar(select(Employee.id).where(func.lower(Employee.email) == email))
        if other is not None and other != emp.id:
            raise ScimError(409, f"userName {email} is already used", "uniqueness")
        emp.email = email
    name = None
    if user.name is not None:
        name = user.name.formatted or " ".join(x for x in (user.name.given_name, user.name.family_name) if x)
    name = name or user.display_name
    if name:
        emp.name_en = name[:200]
        if replace or not emp.name_zh:
            emp.name_zh = name[:200]
    if user.title or replace:
        emp.position = (user.title or emp.position or "-")[:200]
    if user.preferred_language:
        emp.preferred_language = "zh" if user.preferred_language.lower().startswith("zh") else "en"
    if user.active is not None:
        emp.status = "active" if user.active else "left"
        if not user.active:
            emp.is_hr_admin = False
    ent = user[EnterpriseUser]
    if ent is not None:
        if ent.department is not None:
            dept = session.scalar(
                select(Department).where(
                    (Department.code == ent.department) | (Department.name_en == ent.department)
                )
            )
            emp.department_id = dept.id if dept else emp.department_id
        if ent.manager is not None and ent.manager.value:
            if ent.manager.value == emp.id or session.get(Employee, ent.manager.value) is None:
                raise ScimError(400, f"manager {ent.manager.value} is not a known user", "invalidValue")
            emp.manager_id = ent.manager.value
    if emp.hire_date is None:
        emp.hire_date = today


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


def _check_etag(if_match: str | None, current: str) -> None:
    if if_match and if_match.strip() != "*" and current not in [t.strip() for t in if_match.split(",")]:
        raise ScimError(412, "the resource changed since it was read (ETag mismatch)")


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _parse(model: Any, body: Any, ctx: Context) -> Any:
    # identity providers send the manager as {"value": id} without the "$ref" RFC 7643 asks for
    ent = body.get(ENTERPRISE) if isinstance(body, dict) else None
    mgr = ent.get("manager") if isinstance(ent, dict) else None
    if isinstance(mgr, dict) and mgr.get("value") and not mgr.get("$ref"):
        mgr["$ref"] = f"../Users/{mgr['value']}"
    if isinstance(mgr, str):
        ent["manager"] = {"value": mgr, "$ref": f"../Users/{mgr}"}
    try:
        return model.model_validate(body, scim_ctx=ctx)
    except ValidationError as exc:
        raise ScimError(400, f"invalid payload: {exc.errors()[0].get('msg')}", "invalidValue") from exc


def _new_id(session: Session, wanted: str | None) -> str:
    if wanted and len(wanted) <= 20 and session.get(Employee, wanted) is None:
        return wanted
    n = session.scalar(select(func.count()).select_from(Employee)) or 0
    while True:
        n += 1
        cand = f"S{n:06d}"
        if session.get(Employee, cand) is None:
            return cand


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise ScimError(400, "the body is not JSON", "invalidSyntax") from exc


def _page(
    session: Session,
    q: Select[Any],
    start_index: int,
    count: int,
    list_model: Any,
    resource_of: Callable[[Any], Any],
) -> JSONResponse:
    """One page of a filtered list, as a SCIM ListResponse (Users and Groups alike)."""
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.offset(start_index - 1).limit(count)).all()
    lr = list_model(
        total_results=total,
        start_index=start_index,
        items_per_page=len(rows),
        resources=[resource_of(r) for r in rows] or None,
    )
    return JSONResponse(lr.model_dump(scim_ctx=Context.SEARCH_RESPONSE), media_type=MEDIA)


def _patch(op_model: Any, body: Any, current: Any) -> None:
    """Apply a PatchOp to the resource as it is now; what cannot be applied is the caller's error."""
    op = _parse(op_model, body, Context.RESOURCE_PATCH_REQUEST)
    try:
        op.patch(current)
    except Exception as exc:  # the library raises its SCIM exceptions and ValueErrors
        raise ScimError(400, f"cannot apply the patch: {exc}", "invalidValue") from exc


def _get_emp(session: Session, user_id: str) -> Employee:
    emp = session.get(Employee, user_id) if len(user_id) <= 20 else None
    if emp is None:
        raise ScimError(404, f"User {user_id} not found")
    return emp


@router.post("/Users")
async def create_user(request: Request, _: Auth, session: Db) -> JSONResponse:
    user = _parse(UserE, await _body(request), Context.RESOURCE_CREATION_REQUEST)
    today = request.app.state.settings.today()
    ent = user[EnterpriseUser]
    emp = Employee(
        id=_new_id(session, ent.employee_number if ent else None),
        name_en=user.user_name,
        name_zh="",
        email="",
        position="-",
        hire_date=today,
        status="active",
        preferred_language="en",
        employment_type="full_time",
        is_hr_admin=False,
    )
    _apply_user(session, emp, user, today, replace=True)
    if not emp.email:
        raise ScimError(400, "userName is required", "invalidValue")
    session.add(emp)
    session.flush()
    _set_external(session, "User", emp.id, user.external_id)
    audit.record(session, ACTOR, "scim.user.create", "employee", emp.id, None, audit.snapshot(emp))
    session.commit()
    return _out(user_of(session, emp, _base(request)), 201, Context.RESOURCE_CREATION_RESPONSE)


@router.get("/Users/{user_id}")
def get_user(request: Request, user_id: str, _: Auth, session: Db) -> JSONResponse:
    return _out(user_of(session, _get_emp(session, user_id), _base(request)))


@router.get("/Users")
def list_users(
    request: Request,
    _: Auth,
    session: Db,
    filter: Annotated[str | None, Query(max_length=300)] = None,
    start_index: Annotated[int, Query(alias="startIndex", ge=1)] = 1,
    count: Annotated[int, Query(ge=0, le=500)] = 100,
) -> JSONResponse:
    q = select(Employee).order_by(Employee.id)
    if filter:
        m = FILTER.match(filter)
        if not m:
            raise ScimError(
                400, "only 'userName eq', 'externalId eq' and 'id eq' filters are supported", "invalidFilter"
            )
        attr, value = m.group(1).lower(), m.group(2).replace('\\"', '"')
        if attr == "username":
            q = q.where(func.lower(Employee.email) == value.lower())
        elif attr == "externalid":
            q = q.join(
                ScimExternalId, (ScimExternalId.local_id == Employee.id) & (ScimExternalId.resource == "User")
            )
            q = q.where(ScimExternalId.external_id == value)
        elif attr == "id":
            q = q.where(Employee.id == value)
        else:
            q = q.where(Employee.name_en == value)
    return _page(
        session, q, start_index, count, ListResponse[UserE], lambda e: user_of(session, e, _base(request))
    )


@router.put("/Users/{user_id}")
async def replace_user(
    request: Request, user_id: str, _: Auth, session: Db, if_match: Annotated[str | None, Header()] = None
) -> JSONResponse:
    emp = _get_emp(session, user_id)
    base = _base(request)
    _check_etag(if_match, user_of(session, emp, base).meta.version)
    user = _parse(UserE, await _body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    before = audit.snapshot(emp)
    _apply_user(session, emp, user, request.app.state.settings.today(), replace=True)
    _set_external(session, "User", emp.id, user.external_id)
    session.flush()
    audit.record(session, ACTOR, "scim.user.replace", "employee", emp.id, before, audit.snapshot(emp))
    session.commit()
    return _out(user_of(session, emp, base), 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


@router.patch("/Users/{user_id}")
async def patch_user(
    request: Request, user_id: str, _: Auth, session: Db, if_match: Annotated[str | None, Header()] = None
) -> JSONResponse:
    emp = _get_emp(session, user_id)
    base = _base(request)
    current = user_of(session, emp, base)
    _check_etag(if_match, current.meta.version)
    _patch(PatchOp[UserE], await _body(request), current)
    before = audit.snapshot(emp)
    _apply_user(session, emp, current, request.app.state.settings.today(), replace=False)
    _set_external(session, "User", emp.id, current.external_id)
    session.flush()
    audit.record(session, ACTOR, "scim.user.patch", "employee", emp.id, before, audit.snapshot(emp))
    session.commit()
    return _out(user_of(session, emp, base), 200, Context.RESOURCE_PATCH_RESPONSE)


@router.delete("/Users/{user_id}", status_code=204)
def delete_user(
    request: Request, user_id: str, _: Auth, session: Db, if_match: Annotated[str | None, Header()] = None
) -> Response:
    """Deactivate: the person's records stay (they are HR's), their access ends."""
    emp = _get_emp(session, user_id)
    _check_etag(if_match, user_of(session, emp, _base(request)).meta.version)
    before = audit.snapshot(emp)
    emp.status, emp.is_hr_admin = "left", False
    session.flush()
    audit.record(session, ACTOR, "scim.user.deactivate", "employee", emp.id, before, audit.snapshot(emp))
    session.commit()
    return Response(status_code=204)


# ------------------------------------------------------------------ groups (departments)


def group_of(session: Session, dept: Department, base: str) -> Group:
    members = session.execute(
        select(Employee.id, Employee.name_en).where(Employee.department_id == dept.id).order_by(Employee.id)
    ).all()
    g = Group(
        id=dept.code,
        external_id=_external(session, "Group", dept.code),
        display_name=dept.name_en,
        members=[GroupMember(value=i, display=n, type="User") for i, n in members] or None,
    )
    g.meta = Meta(
        resource_type="Group",
        location=f"{base}/Groups/{dept.code}",
        version=_etag(g.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)),
    )
    return g


def _get_dept(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code)) if len(code) <= 20 else None
    if dept is None:
        raise ScimError(404, f"Group {code} not found")
    return dept


def _set_members(session: Session, dept: Department, members: list[Any] | None) -> None:
    wanted = {m.value for m in members or [] if m.value}
    known = set(session.scalars(select(Employee.id).where(Employee.id.in_(wanted)))) if wanted else set()
    if wanted - known:
        raise ScimError(400, f"unknown members: {', '.join(sorted(wanted - known))}", "invalidValue")
    current = set(session.scalars(select(Employee.id).where(Employee.department_id == dept.id)))
    if current - wanted:
        session.execute(update(Employee).where(Employee.id.in_(current - wanted)).values(department_id=None))
    if wanted - current:
        session.execute(
            update(Employee).where(Employee.id.in_(wanted - current)).values(department_id=dept.id)
        )


def _apply_group(session: Session, dept: Department, g: Group) -> None:
    """A replaced or patched group onto the department: name, externalId, members."""
    if g.display_name:
        dept.name_en = g.display_name[:200]
    _set_external(session, "Group", dept.code, g.external_id)
    _set_members(session, dept, g.members)
    session.flush()


@router.post("/Groups")
async def create_group(request: Request, _: Auth, session: Db) -> JSONResponse:
    g = _parse(Group, await _body(request), Context.RESOURCE_CREATION_REQUEST)
    if not g.display_name:
        raise ScimError(400, "displayName is required", "invalidValue")
    code = re.sub(r"[^A-Za-z0-9]+", "-", g.external_id or g.display_name).strip("-").upper()[:20] or "G"
    base_code, n = code, 1
    while session.scalar(select(Department.id).where(Department.code == code)) is not None:
        n += 1
        code = f"{base_code[:16]}-{n}"
    dept = Department(code=code, name_en=g.display_name[:200], name_zh=g.display_name[:200], calendar="PRC")
    session.add(dept)
    session.flush()
    _set_external(session, "Group", code, g.external_id)
    _set_members(session, dept, g.members)
    audit.record(session, ACTOR, "scim.group.create", "department", code, None, audit.snapshot(dept))
    session.commit()
    return _out(group_of(session, dept, _base(request)), 201, Context.RESOURCE_CREATION_RESPONSE)


@router.get("/Groups/{code}")
def get_group(request: Request, code: str, _: Auth, session: Db) -> JSONResponse:
    return _out(group_of(session, _get_dept(session, code), _base(request)))


@router.get("/Groups")
def list_groups(
    request: Request,
    _: Auth,
    session: Db,
    filter: Annotated[str | None, Query(max_length=300)] = None,
    start_index: Annotated[int, Query(alias="startIndex", ge=1)] = 1,
    count: Annotated[int, Query(ge=0, le=500)] = 100,
) -> JSONResponse:
    q = select(Department).order_by(Department.code)
    if filter:
        m = FILTER.match(filter)
        if not m or m.group(1).lower() == "username":
            raise ScimError(
                400,
                "only 'displayName eq', 'externalId eq' and 'id eq' filters are supported",
                "invalidFilter",
            )
        attr, value = m.group(1).lower(), m.group(2)
        if attr == "displayname":
            q = q.where(Department.name_en == value)
        elif attr == "id":
            q = q.where(Department.code == value)
        else:
            q = q.join(
                ScimExternalId,
                (ScimExternalId.local_id == Department.code) & (ScimExternalId.resource == "Group"),
            )
            q = q.where(ScimExternalId.external_id == value)
    return _page(
        session, q, start_index, count, ListResponse[Group], lambda d: group_of(session, d, _base(request))
    )


@router.patch("/Groups/{code}")
async def patch_group(
    request: Request, code: str, _: Auth, session: Db, if_match: Annotated[str | None, Header()] = None
) -> JSONResponse:
    dept = _get_dept(session, code)
    base = _base(request)
    current = group_of(session, dept, base)
    _check_etag(if_match, current.meta.version)
    _patch(PatchOp[Group], await _body(request), current)
    before = audit.snapshot(dept)
    _apply_group(session, dept, current)
    audit.record(session, ACTOR, "scim.group.patch", "department", dept.code, before, audit.snapshot(dept))
    session.commit()
    return _out(group_of(session, dept, base), 200, Context.RESOURCE_PATCH_RESPONSE)


@router.put("/Groups/{code}")
async def replace_group(
    request: Request, code: str, _: Auth, session: Db, if_match: Annotated[str | None, Header()] = None
) -> JSONResponse:
    dept = _get_dept(session, code)
    base = _base(request)
    _check_etag(if_match, group_of(session, dept, base).meta.version)
    g = _parse(Group, await _body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    before = audit.snapshot(dept)
    _apply_group(session, dept, g)
    audit.record(session, ACTOR, "scim.group.replace", "department", dept.code, before, audit.snapshot(dept))
    session.commit()
    return _out(group_of(session, dept, base), 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


@router.delete("/Groups/{code}", status_code=204)
def delete_group(code: str, _: Auth, session: Db) -> Response:
    """A department with people in it is kept (409); an empty one is removed."""
    dept = _get_dept(session, code)
    if session.scalar(select(func.count()).select_from(Employee).where(Employee.department_id == dept.id)):
        raise ScimError(409, f"Group {code} still has members", "mutability")
    before = audit.snapshot(dept)
    _set_external(session, "Group", dept.code, None)
    session.delete(dept)
    session.flush()
    audit.record(session, ACTOR, "scim.group.delete", "department", code, before, None)
    session.commit()
    return Response(status_code=204)


@router.get("/ServiceProviderConfig")
def service_provider_config(_: Auth) -> JSONResponse:
    return JSONResponse(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": 500},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": True},
            "authenticationSchemes": [
                {"type": "oauthbearertoken", "name": "Bearer token", "description": "PERSONNEL_SCIM_TOKEN"}
            ],
        },
        media_type=MEDIA,
    )
