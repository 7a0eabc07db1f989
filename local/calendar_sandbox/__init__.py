"""The Google Calendar sandbox: what shared.calendar relies on of the Calendar API, its push
notifications included (:mod:`.app`)."""
