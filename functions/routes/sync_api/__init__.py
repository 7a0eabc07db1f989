"""The api's routes of the sync capability: Linear's connection, its sync log, its webhook intake."""
