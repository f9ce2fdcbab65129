"""群团组织 (工会、共青团、妇委会 …) of a unit and their activities."""
