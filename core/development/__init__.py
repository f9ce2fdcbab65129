"""Development records that repeat under one step, and the decisions that end a 预备期."""
