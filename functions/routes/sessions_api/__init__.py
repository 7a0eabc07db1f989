"""The api's routes of sessions: a person's sessions with an agent, their messages, and the streams
(Server-Sent Events) of a session and of a run."""
