"""Members, their democratic appraisals and the member-development pipeline."""
