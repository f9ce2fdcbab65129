"""Party work funding (党组织工作经费) per unit and year."""
