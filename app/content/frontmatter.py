"""YAML front matter (between '---' lines) with the line numbers needed for path:line messages."""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from app.content.limits import size_problem
from app.content.paths import UnsafeFile, read_inside

KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an authored file, printed as path:line: message."""

    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Document:
    path: Path
    meta: dict
    body: str
    body_line: int  # the file line where the body starts
    key_lines: dict = field(default_factory=dict)  # front-matter key -> file line

    def line_of(self, key):
        return self.key_lines.get(key, 1)


def read_text(path, problems, limit=None):
    """The file as text, or None with a problem when it is not UTF-8, not safe to read (a
    symbolic link, see app.content.paths) or larger than the limit of its kind (limit:
    "module", "description" or "gift", see app.content.limits)."""
    if limit is not None:
        try:
            message = size_problem(os.stat(path, follow_symlinks=False).st_size, limit)
        except OSError:
            message = None  # read_inside below says what is wrong with it
        if message:
            problems.append(Problem(str(path), 1, _("berkas %(message)s", message=message)))
            return None
    try:
        data = read_inside(path)
    except UnsafeFile as error:
        problems.append(Problem(str(path), 1, error.message))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(str(path), line, _("berkas bukan teks UTF-8")))
        return None


def split_front_matter(path, text, problems, required=True):
    """Parse a document; problems are appended, and None is returned when it cannot be read."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        if required:
            problems.append(Problem(str(path), 1, _(
                "front matter YAML tidak ditemukan: baris pertama harus '---'")))
            return None
        return Document(Path(path), {}, text, 1)
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if closing is None:
        problems.append(Problem(str(path), 1, _("front matter tidak ditutup dengan baris '---'")))
        return None
    block = "\n".join(lines[1:closing])
    import yaml  # loaded on first use: keeps web workers light (docs/operations.md)

    try:
        meta = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if isinstance(error, yaml.scanner.ScannerError) and error.context_mark is not None:
            # A token left open (a quote, a key without ':') is only noticed further on,
            # often at the end of the block; its start is the line the author must fix.
            mark = error.context_mark
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error)
        problems.append(Problem(str(path), line, _("YAML tidak valid: %(reason)s", reason=reason)))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(str(path), 2, _(
            "front matter harus berisi pasangan 'kunci: nilai'")))
        return None
    key_lines = {}
    for number, line in enumerate(lines[1:closing], start=2):
        match = KEY_LINE.match(line)
        if match and match.group(1) not in key_lines:
            key_lines[match.group(1)] = number
    rest = lines[closing + 1:]
    # Blank lines right after '---' are not part of the body; skip them so body_line names
    # the file line of the body's first line (or the line after '---' for an empty body).
    leading_blank = next((i for i, line in enumerate(rest) if line.strip()), 0)
    body = "\n".join(rest[leading_blank:]).rstrip()
    return Document(Path(path), {str(k): v for k, v in meta.items()}, body,
                    closing + 2 + leading_blank, key_lines)


class FieldReader:
    """Typed access to front-matter values that records a path:line problem for each bad one."""

    def __init__(self, document, problems, allowed_keys):
        self.document = document
        self.problems = problems
        for key in document.meta:
            if key not in allowed_keys:
                self.problem(key, _("kunci '%(key)s' tidak dikenal (yang dikenal: %(known)s)",
                                    key=key, known=", ".join(sorted(allowed_keys))))

    def problem(self, key, message):
        self.problems.append(Problem(str(self.document.path), self.document.line_of(key), message))

    def text(self, key, max_length, required=True, default=""):
        value = self.document.meta.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(key, _("'%(key)s' wajib diisi", key=key))
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problem(key, _("'%(key)s' harus berupa teks", key=key))
            return default
        value = str(value).strip()
        if len(value) > max_length:
            self.problem(key, _("'%(key)s' terlalu panjang: %(n)d karakter, maksimal %(max)d",
                                key=key, n=len(value), max=max_length))
            return value[:max_length]
        return value

    def whole_number(self, key, low, high, default=None):
        value = self.document.meta.get(key)
        if value is None and default is not None:
            return default
        if value is None:
            self.problem(key, _("'%(key)s' wajib diisi", key=key))
            return low
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, _("'%(key)s' harus bilangan bulat, bukan '%(value)s'",
                                key=key, value=value))
            return low
        if not low <= value <= high:
            self.problem(key, _("'%(key)s' harus antara %(low)d dan %(high)d, bukan %(value)d",
                                key=key, low=low, high=high, value=value))
            return low
        return value

    def choice(self, key, choices, default=None):
        value = self.document.meta.get(key, default)
        if value is None:
            self.problem(key, _("'%(key)s' wajib diisi (pilihan: %(choices)s)",
                                key=key, choices=", ".join(choices)))
            return next(iter(choices))
        if not isinstance(value, str) or value not in choices:  # a list/dict is unhashable
            self.problem(key, _("'%(key)s' tidak dikenal: '%(value)s' (pilihan: %(choices)s)",
                                key=key, value=value, choices=", ".join(choices)))
            return next(iter(choices))
        return value

    def boolean(self, key, default):
        value = self.document.meta.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(key, _("'%(key)s' harus true atau false, bukan '%(value)s'",
                                key=key, value=value))
            return default
        return value
