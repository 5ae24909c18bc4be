"""The Telegram bot: one python-telegram-bot Application with small handlers.

Private text messages go to Rasa as sender ``tg:<telegram user id>``; the identity assertion is
attached only when the Telegram user linked their account with a one-time code from the web
(``/link CODE``). Group chats get no HR answers (privacy): the bot only replies when addressed,
pointing to a private chat. Run with ``python -m connectors.telegram.bot`` (polling, or webhook when
TELEGRAM_WEBHOOK_URL is set).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

import structlog
from telegram import (
    BotCommand,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from connectors.i18n import normalise_lang, t
from connectors.linking import LinkStore
from connectors.rasa_client import BotMessage, RasaClient, RasaUnavailable
from connectors.settings import ConnectorSettings, get_settings
from connectors.telegram.format import KEY_PREFIX, needs_key, render_text, split_text

log = structlog.get_logger(__name__)

MAX_LINK_FAILURES = 5
LINK_FAILURE_WINDOW_S = 600

TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "en": (
            "Hi! I'm the HR assistant. Ask me about HR policies (leave, benefits, expenses…) in English "
            "or Chinese.\n\nTo check your own leave balance or apply for leave here, link your account: "
            "open the HR assistant on the intranet, press “Link Telegram”, then send me /link CODE.\n\n"
            "/help shows all commands."
        ),
        "zh": (
            "您好！我是 HR 助手。可以用中文或英文问我人事政策（休假、福利、报销等）。\n\n"
            "如需在这里查询自己的假期余额或申请休假，请先关联账号：在内网打开 HR 助手，点击“关联 Telegram”，"
            "然后发送 /link 验证码。\n\n发送 /help 查看全部命令。"
        ),
    },
    "help": {
        "en": (
            "Commands:\n/start – introduction\n/help – this help\n/link CODE – link your employee account "
            "(get the code from the intranet HR assistant)\n/unlink – remove the link\n\n"
            "Just type your question, e.g. “How many days of annual leave do I have?”"
        ),
        "zh": (
            "命令：\n/start – 介绍\n/help – 帮助\n/link 验证码 – 关联员工账号（验证码在内网 HR 助手中获取）\n"
            "/unlink – 解除关联\n\n直接输入问题即可，例如“我还有几天年假？”"
        ),
    },
    "link_usage": {
        "en": "Send /link followed by the code shown on the intranet, e.g. /link ABCD2345",
        "zh": "请发送 /link 加上内网显示的验证码，例如 /link ABCD2345",
    },
    "link_ok": {
        "en": "Done: this Telegram account is now linked to employee {employee_id}. Send /unlink to undo.",
        "zh": "完成：此 Telegram 账号已关联员工 {employee_id}。发送 /unlink 可解除关联。",
    },
    "link_bad": {
        "en": (
            "That code is not valid (codes expire after 10 minutes and work once). "
            "Get a new one on the intranet."
        ),
        "zh": "验证码无效（验证码 10 分钟内有效且只能使用一次）。请在内网重新获取。",
    },
    "link_locked": {
        "en": "Too many wrong codes. Please wait 10 minutes and try again.",
        "zh": "错误次数过多，请 10 分钟后再试。",
    },
    "unlink_ok": {
        "en": "Your Telegram account is no longer linked. You can still ask policy questions.",
        "zh": "已解除关联。您仍然可以咨询人事政策。",
    },
    "unlink_none": {"en": "This Telegram account is not linked.", "zh": "此 Telegram 账号尚未关联。"},
    "text_only": {
        "en": "Sorry, I can only read text messages. Please type your question.",
        "zh": "抱歉，我只能读取文字消息，请直接输入您的问题。",
    },
    "edited": {
        "en": "I don't process edited messages. Please send your corrected question as a new message.",
        "zh": "我无法处理已编辑的消息，请把修改后的问题作为新消息发送。",
    },
    "group": {
        "en": (
            "For your privacy I only answer HR questions in a private chat. Please message me directly{link}."
        ),
        "zh": "为保护隐私，我只在私聊中回答人事问题。请直接私聊我{link}。",
    },
    "unknown_command": {
        "en": "Unknown command. Send /help to see what I can do.",
        "zh": "未知命令。发送 /help 查看可用功能。",
    },
    "button_expired": {
        "en": "This button has expired; please ask again.",
        "zh": "此按钮已失效，请重新提问。",
    },
    "case_answer_ok": {
        "en": "Sent to HR on case #{case_id}.",
        "zh": "已发送给人事部门（工单 #{case_id}）。",
    },
    "case_answer_refused": {
        "en": "Could not add this to case #{case_id}: {reason}",
        "zh": "无法发送到工单 #{case_id}：{reason}",
    },
    "case_not_yours": {
        "en": "that case is not one of yours",
        "zh": "这不是您的工单",
    },
    "case_unknown": {"en": "there is no such case", "zh": "没有这个工单"},
    "case_answer_unavailable": {
        "en": "The HR system cannot be reached right now, so your answer was not sent. Try again later.",
        "zh": "暂时无法连接人事系统，您的回复未发送，请稍后再试。",
    },
    "helpful": {"en": "👍 Helpful", "zh": "👍 有帮助"},
    "not_helpful": {"en": "👎 Not helpful", "zh": "👎 没有帮助"},
    "feedback_thanks": {"en": "Thanks for your feedback.", "zh": "感谢您的反馈。"},
    "feedback_ask_comment": {
        "en": "Thanks. What was missing? Reply to this message if you like (optional).",
        "zh": "谢谢。还缺少什么？愿意的话可以回复这条消息（可选）。",
    },
    "feedback_comment_saved": {"en": "Comment saved. Thank you.", "zh": "意见已保存，谢谢。"},
    "feedback_failed": {
        "en": "Sorry, your feedback could not be saved.",
        "zh": "抱歉，反馈未能保存。",
    },
}

# A bot message that names an HR case ("HR replied to case #4", "已为您创建人事工单 #4", ...): a
# Telegram reply to it is the employee answering HR on that case, not a question for the assistant.
CASE_REF = re.compile(r"(?:case|工单)\s*#(\d{1,9})", re.IGNORECASE)

#: callback data of the helpful / not helpful buttons: fb:<1|0>:<answer id>
FEEDBACK_DATA = re.compile(r"^fb:([01]):([0-9a-f]{32})$")


def user_lang(user: User | None) -> str:
    """Chinese for Telegram language codes starting with zh, else English."""
    return "zh" if user and (user.language_code or "").lower().startswith("zh") else "en"


def tx(key: str, user: User | None, **fmt: Any) -> str:
    return TEXTS[key][user_lang(user)].format(**fmt)


def _settings(context: ContextTypes.DEFAULT_TYPE) -> ConnectorSettings:
    return context.bot_data["settings"]


def _links(context: ContextTypes.DEFAULT_TYPE) -> LinkStore:
    return context.bot_data["links"]


def _rasa(context: ContextTypes.DEFAULT_TYPE) -> RasaClient:
    return context.bot_data["rasa"]


def feedback_row(answer_id: str, lang: str, chosen: bool | None = None) -> list[InlineKeyboardButton]:
    """Helpful / not helpful buttons for a policy answer (the chosen one marked with ✓)."""
    labels = {True: TEXTS["helpful"][lang], False: TEXTS["not_helpful"][lang]}
    return [
        InlineKeyboardButton(
            ("✓ " if chosen is value else "") + labels[value], callback_data=f"fb:{int(value)}:{answer_id}"
        )
        for value in (True, False)
    ]


def keyboard_for(msg: BotMessage, links: LinkStore, lang: str = "en") -> InlineKeyboardMarkup | None:
    """Rasa buttons as an inline keyboard; long payloads are replaced by short keys. A policy
    answer gets a row of helpful / not helpful buttons."""
    buttons = msg.get("buttons") or []
    feedback = msg.get("feedback")
    if not buttons and not feedback:
        return None
    rows = []
    for b in buttons:
        payload = b["payload"]
        data = KEY_PREFIX + links.put_payload(payload) if needs_key(payload) else payload
        rows.append([InlineKeyboardButton(b["title"][:200] or payload[:60], callback_data=data)])
    if feedback:
        rows.append(feedback_row(feedback["answer_id"], lang))
    return InlineKeyboardMarkup(rows)


async def send_bot_messages(
    message: Message, messages: list[BotMessage], lang: str, links: LinkStore
) -> None:
    """Send Rasa's replies: text split under Telegram's limit, keyboard on the last chunk."""
    for msg in messages:
        chunks = split_text(render_text(msg, lang))
        markup = keyboard_for(msg, links, lang)
        if not chunks and markup is not None:
            chunks = ["…"]
        for i, chunk in enumerate(chunks):
            await message.chat.send_message(chunk, reply_markup=markup if i == len(chunks) - 1 else None)


async def ask_rasa(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Forward ``text`` from the effective user to Rasa and send the replies to the chat.

    Updates are processed concurrently (one slow answer must not hold up everyone), but each
    user's messages go to Rasa one at a time and in order.
    """
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    async with _user_lock(context, user.id):
        await _ask_rasa_locked(message, context, user, text)


def _user_lock(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> asyncio.Lock:
    locks: weakref.WeakValueDictionary[int, asyncio.Lock] = context.bot_data.setdefault(
        "user_locks", weakref.WeakValueDictionary()
    )
    lock = locks.get(user_id)
    if lock is None:
        lock = locks[user_id] = asyncio.Lock()
    return lock


def _identity_for(context: ContextTypes.DEFAULT_TYPE, user: User) -> str | None:
    """A fresh identity assertion when this Telegram user is linked, else None."""
    settings = _settings(context)
    employee_id = _links(context).employee_for(user.id)
    if not employee_id:
        return None
    if not settings.hrbot_identity_secret:
        log.error("identity_secret_missing", telegram_user_id=user.id)
        return None
    from hrbot.identity import sign_identity

    return sign_identity(
        employee_id,
        "telegram",
        settings.hrbot_identity_secret,
        ttl_s=settings.hrbot_identity_ttl_s,
        sender=telegram_sender(user),
    )


def telegram_sender(user: User) -> str:
    """The Rasa conversation of a Telegram user (identity assertions are bound to it)."""
    return f"tg:{user.id}"


async def _ask_rasa_locked(
    message: Message, context: ContextTypes.DEFAULT_TYPE, user: User, text: str
) -> None:
    lang = user_lang(user)
    employee_id = _links(context).employee_for(user.id)
    if employee_id:
        from connectors.web.roles import is_active_employee

        if not await is_active_employee(employee_id, _settings(context), channel="telegram"):
            # deactivated in the system of record: the link ends and the message goes nowhere
            _links(context).unlink(user.id)
            log.info("inactive_employee_unlinked", telegram_user_id=user.id, employee_id=employee_id)
            await message.chat.send_message(t("account_inactive", lang))
            return
    identity = _identity_for(context, user)
    try:
        await message.chat.send_action(ChatAction.TYPING)
    except TelegramError as exc:  # cosmetic only
        log.debug("send_action_failed", error=str(exc))
    try:
        replies = await _rasa(context).send(
            telegram_sender(user),
            text,
            identity=identity,
            lang=normalise_lang(user.language_code) or lang,
            channel="telegram",
        )
    except RasaUnavailable:
        await message.chat.send_message(t("rasa_unavailable", lang))
        return
    if not replies:
        replies = [{"text": t("empty_reply", lang)}]
    await send_bot_messages(message, replies, lang, _links(context))


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start`` introduces the bot; ``/start CODE`` (a t.me/<bot>?start=CODE deep link) links."""
    if context.args:
        await on_link(update, context)
        return
    await update.effective_message.reply_text(tx("start", update.effective_user))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(tx("help", update.effective_user))


async def on_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/link CODE``: consume a one-time code and map this Telegram user to the employee."""
    user, message = update.effective_user, update.effective_message
    if not context.args:
        await message.reply_text(tx("link_usage", user))
        return
    links, settings = _links(context), _settings(context)
    now = datetime.now(timezone.utc)
    # Guessing is limited per Telegram user and across everyone (many accounts guessing together);
    # both counts live in the link database, so a restart of the bot does not reset them.
    mine = links.failures_since(now - timedelta(seconds=LINK_FAILURE_WINDOW_S), user.id)
    everyone = links.failures_since(now - timedelta(seconds=60))
    if mine >= MAX_LINK_FAILURES or everyone >= settings.hrbot_link_failures_per_minute:
        log.warning("telegram_link_throttled", telegram_user_id=user.id, own=mine, everyone=everyone)
        await message.reply_text(tx("link_locked", user))
        return
    employee_id = links.link_with_code(user.id, "".join(context.args))
    if employee_id is None:
        links.record_failure(user.id, now)
        log.info("telegram_link_failed", telegram_user_id=user.id)
        await message.reply_text(tx("link_bad", user))
        return
    await message.reply_text(tx("link_ok", user, employee_id=employee_id))


async def on_unlink(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    removed = _links(context).unlink(user.id)
    await update.effective_message.reply_text(tx("unlink_ok" if removed else "unlink_none", user))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    replied = message.reply_to_message
    waiting = context.user_data.get("feedback_prompts", {}) if context.user_data is not None else {}
    if replied is not None and replied.message_id in waiting:
        # a reply to "what was missing?": the comment of the vote, not a message for the assistant
        answer_id, helpful = waiting.pop(replied.message_id)
        ok = await _vote(context, update.effective_user, answer_id, helpful, message.text)
        key = "feedback_comment_saved" if ok else "feedback_failed"
        await message.reply_text(tx(key, update.effective_user))
        return
    case_id = answered_case(message, context.bot.id)
    if case_id is not None and await answer_case(update, context, case_id):
        return
    await ask_rasa(update, context, message.text)


def answered_case(message: Message, bot_id: int) -> int | None:
    """The HR case a message answers: it is a Telegram reply to one of our messages naming a case."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    found = CASE_REF.search(replied.text or "")
    return int(found.group(1)) if found else None


async def answer_case(update: Update, context: ContextTypes.DEFAULT_TYPE, case_id: int) -> bool:
    """Add the message to the case's thread as the linked employee's answer (the backend checks the
    case is theirs). False when this Telegram account is not linked: then it is an ordinary message."""
    from personnel.client import PersonnelClient, PersonnelError, PersonnelUnavailable

    user, message = update.effective_user, update.effective_message
    employee_id = _links(context).employee_for(user.id)
    settings = _settings(context)
    if not employee_id or not settings.personnel_service_token:
        return False
    try:
        async with PersonnelClient(
            settings.personnel_url,
            settings.personnel_service_token,
            acting_employee=employee_id,
            channel="telegram",
            timeout=10.0,
        ) as client:
            await client.add_case_message(
                case_id,
                message.text,
                "answer",
                idempotency_key=f"tg-{message.chat.id}-{message.message_id}",
            )
    except PersonnelError as exc:
        log.info("case_answer_refused", case_id=case_id, code=exc.code, employee_id=employee_id)
        reason = {"forbidden": "case_not_yours", "not_found": "case_unknown"}.get(exc.code)
        text = tx(reason, user) if reason else exc.message
        await message.reply_text(tx("case_answer_refused", user, case_id=case_id, reason=text))
        return True
    except PersonnelUnavailable as exc:
        log.warning("case_answer_unavailable", case_id=case_id, error=str(exc))
        await message.reply_text(tx("case_answer_unavailable", user))
        return True
    log.info("case_answer", case_id=case_id, employee_id=employee_id, channel="telegram")
    await message.reply_text(tx("case_answer_ok", user, case_id=case_id))
    return True


async def _vote(
    context: ContextTypes.DEFAULT_TYPE, user: User, answer_id: str, helpful: bool, comment: str | None = None
) -> bool:
    """Record the vote for insights (the linked employee or this Telegram user; one per answer)."""
    from insights.records import VoteRefused, record_vote

    try:
        await asyncio.to_thread(
            record_vote,
            answer_id=answer_id,
            employee_id=_links(context).employee_for(user.id),
            sender_id=f"tg:{user.id}",
            helpful=helpful,
            comment=comment,
        )
    except VoteRefused:
        return False
    except Exception:
        log.warning("feedback_not_saved", exc_info=True)
        return False
    return True


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 / 👎 under a policy answer: record it, mark the choice; after 👎 offer a comment."""
    query = update.callback_query
    user = update.effective_user
    match = FEEDBACK_DATA.match(query.data or "")
    if match is None or user is None:
        return
    helpful, answer_id = match.group(1) == "1", match.group(2)
    if not await _vote(context, user, answer_id, helpful):
        await query.answer(tx("feedback_failed", user), show_alert=True)
        return
    await query.answer(tx("feedback_thanks", user))
    msg = query.message
    if isinstance(msg, Message) and msg.reply_markup is not None:
        rows = [
            row
            for row in msg.reply_markup.inline_keyboard
            if not any(FEEDBACK_DATA.match(b.callback_data or "") for b in row)
        ]
        rows.append(feedback_row(answer_id, user_lang(user), chosen=helpful))
        try:  # the buttons stay: changing one's mind replaces the vote
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
        except TelegramError as exc:
            log.debug("edit_after_feedback_failed", error=str(exc))
    if not helpful and isinstance(msg, Message):
        prompt = await msg.chat.send_message(
            tx("feedback_ask_comment", user), reply_markup=ForceReply(selective=True)
        )
        if context.user_data is not None:
            context.user_data.setdefault("feedback_prompts", {})[prompt.message_id] = (answer_id, helpful)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline keyboard press: answer the query, mark the choice, send the payload to Rasa."""
    query = update.callback_query
    data = query.data or ""
    payload = _links(context).get_payload(data[len(KEY_PREFIX) :]) if data.startswith(KEY_PREFIX) else data
    if not payload:
        await query.answer(tx("button_expired", update.effective_user), show_alert=True)
        return
    await query.answer()
    msg = query.message
    if isinstance(msg, Message):
        title = next(
            (
                b.text
                for row in (msg.reply_markup.inline_keyboard if msg.reply_markup else ())
                for b in row
                if b.callback_data == data
            ),
            payload,
        )
        try:  # remove the keyboard so the choice cannot be sent twice, and show what was chosen
            await query.edit_message_text(f"{msg.text or ''}\n\n→ {title}".strip(), reply_markup=None)
        except TelegramError as exc:
            log.debug("edit_after_button_failed", error=str(exc))
    await ask_rasa(update, context, payload)


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(tx("text_only", update.effective_user))


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        await update.effective_message.reply_text(tx("edited", update.effective_user))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(tx("unknown_command", update.effective_user))


def _addressed(message: Message, bot_username: str, bot_id: int) -> bool:
    text = (message.text or message.caption or "").lower()
    if bot_username and f"@{bot_username.lower()}" in text:
        return True
    reply = message.reply_to_message
    return bool(reply and reply.from_user and reply.from_user.id == bot_id)


async def on_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Groups: never answer HR questions; reply politely only when addressed, otherwise stay quiet."""
    message = update.effective_message
    if message is None or not _addressed(message, context.bot.username or "", context.bot.id):
        return
    link = f": https://t.me/{context.bot.username}" if context.bot.username else ""
    await message.reply_text(tx("group", update.effective_user, link=link))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every handler error; apologise in private chats so the user is not left waiting."""
    log.error("telegram_handler_error", error=repr(context.error), exc_info=context.error)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == ChatType.PRIVATE
    ):
        with contextlib.suppress(TelegramError):
            await update.effective_chat.send_message(t("rasa_unavailable", user_lang(update.effective_user)))


async def _post_init(app: Application) -> None:
    settings: ConnectorSettings = app.bot_data["settings"]
    app.bot_data.setdefault("rasa", RasaClient(settings.rasa_url, timeout_s=settings.rasa_timeout_s))
    app.bot_data.setdefault("links", LinkStore(settings.link_database_url, settings.hrbot_link_code_ttl_s))
    commands = {
        "en": [
            ("start", "Introduction"),
            ("help", "Help"),
            ("link", "Link your employee account"),
            ("unlink", "Unlink your account"),
        ],
        "zh": [("start", "介绍"), ("help", "帮助"), ("link", "关联员工账号"), ("unlink", "解除关联")],
    }
    try:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in commands["en"]])
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in commands["zh"]], language_code="zh")
    except TelegramError as exc:
        log.warning("set_my_commands_failed", error=str(exc))
    log.info("telegram_bot_ready", username=app.bot.username, rasa_url=settings.rasa_url)


async def _post_shutdown(app: Application) -> None:
    rasa = app.bot_data.get("rasa")
    if rasa is not None:
        await rasa.aclose()
    links = app.bot_data.get("links")
    if links is not None:
        links.dispose()


def build_application(settings: ConnectorSettings | None = None) -> Application:
    """Build (not start) the bot. Needs TELEGRAM_BOT_TOKEN; TELEGRAM_BASE_URL points at another Bot API."""
    settings = settings or get_settings()
    from hrbot.security import enforce

    # Refuse to run in production with a webhook anyone could post to, or weak secrets (hrbot.security).
    enforce("Telegram bot", settings.security_values(telegram=True))
    if not settings.telegram_bot_token:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set; the Telegram connector is disabled")
    builder = Application.builder().token(settings.telegram_bot_token)
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    app = builder.post_init(_post_init).post_shutdown(_post_shutdown).concurrent_updates(True).build()
    app.bot_data["settings"] = settings

    private = filters.ChatType.PRIVATE
    new_msg = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, on_edited))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS, on_group))
    app.add_handler(CommandHandler("start", on_start, filters=private & new_msg))
    app.add_handler(CommandHandler("help", on_help, filters=private & new_msg))
    app.add_handler(CommandHandler("link", on_link, filters=private & new_msg))
    app.add_handler(CommandHandler("unlink", on_unlink, filters=private & new_msg))
    app.add_handler(CallbackQueryHandler(on_feedback, pattern=FEEDBACK_DATA))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(private & new_msg & filters.COMMAND, on_unknown_command))
    app.add_handler(MessageHandler(private & new_msg & filters.TEXT, on_text))
    app.add_handler(MessageHandler(private & new_msg, on_non_text))
    app.add_error_handler(on_error)
    return app


def webhook_params(settings: ConnectorSettings) -> dict[str, Any]:
    """Arguments for ``run_webhook``/``Updater.start_webhook``: listen locally (behind the HTTPS proxy
    that TELEGRAM_WEBHOOK_URL points at) on the URL's path, with the optional secret token."""
    if not settings.telegram_webhook_url:
        raise RuntimeError("TELEGRAM_WEBHOOK_URL is not set")
    return {
        "listen": settings.telegram_webhook_listen,
        "port": settings.telegram_webhook_port,
        "url_path": urlparse(settings.telegram_webhook_url).path.lstrip("/"),
        "webhook_url": settings.telegram_webhook_url,
        "secret_token": settings.telegram_webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
    }


def main() -> None:
    """Run the bot: webhook when TELEGRAM_WEBHOOK_URL is set, otherwise long polling."""
    settings = get_settings()
    app = build_application(settings)
    if settings.telegram_webhook_url:
        log.info("telegram_mode", mode="webhook", url=settings.telegram_webhook_url)
        app.run_webhook(**webhook_params(settings))
    else:
        log.info("telegram_mode", mode="polling")
        app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
