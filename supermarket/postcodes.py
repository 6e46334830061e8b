from supermarket.members.postcodes import *  # noqa: F403  (temporary while the module moves)
