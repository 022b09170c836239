def load(*, territory_only=False):
    return None
