"""The api's route of the calendar capability (shared.calendar): Google Calendar's notifications
(:mod:`.push`), listed in the table (functions.routes.table) with the other capabilities' few."""
