"""Member households, eligibility, cards and personal-data rights."""
