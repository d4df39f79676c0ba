"""Asset-location plans: computed by the engine, saved, compared and explained."""
