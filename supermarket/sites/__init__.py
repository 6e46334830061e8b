"""Sites and their settings: fees, visit limits, allowances, eligibility, retention."""
