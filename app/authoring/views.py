"""The trainers' editor: courses, modules, files and quizzes, written in the browser."""

from flask import Blueprint

bp = Blueprint("authoring", __name__, template_folder="templates", url_prefix="/pengajar")
