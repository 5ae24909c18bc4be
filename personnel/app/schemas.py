"""Pydantic models of the personnel API.

They are the wire contract shared by the service and by ``personnel.client``: the chatbot actions
import them, so this module depends on pydantic only (no database, no FastAPI).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["en", "zh"]
HalfDay = Literal["am", "pm"]
LeaveStatus = Literal["open", "approved", "rejected", "cancelled"]
EnrolmentStatus = Literal["enrolled", "waitlisted", "withdrawn", "completed"]
CaseStatus = Literal["open", "in_progress", "waiting_employee", "resolved"]
CaseMessageKind = Literal["reply", "request_info", "answer", "note"]
CaseView = Literal["open", "mine", "unassigned", "waiting", "resolved", "all"]
DayKind = Literal["workday", "weekend", "holiday", "makeup_workday"]
#: the largest id a client may send: ids are 32-bit database integers (a larger number overflowed
#: SQLite's INTEGER and answered 500); route paths use the same bound
MAX_ID = 2**31 - 1


class _Out(BaseModel):
    """Base of response models: built from ORM objects, tolerant of extra fields from newer servers."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")


class _In(BaseModel):
    """Base of request models: unknown fields are a client bug, so reject them (422)."""

    model_config = ConfigDict(extra="forbid")


# --- errors -----------------------------------------------------------------------------------


class ErrorBody(_Out):
    code: str = Field(description="machine-readable code, e.g. insufficient_balance")
    message: str = Field(description="English explanation for logs; clients translate by code")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorResponse(_Out):
    error: ErrorBody


# --- employees & org --------------------------------------------------------------------------


class DepartmentOut(_Out):
    id: int
    code: str
    name_en: str
    name_zh: str
    head_id: str | None = None
    calendar: str = "PRC"
    leave_policy: str | None = None


class EmployeeOut(_Out):
    """An employee as the caller may see them.

    Sensitive fields (national_id, home_address, salary) are filled only for the employee
    themself and HR admins; ``sensitive_visible`` says whether they were.
    """

    id: str
    name_en: str
    name_zh: str
    email: str
    department_id: int | None = None
    department_code: str | None = None
    department_name_en: str | None = None
    department_name_zh: str | None = None
    position: str
    grade: str | None = None
    manager_id: str | None = None
    # The manager's directory card (what a staff directory shows), so an employee can see who
    # their manager is without being allowed to read the manager's record.
    manager_name_en: str | None = None
    manager_name_zh: str | None = None
    manager_position: str | None = None
    manager_email: str | None = None
    hire_date: date
    first_employment_date: date | None = None
    employment_type: str
    contract_end: date | None = None
    preferred_language: Language = "en"
    status: str
    calendar: str = "PRC"
    leave_policy: str | None = None
    is_hr_admin: bool = False
    national_id: str | None = None
    home_address: str | None = None
    salary: Decimal | None = None
    sensitive_visible: bool = False


class MeOut(_Out):
    employee: EmployeeOut
    is_manager: bool
    is_hr_admin: bool
    roles: list[str]
    direct_reports: list[str] = Field(default_factory=list)
    channel: str


# --- leave ------------------------------------------------------------------------------------


class LeaveTypeOut(_Out):
    code: str
    name_en: str
    name_zh: str
    is_paid: bool
    needs_balance: bool
    max_days_per_application: float | None = None
    description_en: str | None = None
    description_zh: str | None = None


class LeaveBalanceOut(_Out):
    employee_id: str
    year: int
    leave_type: str
    name_en: str
    name_zh: str
    allocated: float
    taken: float = Field(description="approved")
    pending: float = Field(description="open, awaiting a decision")
    balance: float = Field(description="allocated - taken - pending")


class LeaveRequestIn(_In):
    """Body of both the preview and the application: previewing exactly what will be applied."""

    leave_type: str = Field(min_length=1, max_length=40, examples=["annual"])
    from_date: date
    to_date: date
    half_day: HalfDay | None = Field(
        default=None,
        description="am/pm: half of a single day; over several days only pm, the first day from noon",
    )
    reason: str | None = Field(default=None, max_length=2000)
    employee_id: str | None = Field(
        default=None, max_length=20, description="only HR admins may apply for someone else"
    )


class DayOut(_Out):
    date: date
    kind: DayKind
    counted: float
    holiday_en: str | None = None
    holiday_zh: str | None = None


class TrainingClashOut(_Out):
    """A training session the employee is enrolled in that the leave would overlap (a warning)."""

    enrolment_id: int
    course_code: str
    title_en: str
    title_zh: str
    start_date: date
    end_date: date


class LeavePreviewOut(_Out):
    employee_id: str
    leave_type: str
    from_date: date
    to_date: date
    half_day: HalfDay | None = None
    calendar: str
    working_days: float
    days: list[DayOut]
    excluded: list[DayOut] = Field(description="weekends and public holidays not counted")
    makeup_workdays: list[DayOut] = Field(description="official make-up working days (调休上班) counted")
    needs_balance: bool
    balance_before: float | None = None
    balance_after: float | None = None
    calendar_complete: bool = Field(
        default=True, description="false when the calendar has no data for a year in the range"
    )
    training_clashes: list[TrainingClashOut] = Field(
        default_factory=list, description="enrolled training sessions inside the leave (not blocking)"
    )


class LeaveApplicationOut(_Out):
    id: int
    employee_id: str
    employee_name_en: str | None = None
    employee_name_zh: str | None = None
    leave_type: str
    from_date: date
    to_date: date
    half_day: HalfDay | None = None
    working_days: float
    reason: str | None = None
    status: LeaveStatus
    approver_id: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    channel: str | None = None
    created_at: datetime
    cancellable: bool | None = Field(
        default=None, description="whether the acting user may cancel it today (on reads; None elsewhere)"
    )
    cancel_refusal: str | None = Field(
        default=None, description="when not cancellable: the error code cancelling would get"
    )


class LeaveDecisionIn(_In):
    approve: bool
    reason: str | None = Field(default=None, max_length=2000)


class LeavePolicyOut(_Out):
    code: str
    name_en: str
    name_zh: str
    annual_method: Literal["prc_statutory", "us_federal_accrual", "fixed"]
    annual_fixed_days: float
    annual_extra_days: float
    sick_days: float
    personal_days: float
    backdate_limit_days: int
    training_hours_required: float


class EntitlementOut(_Out):
    employee_id: str
    year: int
    policy: str
    method: str
    service_years: float
    annual_days: float
    explanation: str


# --- records ----------------------------------------------------------------------------------


class JobHistoryOut(_Out):
    id: int
    employee_id: str
    from_date: date
    to_date: date | None = None
    change_type: str
    department_code: str | None = None
    position: str
    grade: str | None = None
    note: str | None = None


class ContractOut(_Out):
    id: int
    employee_id: str
    contract_type: str
    start_date: date
    end_date: date | None = None
    probation_end: date | None = None
    weekly_hours: float
    status: str


class TrainingRecordOut(_Out):
    enrolment_id: int
    course_id: int
    course_code: str
    title_en: str
    title_zh: str
    session_id: int
    start_date: date
    end_date: date
    hours: float
    status: EnrolmentStatus


class TrainingProgressOut(_Out):
    employee_id: str
    year: int
    required_hours: float
    completed_hours: float
    planned_hours: float = Field(description="enrolled (not yet completed) sessions in the year")
    remaining_hours: float
    mandatory_outstanding: list[str] = Field(description="codes of mandatory courses not completed")


# --- training ---------------------------------------------------------------------------------


class SessionOut(_Out):
    id: int
    course_id: int
    start_date: date
    end_date: date
    place: str
    capacity: int
    enrolled_count: int
    waitlist_count: int
    seats_left: int
    enrolment_deadline: date
    waitlist_enabled: bool
    open_for_enrolment: bool


class CourseOut(_Out):
    id: int
    code: str
    title_en: str
    title_zh: str
    category: str
    keywords: list[str]
    mandatory: bool
    delivery: Literal["online", "in_person"]
    hours: float
    description_en: str | None = None
    description_zh: str | None = None
    prerequisites: list[str] = Field(default_factory=list, description="course codes")
    sessions: list[SessionOut] = Field(default_factory=list)


class EnrolmentIn(_In):
    session_id: int = Field(ge=1, le=MAX_ID)
    employee_id: str | None = Field(default=None, max_length=20, description="HR admins only")


class EnrolmentOut(_Out):
    id: int
    session_id: int
    course_id: int
    course_code: str
    title_en: str
    title_zh: str
    employee_id: str
    status: EnrolmentStatus
    waitlist_position: int | None = None
    start_date: date
    end_date: date
    created_at: datetime
    withdrawable: bool | None = Field(
        default=None, description="whether the acting user may withdraw it today (on reads; None elsewhere)"
    )
    withdraw_refusal: str | None = Field(
        default=None, description="when not withdrawable: the error code withdrawing would get"
    )


# --- cases ------------------------------------------------------------------------------------


class CaseIn(_In):
    subject: str = Field(min_length=1, max_length=300)
    transcript: str = Field(default="", max_length=100_000)
    language: Language = "en"


class CaseUpdateIn(_In):
    status: CaseStatus | None = None
    assignee_id: str | None = Field(default=None, max_length=20)


class CaseOut(_Out):
    id: int
    subject: str
    transcript: str
    status: CaseStatus
    assignee_id: str | None = None
    employee_id: str | None = None
    channel: str
    language: Language
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None


class PersonRef(_Out):
    """Who a case is about or assigned to, named in both languages (the inbox shows either)."""

    id: str
    name_en: str
    name_zh: str


class CaseMessageIn(_In):
    text: str = Field(min_length=1, max_length=5000)
    kind: CaseMessageKind | None = Field(
        default=None,
        description="HR: reply (default), request_info (asks the employee; the case waits for them) or "
        "note (internal); the case's employee: answer (the default for them)",
    )


class CaseMessageOut(_Out):
    id: int
    case_id: int
    author_id: str | None = None
    kind: CaseMessageKind
    body: str
    channel: str | None = None
    created_at: datetime
    read_at: datetime | None = None


class CaseSummaryOut(_Out):
    """A row of the HR inbox: no transcript, but who, where, how old and whose turn it is."""

    id: int
    subject: str
    status: CaseStatus
    channel: str
    language: Language
    employee: PersonRef | None = None
    assignee: PersonRef | None = None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    messages: int = 0
    last_message_at: datetime | None = None
    needs_reply: bool = Field(default=False, description="the employee wrote last (or nobody answered yet)")


class CaseDetailOut(CaseSummaryOut):
    """One case for HR: the (masked) transcript of the conversation and the whole thread."""

    transcript: str
    thread: list[CaseMessageOut] = Field(default_factory=list)


class MyCaseOut(_Out):
    """One of the employee's own cases, as the chat shows it: no internal notes, no transcript."""

    id: int
    subject: str
    status: CaseStatus
    language: Language
    created_at: datetime
    updated_at: datetime
    unread: int = 0
    awaiting_answer: bool = Field(default=False, description="HR asked for information")
    thread: list[CaseMessageOut] = Field(default_factory=list)


class MyCasesPulseOut(_Out):
    """A cheap read for live updates: changes whenever HR writes to one of the employee's cases."""

    latest_message_id: int = 0
    unread: int = 0


# --- audit ------------------------------------------------------------------------------------


class AuditOut(_Out):
    id: int
    at: datetime
    actor_id: str | None = None
    channel: str | None = None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


# --- notices (issue 18) -------------------------------------------------------------------------


class NoticeOut(_Out):
    """A delivered notice: the kind and its parameters; the channels word it (message catalogue)."""

    id: int
    kind: str
    params: dict[str, Any]
    #: the employee may turn this kind off ("stop these reminders")
    optional: bool = True
    language: Language = "en"
    sent_at: datetime | None = None
    read_at: datetime | None = None
    channel: str | None = None


class NoticeInboxOut(BaseModel):
    unread: int
    notices: list[NoticeOut]


class NoticeReadIn(BaseModel):
    #: the notices to mark read; omitted: all of them
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(None, max_length=500)


class NoticePreferenceOut(BaseModel):
    kind: str
    enabled: bool


class NoticePreferenceIn(BaseModel):
    enabled: bool


class NoticeRulesOut(BaseModel):
    today: date
    queued: dict[str, int]
