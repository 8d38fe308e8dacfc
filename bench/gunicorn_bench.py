"""gunicorn settings for the benchmark: the production gunicorn.conf.py exactly, but without the
access log (formatting and writing a line per request would be measured along with the app).

    gunicorn -c bench/gunicorn_bench.py 'app:create_app()'     (LMS_BIND, LMS_WORKERS, ...)
"""

from pathlib import Path

_PRODUCTION = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
exec(compile(_PRODUCTION.read_text(encoding="utf-8"), str(_PRODUCTION), "exec"))

accesslog = None
