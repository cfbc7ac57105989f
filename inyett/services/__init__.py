"""Use cases. Each service owns its commit and raises a few domain exceptions; views translate."""
