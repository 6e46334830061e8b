"""Check-in, visit rules, the allowance engine, fees and the end-of-session cash-up."""
