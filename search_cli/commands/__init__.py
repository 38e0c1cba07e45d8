"""Trialscout command groups."""
