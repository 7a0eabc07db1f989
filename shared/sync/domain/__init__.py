"""The sync capability's pure code: Linear's events, the fields both sides share, the merge rule."""
