"""Code: GitHub pull requests and Vercel deployments, for the deploy function."""
