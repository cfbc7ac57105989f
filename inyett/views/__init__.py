"""Blueprints. Views stay thin: parse the request, call a service, render or redirect."""
