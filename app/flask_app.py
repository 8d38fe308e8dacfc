"""Kompeten's Flask class: Flask with two of its documented override points used.

- `jinja_environment`: the templates' environment of app/jinja_env.py.
- `ensure_sync`: Flask asks it of every hook and view on every request (some twenty times per
  page) whether the function is `async def`, through `inspect.iscoroutinefunction`: ~20 µs of
  a page's time. The answer never changes for a function, so it is kept, weakly: a function
  defined per request (`after_this_request`) is not kept alive by it.
"""

import weakref

from flask import Flask

from app.jinja_env import KompetenEnvironment


class KompetenFlask(Flask):
    jinja_environment = KompetenEnvironment

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._async_functions = weakref.WeakKeyDictionary()  # function -> is it async

    def ensure_sync(self, func):
        # A bound method (Flask-Login's hooks) is a new object at each access: keep its function.
        target = getattr(func, "__func__", func)
        try:
            is_async = self._async_functions[target]
        except (KeyError, TypeError):  # TypeError: not weakly referable (a builtin, say)
            is_async = super().ensure_sync(func) is not func
            try:
                self._async_functions[target] = is_async
            except TypeError:
                pass
        return self.async_to_sync(func) if is_async else func
