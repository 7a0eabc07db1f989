"""GitHub and Vercel."""
