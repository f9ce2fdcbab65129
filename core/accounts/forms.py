"""Login, password and API token forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from core.forms import Within


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Within("username")])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码"))])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码"))],
                        description=_l("至少 8 位，包含字母、数字、符号中的至少两种"))
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired(_l("请再次输入新密码"))])


class PasswordResetForm(FlaskForm):
    new = PasswordField(_l("临时密码"), validators=[DataRequired(_l("请输入临时密码"))],
                        description=_l("告知本人；其下次登录时须先修改密码"))


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(_l("请为令牌起个名字（如“报表脚本”）")), Within("short_text")])
