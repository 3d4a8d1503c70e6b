"""Notifications: the weekly digest and the notification settings page, composed of what every
area contributes. The outbox under them (arena/outbox/) delivers."""
