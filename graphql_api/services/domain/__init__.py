"""Services of the time-tracking domain: validation, rate resolution and CRUD rules.

Nothing here imports strawberry: resolvers decode global ids and hand plain values in.
"""
