"""Bounded stores a worker keeps between requests (outlines, cards, users, verified cookies):
one rule for all of them, so none grows without limit and a full store loses only its oldest
entry, not everything at once."""


def keep_newest(store, key, value, max_entries):
    """Put `value` under `key` as the newest entry of `store` (a dict, oldest first: a re-read
    entry moves to the end), dropping the oldest entries past `max_entries`."""
    store.pop(key, None)
    store[key] = value
    while len(store) > max_entries:
        # The default: another thread (the threaded dev server) may have emptied it meanwhile.
        store.pop(next(iter(store), None), None)
