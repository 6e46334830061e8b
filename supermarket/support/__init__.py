"""Support beyond food: the directory of support services, and the signposts and referrals
staff record for a member, with their outcomes."""
