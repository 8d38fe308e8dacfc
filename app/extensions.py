"""Flask extensions, created once and unbound; create_app() binds them."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.database import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()  # gzip/brotli for text responses (config: COMPRESS_*)
# Limits are declared per route; storage is memory, or Redis when LMS_REDIS_URL is set.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
