"""The tests of the code sandbox (local/code_sandbox): GitHub and Vercel as ``shared/code`` relies on them."""
