"""The one exception class for problems a user can fix (bad input, unknown files, limits)."""


class UserError(Exception):
    """A request that cannot be served as given; its message is shown to the user as is."""
