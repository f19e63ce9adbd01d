"""The core pages: sign-in, the home page, the 三员分立 administration pages and the audit trail.

Views are thin: they check the permission (403) or the scope (404), hand the input to a service and
show its answer. They never change data themselves.
"""
