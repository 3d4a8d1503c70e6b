"""Sending email through SMTP; without a configured server, mail goes to the log."""

import re
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _one_line(value: str) -> str:
    """A header value: line breaks and other control characters become a space, so text a
    member wrote (a name, a subject) can never add a header such as Bcc."""
    return _CONTROL.sub(" ", value).strip()


def mailbox(email: str, name: str = "") -> Address:
    """One address for a header; the name is quoted as needed, so a name such as
    «Eve <eve@evil.example>, Bob» stays a name and never adds a second address."""
    return Address(display_name=_one_line(name), addr_spec=_one_line(email))


def send_mail(to: str, subject: str, body: str, reply_to: Address | None = None) -> bool:
    """Send one plain-text email (or log it in development when no server is set). A server
    that is down or refuses never fails the change that caused the mail: the failure is logged
    and False returned."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = mailbox(to)
    message["Subject"] = _one_line(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="arena")
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message.set_content(body)

    if not config["MAIL_SERVER"]:
        if config["ARENA_ENV"] == "production":  # bodies carry reset links: never in a log
            current_app.logger.error("Email to %s not sent: MAIL_SERVER is not set", to)
            return False
        current_app.logger.info(
            "Email not sent (no MAIL_SERVER set)\nTo: %s\nSubject: %s\n\n%s", to, subject, body
        )
        return True
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("Email to %s not sent: %s", to, type(error).__name__)
        return False
    return True
