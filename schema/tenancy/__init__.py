"""Workspaces, users and tokens."""
