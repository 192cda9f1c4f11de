"""Bureau's platform library: what every service needs and no domain logic."""
