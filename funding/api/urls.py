"""REST endpoints of this app, registered on the project router in itvsh_portal/api.py."""


def register(router):
    """Add this app's viewsets to the one API router."""
