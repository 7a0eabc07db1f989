"""Test helpers of the web suite (tests/web): what its schemathesis modules share."""
