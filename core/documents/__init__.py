"""Party-building documents (计划、总结、制度、述职、党务公开 …) of a type the unit-type plugin supplies."""
