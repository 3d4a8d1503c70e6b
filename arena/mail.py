"""Sending email through SMTP; without a configured server, mail goes to the log."""

import re
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _one_line(value: str) -> str:
    """A header value: line breaks and other control characters become a space, so text a
    member wrote (a name, a subject) can never add a header such as Bcc."""
    return _CONTROL.sub(" ", value).strip()


def send_mail(to: str, subject: str, body: str, reply_to: str | None = None) -> None:
    """Send one plain-text email, or log it in development when no server is set."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = _one_line(to)
    message["Subject"] = _one_line(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="arena")
    if reply_to:
        message["Reply-To"] = _one_line(reply_to)
    message.set_content(body)

    if not config["MAIL_SERVER"]:
        if config["ARENA_ENV"] == "production":  # bodies carry reset links: never in a log
            current_app.logger.error("Email to %s not sent: MAIL_SERVER is not set", to)
            return
        current_app.logger.info(
            "Email not sent (no MAIL_SERVER set)\nTo: %s\nSubject: %s\n\n%s", to, subject, body
        )
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
