"""Sessions: the console's cookie, their end with the connection, the signing key's rotation."""
