"""The tests of each agent's record: its entries, the api route and the daily plan's failing agents."""
