"""The Gmail sandbox: what shared.mail relies on of the Gmail API, and the signer standing in for
Google's OIDC tokens on Pub/Sub's pushes (:mod:`.app`, :mod:`.oidc`)."""
