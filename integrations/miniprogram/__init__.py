"""Mini-program login (WeChat `wx.login`, Alipay `my.getAuthCode`) behind one port.

See README.md beside this file for the contracts.
"""

from integrations.miniprogram.alipay import AlipayLogin
from integrations.miniprogram.factory import (
    ALIPAY_DEMO_APP_ID,
    WECHAT_DEMO_APP_ID,
    build_http_miniprogram_logins,
    build_local_miniprogram_logins,
    simulate_login_code,
)
from integrations.miniprogram.models import (
    MiniProgramError,
    MiniProgramErrorCode,
    MiniProgramIdentity,
)
from integrations.miniprogram.port import MiniProgramLogin
from integrations.miniprogram.wechat import WeChatLogin

__all__ = [
    "ALIPAY_DEMO_APP_ID",
    "WECHAT_DEMO_APP_ID",
    "AlipayLogin",
    "MiniProgramError",
    "MiniProgramErrorCode",
    "MiniProgramIdentity",
    "MiniProgramLogin",
    "WeChatLogin",
    "build_http_miniprogram_logins",
    "build_local_miniprogram_logins",
    "simulate_login_code",
]
