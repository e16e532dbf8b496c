"""Outbound campaigns (SPEC §5): compliance checks, pacing, the contact lock."""
