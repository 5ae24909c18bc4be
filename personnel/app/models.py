"""SQLAlchemy 2 typed models: the HR system of record.

States and fields follow Frappe HRMS / OrangeHRM / Odoo (leave application Open -> Approved /
Rejected, Open/Approved -> Cancelled; allocations per employee, type and year). Invariants the
database can hold are constraints here, so that no code path can break them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class LeavePolicy(Base):
    """Leave policy preset assigned to departments or employees: rules are configuration."""

    __tablename__ = "leave_policies"
    __table_args__ = (
        CheckConstraint("annual_method IN ('prc_statutory','us_federal_accrual','fixed')", name="method"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    annual_method: Mapped[str] = mapped_column(String(30))
    annual_fixed_days: Mapped[float] = mapped_column(Float, default=0)
    annual_extra_days: Mapped[float] = mapped_column(Float, default=0)
    sick_days: Mapped[float] = mapped_column(Float, default=0)
    personal_days: Mapped[float] = mapped_column(Float, default=0)
    backdate_limit_days: Mapped[int] = mapped_column(Integer, default=30)
    training_hours_required: Mapped[float] = mapped_column(Float, default=24)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    head_id: Mapped[str | None] = mapped_column(
        ForeignKey("employees.id", use_alter=True, name="fk_departments_head_id_employees"), nullable=True
    )
    calendar: Mapped[str] = mapped_column(String(20), default="PRC")
    leave_policy_id: Mapped[int | None] = mapped_column(ForeignKey("leave_policies.id"), nullable=True)

    leave_policy: Mapped[LeavePolicy | None] = relationship()


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("preferred_language IN ('en','zh')", name="language"),
        CheckConstraint("status IN ('active','on_leave','left')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True, index=True)
    position: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(20), nullable=True)
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), nullable=True, index=True)
    hire_date: Mapped[date] = mapped_column(Date)
    first_employment_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    employment_type: Mapped[str] = mapped_column(String(30), default="full_time")
    contract_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    preferred_language: Mapped[str] = mapped_column(String(2), default="en")
    status: Mapped[str] = mapped_column(String(20), default="active")
    calendar: Mapped[str | None] = mapped_column(String(20), nullable=True)
    leave_policy_id: Mapped[int | None] = mapped_column(ForeignKey("leave_policies.id"), nullable=True)
    is_hr_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # sensitive: only the employee themself and HR admins may read these
    national_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    home_address: Mapped[str | None] = mapped_column(String(400), nullable=True)
    salary: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    leave_policy: Mapped[LeavePolicy | None] = relationship()


class LeaveType(Base):
    __tablename__ = "leave_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    is_paid: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_balance: Mapped[bool] = mapped_column(Boolean, default=True)
    max_days_per_application: Mapped[float | None] = mapped_column(Float, nullable=True)
    description_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_zh: Mapped[str | None] = mapped_column(Text, nullable=True)


class LeaveAllocation(Base):
    """Days allocated for one employee, leave type and year; the row locked when applying."""

    __tablename__ = "leave_allocations"
    __table_args__ = (
        UniqueConstraint("employee_id", "leave_type_id", "year", name="uq_leave_allocations_emp_type_year"),
        CheckConstraint("days >= 0", name="days_nonneg"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    leave_type_id: Mapped[int] = mapped_column(ForeignKey("leave_types.id"))
    year: Mapped[int] = mapped_column(Integer)
    days: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(400), nullable=True)

    leave_type: Mapped[LeaveType] = relationship()


class LeaveApplication(Base):
    __tablename__ = "leave_applications"
    __table_args__ = (
        CheckConstraint("to_date >= from_date", name="date_order"),
        CheckConstraint("status IN ('open','approved','rejected','cancelled')", name="status"),
        CheckConstraint("half_day IS NULL OR half_day IN ('am','pm')", name="half_day"),
        CheckConstraint("working_days >= 0", name="days_nonneg"),
        Index("ix_leave_applications_emp_dates", "employee_id", "from_date", "to_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    leave_type_id: Mapped[int] = mapped_column(ForeignKey("leave_types.id"))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    half_day: Mapped[str | None] = mapped_column(String(2), nullable=True)
    working_days: Mapped[float] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    approver_id: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(30), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    leave_type: Mapped[LeaveType] = relationship()


class JobHistory(Base):
    __tablename__ = "job_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    change_type: Mapped[str] = mapped_column(String(30))
    department_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    position: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    contract_type: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    probation_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    weekly_hours: Mapped[float] = mapped_column(Float, default=40)
    status: Mapped[str] = mapped_column(String(20), default="active")


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (CheckConstraint("delivery IN ('online','in_person')", name="delivery"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_zh: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(60))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery: Mapped[str] = mapped_column(String(20), default="in_person")
    hours: Mapped[float] = mapped_column(Float)
    description_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_zh: Mapped[str | None] = mapped_column(Text, nullable=True)

    sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="course", order_by="TrainingSession.start_date"
    )
    prerequisites: Mapped[list[Course]] = relationship(
        secondary="course_prerequisites",
        primaryjoin="Course.id == CoursePrerequisite.course_id",
        secondaryjoin="Course.id == CoursePrerequisite.prerequisite_id",
    )


class CoursePrerequisite(Base):
    __tablename__ = "course_prerequisites"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    prerequisite_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)


class TrainingSession(Base):
    """One run of a course; the row locked when enrolling so capacity cannot be overfilled."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_nonneg"),
        CheckConstraint("end_date >= start_date", name="date_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    enrolment_deadline: Mapped[date] = mapped_column(Date)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    course: Mapped[Course] = relationship(back_populates="sessions")


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("session_id", "employee_id", name="uq_enrolments_session_employee"),
        CheckConstraint("status IN ('enrolled','waitlisted','withdrawn','completed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    session: Mapped[TrainingSession] = relationship()


class HRCase(Base):
    """A conversation handed to HR: ``open`` (nobody has it) -> ``in_progress`` (taken) ->
    ``waiting_employee`` (HR asked for information) -> ``resolved``; a resolved case can be reopened."""

    __tablename__ = "hr_cases"
    __table_args__ = (
        CheckConstraint("status IN ('open','in_progress','waiting_employee','resolved')", name="status"),
        CheckConstraint("language IN ('en','zh')", name="language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    transcript: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), nullable=True)
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case", order_by="CaseMessage.id", cascade="all, delete-orphan"
    )


class CaseMessage(Base):
    """One message of a case's thread.

    ``reply`` and ``request_info`` go from HR to the employee (``read_at`` is when the employee saw
    it); ``answer`` is the employee's; ``note`` is internal to HR and never shown to the employee.
    """

    __tablename__ = "case_messages"
    __table_args__ = (
        CheckConstraint("kind IN ('reply','request_info','answer','note')", name="kind"),
        Index("ix_case_messages_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hr_cases.id"))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("employees.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(30), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    case: Mapped[HRCase] = relationship(back_populates="messages")


class AuditLog(Base):
    """One row per change: who, what, when, through which channel, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(30), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class IdempotencyKey(Base):
    """Stored result of a create, so a retry with the same key returns it and creates nothing."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("actor", "key", name="uq_idempotency_keys_actor_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Notification(Base):
    """Transactional outbox: a notice for one employee, written in the same transaction as the change.

    The notifier process delivers pending rows to the employee's linked channels and records the
    outcome; ``dedupe_key`` is unique so the same notice is never queued twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status IN ('pending','sent','failed','skipped')", name="status"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(30), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # lease of the notifier instance delivering it (a crashed instance's lease lapses)
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # set just before the channel call, cleared with the outcome: only a lapsed lease with this set
    # may have reached the employee already (a crash mid-call); every other lapsed lease never did
    sending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NotificationPreference(Base):
    """An employee's choice for one kind of notice (a missing row means the kind's default: on)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("employee_id", "kind", name="uq_notification_preferences_employee_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.id"))
    kind: Mapped[str] = mapped_column(String(60))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class HolidayCalendar(Base):
    """A region's working-day calendar (weekend days); its years are published separately."""

    __tablename__ = "holiday_calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    weekend: Mapped[list[int]] = mapped_column(JSON, default=lambda: [5, 6])


class CalendarYear(Base):
    """One published year of a calendar: where it came from, when, by whom; ``revision`` counts
    publications so that each one's notices are distinct."""

    __tablename__ = "calendar_years"
    __table_args__ = (UniqueConstraint("calendar_code", "year", name="uq_calendar_years_code_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_code: Mapped[str] = mapped_column(ForeignKey("holiday_calendars.code"))
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(400))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(20), nullable=True)


class CalendarDay(Base):
    """A public holiday or an adjusted (make-up) working day of a published year."""

    __tablename__ = "calendar_days"
    __table_args__ = (
        UniqueConstraint("calendar_code", "date", name="uq_calendar_days_code_date"),
        CheckConstraint("kind IN ('holiday','makeup_workday')", name="kind"),
        Index("ix_calendar_days_code_year", "calendar_code", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_code: Mapped[str] = mapped_column(ForeignKey("holiday_calendars.code"))
    year: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))


class ScimExternalId(Base):
    """The identity provider's id (SCIM ``externalId``) of an employee (User) or department (Group)."""

    __tablename__ = "scim_external_ids"
    __table_args__ = (
        UniqueConstraint("resource", "local_id", name="uq_scim_external_ids_resource_local"),
        UniqueConstraint("resource", "external_id", name="uq_scim_external_ids_resource_external"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource: Mapped[str] = mapped_column(String(10))
    local_id: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))


class ImportJob(Base):
    """An organisation import started over HTTP: its state and report outlive the process.

    Progress (phase, rows done) is kept in the running process's memory and written here at the
    start, at the end and, on PostgreSQL, with each heartbeat (``updated_at``), so that another API
    process can tell a running job from one whose process died (SQLite runs imports in one process,
    which marks its leftovers interrupted when it starts).
    """

    __tablename__ = "import_jobs"
    __table_args__ = (CheckConstraint("status IN ('queued','running','done','failed')", name="status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    requested_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    lang: Mapped[str] = mapped_column(String(2), default="en")  # of the report and of the error
    status: Mapped[str] = mapped_column(String(20), default="queued")
    phase: Mapped[str] = mapped_column(String(40), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
