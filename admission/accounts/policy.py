"""What a username and a password must be.

Usernames are NFKC-normalised and drawn from a small alphabet (ASCII letters, digits, ``._-``), so
that two names that look alike are the same name: no full-width letters, no Cyrillic ``а`` passing
for Latin ``a``, no bidi controls reordering what an administrator reads. Passwords: at least
``MIN_PASSWORD_LENGTH`` characters, not the username, and not one that zxcvbn finds guessable
(it ships lists of common passwords, names and words).
"""

from __future__ import annotations

import re
import unicodedata

from admission.errors import Invalid

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD_LENGTH = 10
# zxcvbn's score: 0 and 1 fall to an online guessing attack within days.
MIN_SCORE = 2


def normalise_username(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def check_username(value: str) -> str:
    """The normalised username, or Invalid saying what is allowed."""
    name = normalise_username(value)
    if not USERNAME.fullmatch(name):
        raise Invalid(
            "用户名只能由小写英文字母、数字和 . _ - 组成，以字母或数字开头，2 到 64 个字符",
            fields={"username": "只能用小写英文字母、数字和 . _ -（2 到 64 个字符）"},
        )
    return name


def check_password(password: str, username: str = "") -> None:
    def refuse(message: str):
        raise Invalid(f"密码不符合要求：{message}", fields={"password": message})

    if len(password) < MIN_PASSWORD_LENGTH:
        refuse(f"至少 {MIN_PASSWORD_LENGTH} 个字符")
    if len(password) > 200:
        refuse("最多 200 个字符")
    if username and normalise_username(password) in (normalise_username(username), normalise_username(username)[::-1]):
        refuse("不能与用户名相同")
    from zxcvbn import zxcvbn

    # zxcvbn is slow on long inputs and their strength is not in doubt.
    if zxcvbn(password[:64], user_inputs=[username] if username else [])["score"] < MIN_SCORE:
        refuse("过于常见或容易猜到")
