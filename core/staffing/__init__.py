"""Party-affairs staff (党务工作人员) and party-building instructors."""
