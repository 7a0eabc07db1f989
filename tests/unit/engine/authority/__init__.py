"""What a run may do unasked, and for whom: the authority rules, the risk floor, a run's reach, members' runs and a change of owner."""
