"""Test helpers of the sync: fakes and the Linear, GitLab and Motion stacks."""
