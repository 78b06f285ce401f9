"""What e-mails say, per language.

The widget's translations live in static/i18n/*.js for the browser; e-mails need only these few
sentences, so they are kept here. A language not listed falls back to English.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "confirm_subject": "Confirm reply notifications from {site}",
        "confirm_body": "Someone, hopefully you, asked to be e-mailed when someone replies to "
                        "their comments on {site}.",
        "confirm_action": "Confirm: {link}",
        "confirm_button": "Yes, e-mail me about replies",
        "confirm_ignore": "If it was not you, ignore this e-mail: you will get nothing more.",
        "modconfirm_subject": "Confirm moderator e-mails from {site}",
        "modconfirm_body": "Someone with a moderator key for {site} asked to e-mail this "
                           "address about every held or reported comment.",
        "modconfirm_button": "Yes, e-mail me about held and reported comments",
        "reply_subject": "{name} replied to your comment on \u201c{title}\u201d",
        "digest_subject": "{n} new replies to your comments on {site}",
        "reply_intro": "{name} replied to your comment on \u201c{title}\u201d:",
        "read_reply": "Read the reply",
        "more_replies": "\u2026 and {n} more.",
        "footer": "You get this e-mail because you asked to hear of replies on {site}.",
        "unsubscribe": "Unsubscribe",
        "anonymous": "Someone",
        "held_subject": "Held for review on \u201c{title}\u201d: a comment by {name}",
        "reported_subject": "Reported on \u201c{title}\u201d: a comment by {name}",
        "held_intro": "This comment is waiting for a moderator ({reason}):",
        "reported_intro": "A reader reported this comment ({reason}):",
        "approve": "Approve",
        "reject": "Reject",
        "links_expire": "Each link works once, until {when} (UTC).",
        "mod_footer": "You get this e-mail because you asked for moderator e-mails on {site}.",
    },
    "de": {
        "confirm_subject": "Benachrichtigungen von {site} bestätigen",
        "confirm_body": "Jemand, hoffentlich Sie, möchte per E-Mail erfahren, wenn auf "
                        "eigene Kommentare auf {site} geantwortet wird.",
        "confirm_action": "Bestätigen: {link}",
        "confirm_button": "Ja, bei Antworten per E-Mail benachrichtigen",
        "confirm_ignore": "Falls Sie das nicht waren, ignorieren Sie diese E-Mail: Sie "
                          "erhalten dann nichts weiter.",
        "modconfirm_subject": "Moderations-E-Mails von {site} bestätigen",
        "modconfirm_body": "Jemand mit einem Moderationsschlüssel für {site} möchte an diese "
                           "Adresse zu jedem zurückgehaltenen oder gemeldeten Kommentar "
                           "schreiben lassen.",
        "modconfirm_button": "Ja, Moderations-E-Mails senden",
        "reply_subject": "{name} hat auf Ihren Kommentar zu \u201e{title}\u201c geantwortet",
        "digest_subject": "{n} neue Antworten auf Ihre Kommentare auf {site}",
        "reply_intro": "{name} hat auf Ihren Kommentar zu \u201e{title}\u201c geantwortet:",
        "read_reply": "Antwort lesen",
        "more_replies": "\u2026 und {n} weitere.",
        "footer": "Sie erhalten diese E-Mail, weil Sie über Antworten auf {site} informiert "
                  "werden möchten.",
        "unsubscribe": "Abbestellen",
        "anonymous": "Jemand",
        "held_subject": "Zur Prüfung zurückgehalten bei \u201e{title}\u201c: ein Kommentar "
                        "von {name}",
        "reported_subject": "Gemeldet bei \u201e{title}\u201c: ein Kommentar von {name}",
        "held_intro": "Dieser Kommentar wartet auf die Moderation ({reason}):",
        "reported_intro": "Ein Leser hat diesen Kommentar gemeldet ({reason}):",
        "approve": "Freigeben",
        "reject": "Ablehnen",
        "links_expire": "Jeder Link funktioniert einmal, bis {when} (UTC).",
        "mod_footer": "Sie erhalten diese E-Mail, weil Sie Moderations-E-Mails für {site} "
                      "bestellt haben.",
    },
}
